// Voice files: format detection, each layout, SysEx files with bad messages,
// errors naming file and offset, and the atomic cartridge writer.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"

using namespace dxlatent;
namespace fs = std::filesystem;

namespace {

// A voice unlike INIT VOICE in every operator, seeded so failures reproduce.
Voice random_voice(std::uint32_t seed) {
  std::mt19937 rng(seed);
  Voice v;
  for (const ParamInfo& p : param_table())
    v.bytes[p.offset] = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, p.max)(rng));
  v.set_name("RND " + std::to_string(seed));
  return v;
}

std::vector<Voice> cartridge(std::uint32_t seed) {
  std::vector<Voice> voices;
  for (std::uint32_t i = 0; i < 32; ++i) voices.push_back(random_voice(seed * 100 + i));
  return voices;
}

class VoiceFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dxlatent_voice_file_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::vector<std::uint8_t>& bytes) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  fs::path dir_;
};

}  // namespace

TEST_F(VoiceFileTest, CartridgeRoundTrip) {
  const auto voices = cartridge(1);
  const fs::path p = dir_ / "cart.syx";
  write_cartridge_syx(p, voices, 3);
  EXPECT_EQ(fs::file_size(p), sysex::kBulkDumpBytes);
  const VoiceFile f = read_voice_file(p);
  EXPECT_EQ(f.format, VoiceFileFormat::SysEx);
  EXPECT_TRUE(f.problems.empty());
  ASSERT_EQ(f.voices.size(), 32u);
  for (std::size_t i = 0; i < 32; ++i) {
    EXPECT_EQ(f.voices[i].voice, voices[i]);
    EXPECT_EQ(f.voices[i].index, i);
    EXPECT_EQ(f.voices[i].offset, 0u);
  }
}

TEST_F(VoiceFileTest, ShortCartridgeIsPaddedWithInitVoice) {
  const std::vector<Voice> voices = {random_voice(7)};
  write_cartridge_syx(dir_ / "one.syx", voices);
  const VoiceFile f = read_voice_file(dir_ / "one.syx");
  ASSERT_EQ(f.voices.size(), 32u);
  EXPECT_EQ(f.voices[0].voice, voices[0]);
  EXPECT_EQ(f.voices[31].voice, sysex::init_voice());
  EXPECT_THROW(write_cartridge_syx(dir_ / "x.syx", std::vector<Voice>(33)), std::invalid_argument);
}

TEST_F(VoiceFileTest, SeveralMessagesCarryTheirSource) {
  const auto a = cartridge(2);
  const Voice single = random_voice(99);
  std::vector<std::uint8_t> bytes = sysex::encode_bulk_dump(a, 0);
  const auto sv = sysex::encode_single_voice(single, 0);
  bytes.insert(bytes.end(), sv.begin(), sv.end());
  const auto pc = sysex::encode_param_change(0, 5, 7);
  bytes.insert(bytes.end(), pc.begin(), pc.end());
  const VoiceFile f = read_voice_file(write("multi.syx", bytes));
  ASSERT_EQ(f.voices.size(), 33u);
  EXPECT_EQ(f.voices[32].voice, single);
  EXPECT_EQ(f.voices[32].index, 32u);
  EXPECT_EQ(f.voices[32].message, 1u);
  EXPECT_EQ(f.voices[32].offset, sysex::kBulkDumpBytes);
  EXPECT_EQ(f.ignored_messages, 1u);
}

TEST_F(VoiceFileTest, BadMessageIsReportedGoodOnesKept) {
  std::vector<std::uint8_t> bytes = sysex::encode_bulk_dump(cartridge(3), 0);
  bytes[100] ^= 0x01;  // breaks the checksum of message 0
  const auto good = sysex::encode_bulk_dump(cartridge(4), 0);
  bytes.insert(bytes.end(), good.begin(), good.end());
  const VoiceFile f = read_voice_file(write("bad.syx", bytes));
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_EQ(f.problems[0].offset, 0u);
  EXPECT_NE(f.describe(f.problems[0]).find("bad.syx: offset 0: wrong checksum"), std::string::npos)
      << f.describe(f.problems[0]);
  ASSERT_EQ(f.voices.size(), 32u);
  EXPECT_EQ(f.voices[0].voice, cartridge(4)[0]);
  EXPECT_EQ(f.voices[0].offset, sysex::kBulkDumpBytes);
}

TEST_F(VoiceFileTest, RawPackedAndUnpacked) {
  const auto voices = cartridge(5);
  std::vector<std::uint8_t> packed, unpacked;
  for (const Voice& v : voices) {
    const PackedVoice p = pack(v);
    packed.insert(packed.end(), p.begin(), p.end());
    unpacked.insert(unpacked.end(), v.bytes.begin(), v.bytes.end());
  }
  const VoiceFile fp = read_voice_file(write("c.bin", packed));
  EXPECT_EQ(fp.format, VoiceFileFormat::Packed);
  const VoiceFile fu = read_voice_file(write("c.vced", unpacked));
  EXPECT_EQ(fu.format, VoiceFileFormat::Unpacked);
  ASSERT_EQ(fp.voices.size(), 32u);
  ASSERT_EQ(fu.voices.size(), 32u);
  for (std::size_t i = 0; i < 32; ++i) {
    EXPECT_EQ(fp.voices[i].voice, voices[i]);
    EXPECT_EQ(fu.voices[i].voice, voices[i]);
    EXPECT_EQ(fu.voices[i].offset, i * kVoiceBytes);
  }
  // write_packed_file writes what the reader reads.
  write_packed_file(dir_ / "w.bin", voices);
  const VoiceFile fw = read_voice_file(dir_ / "w.bin");
  ASSERT_EQ(fw.voices.size(), 32u);
  EXPECT_EQ(fw.voices[31].voice, voices[31]);
}

