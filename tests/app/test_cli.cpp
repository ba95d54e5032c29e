// The dxlatent CLI end to end: exit codes (0 ok, 1 bad input, 2 usage; one
// table for every subcommand, docs/exit-codes.md), messages naming file and
// offset, `inspect` on the corpus and `collect` on a messy folder, and the file
// rules of docs/files.md (devices, symlinks, read-only files, directories,
// outputs that are inputs, size limits, capped error output).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

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

// ---- Files: never destroy what is not ours (docs/files.md) ----------------

namespace {

fs::path model() { return fs::path(DXLATENT_SOURCE_DIR) / "models" / "dxlatent-vae.pt"; }

void write_bytes(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

class CliModel : public Cli {
 protected:
  void SetUp() override {
    if (!fs::exists(model())) GTEST_SKIP() << model() << " not found";
    Cli::SetUp();
  }
  // One voice decoded: the cheapest real write through the whole command.
  Result sample_to(const std::string& out, const std::string& more = "") {
    return run("sample -n 1 --seed 1 --model " + q(model()) + " -o " + out + " " + more);
  }
};

TEST_F(CliModel, SampleToDevNullWritesThroughTheDevice) {
  Result r = sample_to("/dev/null");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_character_file("/dev/null")) << "the device node was replaced";
  fs::create_symlink("/dev/null", dir_ / "void.syx");
  r = sample_to(q(dir_ / "void.syx"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "void.syx")));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST_F(CliModel, SampleToDevFullReportsTheWriteErrorAndExits1) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const Result r = sample_to("/dev/full");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.err.find("/dev/full: No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("wrote"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST_F(CliModel, SampleToStandardOutputWritesOnlyTheCartridgeThere) {
  const Result r = sample_to("-");
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.out.size(), sysex::kBulkDumpBytes) << "report lines go to stderr";
  std::vector<std::uint8_t> bytes(r.out.begin(), r.out.end());
  EXPECT_EQ(parse_voice_file(bytes, "stdout").voices.size(), 32u);
  EXPECT_NE(r.err.find("1 voice from the prior"), std::string::npos) << r.err;  // not "1 voices"
}

TEST_F(CliModel, SymlinkedOutputIsWrittenThroughToItsTarget) {
  fs::create_directories(dir_ / "carts");
  write_cartridge_syx(dir_ / "carts" / "mine.syx", cartridge(1));
  fs::create_symlink("carts/mine.syx", dir_ / "current.syx");
  const Result r = sample_to(q(dir_ / "current.syx"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "current.syx"))) << "the link became a plain file";
  const VoiceFile f = read_voice_file(dir_ / "carts" / "mine.syx");
  ASSERT_EQ(f.voices.size(), 32u);
  EXPECT_NE(f.voices[0].voice, cartridge(1)[0]) << "the target was not written";
}

