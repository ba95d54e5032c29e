// The dxlatent CLI end to end: exit codes (0 ok, 1 bad input, 2 usage), messages
// naming file and offset, `inspect` on the corpus and `collect` on a messy folder.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice_file.hpp"

using namespace dxlatent;
namespace fs = std::filesystem;

namespace {

struct Result {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dxlatent_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result run(const std::string& args) {
    std::string cmd = q(DXLATENT_BIN);
    cmd += " " + args + " > " + q(dir_ / "stdout") + " 2> " + q(dir_ / "stderr");
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
  }
  // Single-quoted for the shell (the temporary paths hold no quote).
  static std::string q(const fs::path& p) {
    std::string s(1, '\'');
    s += p.string();
    s += '\'';
    return s;
  }

  fs::path dir_;
};

std::vector<Voice> cartridge(std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Voice> voices;
  for (int i = 0; i < 32; ++i) {
    Voice v;
    for (const ParamInfo& p : param_table())
      v.bytes[p.offset] = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, p.max)(rng));
    std::string name = "CART";
    name += std::to_string(i);
    v.set_name(name);
    voices.push_back(v);
  }
  return voices;
}

}  // namespace

TEST_F(Cli, HelpAndVersion) {
  Result r = run("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "dxlatent " DXLATENT_EXPECTED_VERSION "\n");
  r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("inspect"), std::string::npos);
  EXPECT_NE(r.out.find("collect"), std::string::npos);
  EXPECT_EQ(run("inspect --help").code, 0);
}

TEST_F(Cli, UsageErrorsExitWith2) {
  EXPECT_EQ(run("").code, 2);
  EXPECT_EQ(run("--no-such-option").code, 2);
  EXPECT_EQ(run("inspect").code, 2) << "missing FILE";
  EXPECT_EQ(run("inspect --format xml x.syx").code, 2);
  EXPECT_EQ(run("collect " + q(dir_)).code, 2) << "missing -o";
  const Result r = run("collect " + q(dir_) + " -o x.bin --invalid maybe");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--invalid"), std::string::npos) << r.err;
}

TEST_F(Cli, InspectBadFilesExitWith1NamingFileAndOffset) {
  Result r = run("inspect " + q(dir_ / "missing.syx"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.syx: offset 0: cannot open"), std::string::npos) << r.err;

  std::ofstream(dir_ / "junk.txt") << "not a voice";
  r = run("inspect " + q(dir_ / "junk.txt"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("junk.txt: offset 0: not a voice file"), std::string::npos) << r.err;

  // Two cartridges, the second damaged: the first is still listed.
  auto bytes = sysex::encode_bulk_dump(cartridge(1), 0);
  auto second = sysex::encode_bulk_dump(cartridge(2), 0);
  second[3000] ^= 0x02;
  bytes.insert(bytes.end(), second.begin(), second.end());
  std::ofstream(dir_ / "two.syx", std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  r = run("inspect " + q(dir_ / "two.syx"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("two.syx: offset 4104: wrong checksum"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("two.syx:32  \"CART31    \""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary: 32 voices, 32 valid, 0 with out-of-range fields"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 unreadable, 1 bad message\n"), std::string::npos) << r.out;
}

TEST_F(Cli, InspectGoodCartridge) {
  auto voices = cartridge(3);
  voices[4].bytes[64] = 120;  // OP3 EG rate 2: out of range, but within SysEx's 7 bits
  write_cartridge_syx(dir_ / "c.syx", voices);
  const Result r = run("inspect " + q(dir_ / "c.syx"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("c.syx:5  \"CART4     \"  alg " + std::to_string(voices[4].algorithm()) +
                       "  out of range: OP3 EG rate 2 = 120 (0-99)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("summary: 32 voices, 31 valid, 1 with out-of-range fields"), std::string::npos);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 32 + 3);
}

TEST_F(Cli, InspectCorpus) {
  const fs::path corpus = fs::path(DXLATENT_SHARED_DATA) / "collection.bin";
  if (!fs::exists(corpus)) GTEST_SKIP() << corpus << " not found: corpus inspection skipped";
  const Result r = run("inspect " + q(corpus));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("summary: 29830 voices, 26799 valid, 3031 with out-of-range fields"),
            std::string::npos);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 29830 + 3);
}

TEST_F(Cli, CollectDeduplicatesAndReportsTheCorruptFile) {
  const fs::path pile = dir_ / "pile";
  fs::create_directories(pile / "sub");
  auto voices = cartridge(4);
  voices[7] = voices[3];
  voices[7].set_name("SAME SOUND");  // a duplicate but for its name
  voices[9].bytes[20] = 15;          // OP6 detune out of range
  write_cartridge_syx(pile / "a.syx", voices);
  write_cartridge_syx(pile / "sub" / "a copy.syx", voices);  // the cartridge twice
  auto corrupt = sysex::encode_bulk_dump(cartridge(5), 0);
  corrupt[500] = 0x90;  // a status byte inside the data
  std::ofstream(pile / "corrupt.syx", std::ios::binary)
      .write(reinterpret_cast<const char*>(corrupt.data()), static_cast<std::streamsize>(corrupt.size()));
  std::ofstream(pile / "readme.txt") << "patches from a friend";

  const fs::path out = dir_ / "corpus.bin";
  const Result r = run("collect " + q(pile) + " -o " + q(out));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("files: 3 read, 1 rejected (not voice files), 1 bad message rejected"),
            std::string::npos) << r.out;
  // 64 read: 2 out of range, 31 + 1 duplicates, 30 unique.
  EXPECT_NE(r.out.find("voices: 64 read, 2 rejected (out of range), 0 clamped, 32 duplicates, 30 unique"),
            std::string::npos) << r.out;
  EXPECT_NE(r.err.find("corrupt.syx: offset 0: data byte >= 0x80"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("readme.txt: offset 0: not a voice file"), std::string::npos) << r.err;
  // Slots are 1-based here as everywhere FILE:SLOT is written.
  EXPECT_NE(r.err.find("a.syx:10 \"CART9     \": out of range: OP6 detune = 15 (0-14)"), std::string::npos) << r.err;

  const VoiceFile written = read_voice_file(out);
  EXPECT_EQ(written.format, VoiceFileFormat::Packed);
  std::vector<Voice> expected;
  for (std::size_t i = 0; i < voices.size(); ++i)
    if (i != 7 && i != 9) expected.push_back(voices[i]);
  ASSERT_EQ(written.voices.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(written.voices[i].voice, expected[i]) << i;

  // --invalid clamp keeps the damaged voice, clamped.
  const Result c = run("collect " + q(pile) + " -o " + q(out) + " --invalid clamp");
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("0 rejected (out of range), 2 clamped, 33 duplicates, 31 unique"), std::string::npos)
      << c.out;
  EXPECT_EQ(read_voice_file(out).voices[8].voice.bytes[20], 14);
}

TEST_F(Cli, CollectNothingUsableExitsWith1AndWritesNothing) {
  std::ofstream(dir_ / "readme.txt") << "nothing here";
  const fs::path out = dir_ / "out.bin";
  Result r = run("collect " + q(dir_ / "readme.txt") + " -o " + q(out));
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(fs::exists(out));
  r = run("collect " + q(dir_ / "nope") + " -o " + q(out));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nope: offset 0: no such file or directory"), std::string::npos) << r.err;
}