TEST_F(VoiceFileTest, AmbiguousSizeIsDecidedByContent) {
  // 19,840 bytes = 155 packed or 128 unpacked voices: unpacked valid voices read
  // as packed give garbage, so the content decides.
  std::vector<std::uint8_t> unpacked;
  for (std::uint32_t i = 0; i < 128; ++i) {
    const Voice v = random_voice(1000 + i);
    unpacked.insert(unpacked.end(), v.bytes.begin(), v.bytes.end());
  }
  const VoiceFile f = read_voice_file(write("amb.bin", unpacked));
  EXPECT_EQ(f.format, VoiceFileFormat::Unpacked);
  EXPECT_EQ(f.voices.size(), 128u);
}

TEST_F(VoiceFileTest, ErrorsNameFileAndOffset) {
  try {
    read_voice_file(write("junk.txt", {'h', 'e', 'l', 'l', 'o'}));
    FAIL() << "no error";
  } catch (const VoiceFileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("junk.txt: offset 0: not a voice file"), std::string::npos) << what;
  }
  EXPECT_THROW(read_voice_file(write("empty.syx", {})), VoiceFileError);
  EXPECT_THROW(read_voice_file(dir_ / "missing.syx"), VoiceFileError);
  EXPECT_THROW(read_voice_file(dir_), VoiceFileError);
  // Asking for a layout the size does not fit names the offset of the partial record.
  try {
    read_voice_file(write("odd.bin", std::vector<std::uint8_t>(300)), VoiceFileFormat::Packed);
    FAIL() << "no error";
  } catch (const VoiceFileError& e) {
    EXPECT_EQ(e.offset(), 256u);
  }
  // A truncated cartridge: the file is SysEx, its one message is reported.
  auto bytes = sysex::encode_bulk_dump(cartridge(6), 0);
  bytes.resize(2000);
  const VoiceFile f = read_voice_file(write("trunc.syx", bytes));
  EXPECT_TRUE(f.voices.empty());
  ASSERT_EQ(f.problems.size(), 1u);
  EXPECT_NE(f.problems[0].what.find("truncated"), std::string::npos);
}

TEST_F(VoiceFileTest, HugeFileIsRefusedBySizeBeforeReading) {
  // Sparse: 200 MB on paper, nothing on disk. Refused by its size alone, so it
  // takes no time and no memory.
  const fs::path p = dir_ / "huge.bin";
  std::ofstream(p).close();
  fs::resize_file(p, 200'000'001);
  const auto start = std::chrono::steady_clock::now();
  try {
    read_voice_file(p);
    FAIL() << "no error";
  } catch (const VoiceFileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(p.string() + ": offset 0: size 200000001 bytes"), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(kMaxVoiceFileBytes)), std::string::npos) << what;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  // One byte over the limit is refused, the limit itself is not judged by size.
  fs::resize_file(p, kMaxVoiceFileBytes + 1);
  EXPECT_THROW(read_voice_file(p), VoiceFileError);
}

TEST_F(VoiceFileTest, EndlessStreamIsReadOnlyUpToTheLimit) {
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero";
  try {
    read_voice_file("/dev/zero");
    FAIL() << "no error";
  } catch (const VoiceFileError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero: offset 0: size over " + std::to_string(kMaxVoiceFileBytes)),
              std::string::npos)
        << e.what();
  }
}

TEST_F(VoiceFileTest, ManyBadMessagesKeepOnlyTheFirstFew) {
  std::vector<std::uint8_t> bytes = sysex::encode_bulk_dump(cartridge(7), 0);
  for (int i = 0; i < 100000; ++i) bytes.insert(bytes.end(), {0xF0, 0x00, 0xF7});
  const VoiceFile f = read_voice_file(write("garbage.syx", bytes));
  EXPECT_EQ(f.voices.size(), 32u) << "the good cartridge in front is kept";
  EXPECT_EQ(f.problems.size(), kKeptProblems);
  EXPECT_EQ(f.problem_count, 100000u);
  EXPECT_EQ(f.problems[0].offset, sysex::kBulkDumpBytes);
}

#if !defined(__SANITIZE_ADDRESS__)  // ASan reserves terabytes of address space: no RLIMIT_AS under it
TEST_F(VoiceFileTest, OutOfMemoryWhileReadingNamesTheFile) {
  // A file within the size limit on a machine that cannot hold it: a child
  // process with a tight address-space limit reads it.
  const fs::path p = dir_ / "big.bin";
  std::ofstream(p).close();
  fs::resize_file(p, kMaxVoiceFileBytes);
  const pid_t pid = ::fork();
  if (pid == 0) {
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t now = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
    const rlimit limit{now + (8u << 20), now + (8u << 20)};
    ::setrlimit(RLIMIT_AS, &limit);
    try {
      read_voice_file(p);
    } catch (const VoiceFileError& e) {
      const std::string what = e.what();
      ::_exit(what.find(p.string() + ": offset 0: out of memory") != std::string::npos ? 0 : 2);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: wrong message, 3: another exception, 4: no error";
}
#endif