TEST_F(CliModel, ReadOnlyOutputIsRefusedUnlessForced) {
  const fs::path p = dir_ / "keep.syx";
  write_cartridge_syx(p, cartridge(2));
  ::chmod(p.c_str(), 0444);
  const std::string before = slurp(p);
  Result r = sample_to(q(p));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("keep.syx: is read-only (mode 0444); not replacing it (--force replaces it)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(p), before);
  r = sample_to(q(p), "--force");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(slurp(p), before);
}

TEST_F(Cli, DirectoryOutputIsRefusedBeforeAnyWork) {
  // A model that does not exist: the directory must be what is reported, so
  // nothing was loaded or decoded before the output was judged.
  fs::create_directories(dir_ / "out");
  write_cartridge_syx(dir_ / "c.syx", cartridge(3));
  const std::string nomodel = " --model " + q(dir_ / "none.pt");
  for (const std::string& cmd :
       {"sample -n 1" + nomodel + " -o " + q(dir_ / "out"),
        "interpolate " + q(dir_ / "c.syx") + ":1 " + q(dir_ / "c.syx") + ":2" + nomodel + " -o " + q(dir_ / "out"),
        "encode " + q(dir_ / "c.syx") + nomodel + " -o " + q(dir_ / "out"),
        "collect " + q(dir_ / "c.syx") + " -o " + q(dir_ / "out")}) {
    const Result r = run(cmd);
    EXPECT_EQ(r.code, 1) << cmd;
    EXPECT_NE(r.err.find("out: is a directory"), std::string::npos) << cmd << "\n" << r.err;
    EXPECT_EQ(r.err.find("none.pt"), std::string::npos) << cmd << "\n" << r.err;
    EXPECT_EQ(r.out.find("files:"), std::string::npos) << cmd << ": collect read its inputs first\n" << r.out;
  }
  EXPECT_TRUE(fs::is_directory(dir_ / "out"));
}

TEST_F(Cli, OutputThatIsAnInputIsRefused) {
  const fs::path c = dir_ / "cart.syx";
  write_cartridge_syx(c, cartridge(4));
  const std::string before = slurp(c);
  fs::create_symlink("cart.syx", dir_ / "link.syx");
  fs::create_hard_link(c, dir_ / "hard.syx");
  const std::string nomodel = " --model " + q(dir_ / "none.pt");
  const std::vector<std::string> cmds = {
      "encode " + q(c) + " -o " + q(c),
      "encode " + q(c) + " -o " + q(dir_ / "link.syx"),
      "encode " + q(c) + " -o " + q(dir_ / "." / "hard.syx"),
      "collect " + q(dir_) + " -o " + q(c),  // a file inside a folder being collected
      "interpolate " + q(c) + ":1 " + q(dir_ / "link.syx") + ":2" + nomodel + " -o " + q(dir_ / "hard.syx"),
  };
  for (const std::string& cmd : cmds) {
    const Result r = run(cmd);
    EXPECT_EQ(r.code, 1) << cmd;
    EXPECT_NE(r.err.find("is also an input"), std::string::npos) << cmd << "\n" << r.err;
    EXPECT_EQ(slurp(c), before) << cmd;
  }
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link.syx")));
}

TEST_F(Cli, CollectOutputFormatFollowsTheName) {
  write_cartridge_syx(dir_ / "c.syx", cartridge(5));
  fs::create_directories(dir_ / "out");
  Result r = run("collect " + q(dir_ / "c.syx") + " -o " + q(dir_ / "out" / "corpus.syx"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("as 1 32-voice bulk dump"), std::string::npos) << r.out;
  VoiceFile f = read_voice_file(dir_ / "out" / "corpus.syx");
  EXPECT_EQ(f.format, VoiceFileFormat::SysEx) << ".syx holds SysEx, not raw records";
  EXPECT_EQ(fs::file_size(dir_ / "out" / "corpus.syx"), sysex::kBulkDumpBytes);
  r = run("collect " + q(dir_ / "c.syx") + " -o " + q(dir_ / "out" / "corpus.bin"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_voice_file(dir_ / "out" / "corpus.bin").format, VoiceFileFormat::Packed);
  EXPECT_EQ(fs::file_size(dir_ / "out" / "corpus.bin"), 32u * kPackedVoiceBytes);
  // Fewer than 32 voices: the bulk dump is padded, and says so.
  auto few = cartridge(6);
  few.resize(3);
  std::vector<std::uint8_t> singles;
  for (const Voice& v : few) {
    const auto m = sysex::encode_single_voice(v, 0);
    singles.insert(singles.end(), m.begin(), m.end());
  }
  write_bytes(dir_ / "three.syx", singles);
  r = run("collect " + q(dir_ / "three.syx") + " -o " + q(dir_ / "out" / "three-out.syx"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 3 voices"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the last padded with 29 INIT VOICEs"), std::string::npos) << r.out;
  EXPECT_NE(run("collect --help").out.find("ends in .syx"), std::string::npos);
}

TEST_F(Cli, SnapshotRefusesWhatIsNotACartridgeBeforeAskingTheEngine) {
  // No engine ever ran with this state directory: a refused file must be
  // reported as such, not as the missing engine.
  ::setenv("XDG_STATE_HOME", (dir_ / "state").c_str(), 1);
  write_packed_file(dir_ / "packed.syx", cartridge(7));  // 32 voices, but raw records
  std::ofstream(dir_ / "notes.syx") << "my favourite patches: 3, 7, 12\n";
  write_cartridge_syx(dir_ / "cart.bin", cartridge(8));
  fs::create_directories(dir_ / "dir.syx");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"packed.syx", "not a 32-voice cartridge (one 4104-byte bulk dump): it holds 32 voices as packed"},
      {"notes.syx", "notes.syx: offset 0: not a voice file"},
      {"cart.bin", "named .syx"},
      {"new.txt", "named .syx"},
      {"dir.syx", "is a directory"},
  };
  for (const auto& [file, message] : cases) {
    const std::string before = fs::is_regular_file(dir_ / file) ? slurp(dir_ / file) : "";
    const Result r = run("snapshot -o " + q(dir_ / file));
    EXPECT_EQ(r.code, 1) << file;
    EXPECT_NE(r.err.find(message), std::string::npos) << file << "\n" << r.err;
    EXPECT_EQ(r.err.find("current.syx"), std::string::npos) << file << "\n" << r.err;
    if (fs::is_regular_file(dir_ / file)) {
      EXPECT_EQ(slurp(dir_ / file), before) << file;
    }
  }
  EXPECT_FALSE(fs::exists(dir_ / "new.txt"));
  // A real cartridge passes the file checks; then the missing engine is reported
  // (an old run's current.syx is not what plays: issue 14) and nothing is written.
  write_cartridge_syx(dir_ / "good.syx", cartridge(9));
  const std::string before = slurp(dir_ / "good.syx");
  const Result r = run("snapshot --output " + q(dir_ / "good.syx"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no dxlatent run is using state directory"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_ / "good.syx"), before);
  ::unsetenv("XDG_STATE_HOME");
}

// ---- Inputs: bounded memory, bounded output --------------------------------

namespace {

struct Measured {
  int code;
  long maxrss_kb;
  double seconds;
  std::string err;
};

// Runs the binary as a direct child so that wait4() gives its own peak RSS.
Measured measure(const std::vector<std::string>& args, const fs::path& err_file) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    std::vector<char*> argv{const_cast<char*>(DXLATENT_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(DXLATENT_BIN, argv.data());
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, usage.ru_maxrss, s, slurp(err_file)};
}

}  // namespace

TEST_F(Cli, HugeFileIsRefusedQuicklyNamingItsSizeWithBoundedMemory) {
  write_cartridge_syx(dir_ / "small.syx", cartridge(10));
  const fs::path huge = dir_ / "huge.syx";
  std::ofstream(huge).close();
  fs::resize_file(huge, 200'000'001);  // sparse: costs no disk
  const Measured base = measure({"inspect", (dir_ / "small.syx").string()}, dir_ / "err");
  ASSERT_EQ(base.code, 0) << base.err;
  for (const char* cmd : {"inspect", "encode"}) {
    const Measured m = measure({cmd, huge.string()}, dir_ / "err");
    EXPECT_EQ(m.code, 1) << cmd;
    EXPECT_NE(m.err.find(huge.string() + ": offset 0: size 200000001 bytes"), std::string::npos) << m.err;
    EXPECT_LT(m.seconds, 10.0) << cmd;
    // The program itself (LibTorch loaded) is the baseline; reading even a
    // tenth of the file would show.
    EXPECT_LT(m.maxrss_kb, base.maxrss_kb + 16 * 1024) << cmd << ": peak RSS " << m.maxrss_kb << " kB vs "
                                                        << base.maxrss_kb << " kB for a small file";
  }
}

TEST_F(Cli, GarbageReportsTheFirstFewProblemsPerFileAndACount) {
  std::vector<std::uint8_t> garbage;
  for (int i = 0; i < 200000; ++i) garbage.insert(garbage.end(), {0xF0, 0x01, 0xF7});
  write_bytes(dir_ / "g1.syx", garbage);
  write_bytes(dir_ / "g2.syx", garbage);
  Result r = run("inspect " + q(dir_ / "g1.syx") + " " + q(dir_ / "g2.syx"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(lines(r.err), 2 * (5 + 1)) << r.err.substr(0, 2000);
  EXPECT_NE(r.err.find("g1.syx: 199995 more bad messages not shown (the first 5 are above)"), std::string::npos)
      << r.err.substr(0, 2000);
  EXPECT_NE(r.out.find("summary: 2 files read, 0 unreadable, 400000 bad messages"), std::string::npos) << r.out;

  r = run("collect " + q(dir_ / "g1.syx") + " " + q(dir_ / "g2.syx") + " -o " + q(dir_ / "out.bin"));
  EXPECT_EQ(r.code, 1);
  EXPECT_LE(lines(r.err), 2 * (5 + 1) + 1) << r.err.substr(0, 2000);
  EXPECT_NE(r.out.find("400000 bad messages rejected"), std::string::npos) << r.out;

  r = run("encode " + q(dir_ / "g1.syx") + " --model " + q(dir_ / "none.pt"));
  EXPECT_EQ(r.code, 1);
  EXPECT_LE(lines(r.err), 5 + 1 + 1) << r.err.substr(0, 2000);
}

// ---- One rule for exit codes (docs/exit-codes.md) ---------------------------

TEST_F(Cli, ExitCodesFollowOneRuleInEverySubcommand) {
  // 1: the command line is well formed, a file (or the slot it names in a file)
  // cannot be used. 2: the command line itself is wrong.
  const fs::path c = dir_ / "c.syx";
  write_cartridge_syx(c, cartridge(11));
  fs::create_directories(dir_ / "d");
  write_packed_file(dir_ / "packed.syx", cartridge(12));
  ::setenv("XDG_STATE_HOME", (dir_ / "state").c_str(), 1);
  const std::string C = q(c), M = q(dir_ / "missing.syx"), O = " -o " + q(dir_ / "o.syx");
  const std::string nomodel = " --model " + q(dir_ / "none.pt");
  // A server name no test starts (JackNoStartServer: nothing is started for it).
  {
    std::ofstream cfg(dir_ / "nojack.toml");
    cfg << "[jack]\nserver = \"dxlatent-no-such-server-" << ::getpid() << "\"\n";
  }
  const std::string no_jack_config = q(dir_ / "nojack.toml");
  // Errors found after parsing name the config line too (issue 14).
  std::ofstream(dir_ / "badmodel.toml") << "# a model that is not there\n[model]\npath = \"nope.pt\"\n";
  std::ofstream(dir_ / "badstate.toml") << "[state]\ndir = \"/proc/dxlatent-cannot-be-here\"\n";
  struct Case {
    std::string args;
    int code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"bogus", 2, "unknown subcommand 'bogus'"},
      {"inspect " + M, 1, "missing.syx: offset 0: cannot open"},
      {"inspect " + q(dir_ / "d"), 1, "d: offset 0: is a directory"},
      {"inspect --format xml " + C, 2, "--format"},
      {"collect " + M + O, 1, "missing.syx: offset 0: no such file"},
      {"collect " + C + " -o " + q(dir_ / "d"), 1, "is a directory"},
      {"collect " + C, 2, "--output"},
      {"sample -n 1" + nomodel + O, 1, "none.pt"},
      {"sample -n 1 -o " + q(dir_ / "d"), 1, "is a directory"},
      {"sample -n 0" + O, 2, "--count"},
      {"interpolate " + M + ":1 " + C + ":1" + O, 1, "missing.syx"},
      {"interpolate " + C + ":1 " + C + ":33" + O, 1, "slot 33 does not exist (the file has 32 voices)"},
      {"interpolate " + C + ":0 " + C + ":1" + O, 2, "is not a number from 1"},
      {"interpolate " + C + " " + C + ":1" + O, 2, "is not FILE:SLOT"},
      {"encode " + M, 1, "missing.syx: offset 0: cannot open"},
      {"encode " + C + " -o " + C, 1, "is also an input"},
      {"encode --format xml " + C, 2, "--format"},
      {"uniqueness -n 1 --corpus " + M, 1, "missing.syx"},
      {"uniqueness -n 0", 2, "--count"},
      {"run --anchor " + M + ":1", 1, "--anchor: " + (dir_ / "missing.syx").string() + ": offset 0: cannot open"},
      {"run --anchor " + C + ":33", 1, "--anchor: " + c.string() + ": slot 33 does not exist"},
      {"run --anchor " + C + ":0", 2, "--anchor: slot '0' in '" + c.string() + ":0' is not a number from 1"},
      {"run --anchor " + C, 2, "is not FILE:SLOT"},
      {"run --no-such-option", 2, "--no-such-option"},
      {"run --lock algorythm", 2, "--lock: "},
      {"run --takeover grab", 2, "--takeover grab: not a takeover mode (jump, pick-up, scale)"},
      {"run --config " + q(dir_ / "d"), 1, "is a directory, not a config file"},
      {"run --config " + q(dir_ / "badmodel.toml"), 1, (dir_ / "badmodel.toml").string() + ":3: model.path: "},
      {"run --config " + q(dir_ / "badstate.toml"), 1,
       (dir_ / "badstate.toml").string() + ":2: state directory /proc/dxlatent-cannot-be-here cannot be used"},
      {"run --category didgeridoo", 2, "--category: no category 'didgeridoo'"},
      {"snapshot -o " + q(dir_ / "packed.syx"), 1, "not a 32-voice cartridge"},
      {"snapshot -o " + M, 1, "no dxlatent run is using state directory"},
      {"snapshot --slot 33", 2, "--slot"},
      {"demo --no-such-option", 2, "--no-such-option"},
      {"run --list-ports --config " + no_jack_config, 1, "no JACK server answered"},
  };
  for (const Case& k : cases) {
    const Result r = run(k.args);
    EXPECT_EQ(r.code, k.code) << "dxlatent " << k.args << "\n" << r.err;
    EXPECT_NE(r.err.find(k.says), std::string::npos) << "dxlatent " << k.args << "\n" << r.err;
  }
  ::unsetenv("XDG_STATE_HOME");
}

// ---- Everyday CLI polish ----------------------------------------------------

namespace {

std::vector<std::string> subcommands(const std::string& help) {
  // CLI11 lists them under "Subcommands:", one per line, two spaces in.
  std::vector<std::string> names;
  std::istringstream in(help.substr(help.find("Subcommands:")));
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line) && line.rfind("  ", 0) == 0) {
    std::istringstream words(line);
    std::string name;
    words >> name;
    names.push_back(name);
  }
  return names;
}

}  // namespace

TEST_F(Cli, EverySubcommandHelpShowsAnExampleAndSpellsTheOutputOneWay) {
  const Result top = run("--help");
  const auto names = subcommands(top.out);
  ASSERT_GE(names.size(), 9u) << top.out;
  for (const std::string& name : names) {
    const Result r = run(name + " --help");
    EXPECT_EQ(r.code, 0) << name;
    EXPECT_NE(r.out.find("Example:\n  dxlatent " + name), std::string::npos) << name << "\n" << r.out;
    if (r.out.find("  -o") != std::string::npos) {
      EXPECT_NE(r.out.find("-o,--output"), std::string::npos) << name << "\n" << r.out;
    }
  }
}

TEST_F(Cli, OneIsSingular) {
  const auto dump = sysex::encode_single_voice(cartridge(13)[0], 0);
  write_bytes(dir_ / "one.syx", {dump.begin(), dump.end()});
  const Result r = run("inspect " + q(dir_ / "one.syx"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("summary: 1 file read, 0 unreadable, 0 bad messages\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary: 1 voice, 1 valid"), std::string::npos) << r.out;
}
