#include "dxlatent/engine/snapshot.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "dxlatent/voice/voice_ref.hpp"

using namespace dxlatent;
namespace fs = std::filesystem;

namespace {
class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dxlatent-snapshot-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static Voice voice(std::uint8_t rate, const char* name) {
    Voice v = sysex::init_voice();
    v.bytes[0] = rate;
    v.set_name(name);
    return v;
  }
  fs::path dir_;
};
}  // namespace

TEST_F(SnapshotTest, FillsTheFirstFreeSlotsThenANamedOneAndRefusesWhenFull) {
  const fs::path cart = dir_ / "sub" / "snaps.syx";
  EXPECT_EQ(save_snapshot(cart, voice(10, "ONE")), 1);
  EXPECT_EQ(save_snapshot(cart, voice(11, "TWO")), 2);
  EXPECT_EQ(save_snapshot(cart, voice(12, "SEVEN"), 7), 7);
  EXPECT_EQ(save_snapshot(cart, voice(13, "THREE")), 3);
  const auto f = read_voice_file(cart);
  ASSERT_EQ(f.voices.size(), 32u);
  EXPECT_TRUE(f.problems.empty());
  EXPECT_EQ(f.voices[0].voice, voice(10, "ONE"));
  EXPECT_EQ(f.voices[1].voice, voice(11, "TWO"));
  EXPECT_EQ(f.voices[2].voice, voice(13, "THREE"));
  EXPECT_EQ(f.voices[6].voice, voice(12, "SEVEN"));
  EXPECT_EQ(f.voices[3].voice, sysex::init_voice());
  for (int i = 0; i < 28; ++i) (void)save_snapshot(cart, voice(std::uint8_t(20 + i), "MORE"));
  EXPECT_THROW(save_snapshot(cart, voice(99, "FULL")), std::runtime_error);
  EXPECT_EQ(save_snapshot(cart, voice(99, "OVER"), 32), 32);  // a named slot is still fine
}

TEST_F(SnapshotTest, NeverOverwritesAFileThatIsNotAClean32VoiceCartridge) {
  const fs::path cart = dir_ / "damaged.syx";
  auto bytes = sysex::encode_bulk_dump(std::vector<Voice>{voice(1, "A")}, 0);
  bytes[100] ^= 0x01;  // checksum no longer matches
  std::ofstream(cart, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  EXPECT_THROW(save_snapshot(cart, voice(2, "B")), std::exception);
  std::ifstream in(cart, std::ios::binary);
  std::vector<std::uint8_t> after((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(after, bytes);
}

TEST_F(SnapshotTest, CurrentVoiceRoundTripsAndVoiceRefsNameTheirSlot) {
  EXPECT_THROW(load_current_voice(dir_), std::runtime_error);
  save_current_voice(dir_, voice(42, "NOW"));
  EXPECT_EQ(load_current_voice(dir_), voice(42, "NOW"));
  const fs::path cart = dir_ / "c.syx";
  write_cartridge_syx(cart, std::vector<Voice>{voice(1, "A"), voice(2, "B"), voice(3, "C")});
  EXPECT_EQ(VoiceRef(cart, 2).read(), voice(2, "B"));
  EXPECT_THROW(VoiceRef(dir_ / "current.syx", 2).read(), VoiceRefError);
}

// Issue 14: live voice names restart with each run ("L0001 ..." again), so
// snapshots of two runs shared names. In the cartridge they continue.
TEST_F(SnapshotTest, LiveNamesContinueAcrossRunsAndOtherNamesAreKept) {
  const fs::path cart = dir_ / "snaps.syx";
  auto live = [](std::uint8_t rate, std::size_t serial) {
    Voice v = voice(rate, "");
    name_generated_voice(v, VoiceOrigin::Live, serial);
    return v;
  };
  std::string name;
  save_snapshot(cart, live(10, 1), 0, nullptr, &name);  // run 1's first voice
  EXPECT_EQ(name.substr(0, 5), "L0001");
  save_snapshot(cart, live(11, 1), 0, nullptr, &name);  // run 2's first voice, also L0001 there
  EXPECT_EQ(name.substr(0, 5), "L0002");
  save_snapshot(cart, voice(12, "MY PAD"), 0, nullptr, &name);  // not a live name: kept
  EXPECT_EQ(name.substr(0, 6), "MY PAD");
  save_snapshot(cart, live(13, 7), 0, nullptr, &name);
  EXPECT_EQ(name.substr(0, 5), "L0003");
  const auto f = read_voice_file(cart);
  EXPECT_EQ(f.voices[1].voice.name().substr(6), voice_tag(live(11, 1)));  // the tag is the sound's
  EXPECT_TRUE(std::equal(f.voices[1].voice.bytes.begin(), f.voices[1].voice.bytes.begin() + kSoundParams,
                         live(11, 1).bytes.begin()));
}
