// `dxlatent render`, the WAV `dxlatent demo` leaves beside its cartridge, and
// `dxlatent sample --audible`, run as the real executable. Tests that need
// hexter, jackd or the shipped model skip when they are absent.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "dxlatent/render/audio_stats.hpp"
#include "dxlatent/render/hexter_renderer.hpp"
#include "dxlatent/render/wav_file.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "test_voices.hpp"

using namespace dxlatent;
using namespace dxlatent::render;
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

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class RenderCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dxlatent_render_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const Voice voices[] = {test::epiano(), test::brass()};
    write_cartridge_syx(dir_ / "cart.syx", voices);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result run(const std::string& args, const std::string& env = "") {
    std::string cmd = env + (env.empty() ? "" : " ") + q(DXLATENT_BIN);
    cmd += " " + args + " > " + q(dir_ / "stdout") + " 2> " + q(dir_ / "stderr");
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
  }
  // Single-quoted for the shell (the temporary paths hold no quote); built with
  // += because GCC 12 warns falsely (-Wrestrict) about "'" + s + "'".
  static std::string q(const fs::path& p) {
    std::string s(1, '\'');
    s += p.string();
    s += '\'';
    return s;
  }
  std::string cart(int slot) const { return q(dir_ / "cart.syx") + ":" + std::to_string(slot); }

  fs::path dir_;
};

bool have_jackd() { return std::system("command -v jackd > /dev/null 2>&1") == 0; }
fs::path model_path() { return fs::path(DXLATENT_SOURCE_DIR) / "models" / "dxlatent-vae.pt"; }

}  // namespace

TEST_F(RenderCli, OneWavPerRenderWithAnnotations) {
  REQUIRE_HEXTER();
  const Result r = run("render " + cart(1) + " " + cart(2) + " -o " + q(dir_ / "out") +
                       " --note 60,72 --velocity 100 --hold 0.5 --release 0.5 --rate 22050 --jobs 2");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto csv = lines(slurp(dir_ / "out" / "render.csv"));
  ASSERT_EQ(csv.size(), 5u) << slurp(dir_ / "out" / "render.csv");
  EXPECT_EQ(csv[0], "wav,file,index,name,note,velocity,start_sample,end_sample");
  EXPECT_NE(csv[1].find("00001-TEST_EP_1-n60-v100.wav,"), std::string::npos) << csv[1];
  EXPECT_NE(csv[1].find(",0,TEST EP 1,60,100,0,22050"), std::string::npos) << csv[1];
  EXPECT_NE(csv[4].find("00002-TEST_BRASS-n72-v100.wav,"), std::string::npos) << csv[4];
  for (const char* f : {"00001-TEST_EP_1-n60-v100.wav", "00001-TEST_EP_1-n72-v100.wav",
                        "00002-TEST_BRASS-n60-v100.wav", "00002-TEST_BRASS-n72-v100.wav"}) {
    const WavData w = read_wav(dir_ / "out" / f);
    EXPECT_EQ(w.rate, 22050u) << f;
    EXPECT_EQ(w.samples.size(), 22050u) << f;
    AudioAnalyzer a;
    EXPECT_FALSE(a.analyze(w.samples, 22050, 11025).silent) << f;
  }
}

TEST_F(RenderCli, ReelHoldsTheVoicesInSequenceWithGaps) {
  REQUIRE_HEXTER();
  const Result r = run("render " + cart(1) + " " + cart(2) + " --reel " + q(dir_ / "reel.wav") +
                       " --gap 0.25 --hold 0.5 --release 0.5 --velocity 90");
  ASSERT_EQ(r.code, 0) << r.err;
  const WavData w = read_wav(dir_ / "reel.wav");
  EXPECT_EQ(w.samples.size(), 2u * 44100 + 11025);
  const auto csv = lines(slurp(dir_ / "reel.csv"));
  ASSERT_EQ(csv.size(), 3u);
  EXPECT_NE(csv[1].find("reel.wav,"), std::string::npos) << csv[1];
  EXPECT_NE(csv[1].find(",0,TEST EP 1,60,90,0,44100"), std::string::npos) << csv[1];
  EXPECT_NE(csv[2].find(",1,TEST BRASS,60,90,55125,99225"), std::string::npos) << csv[2];
  // The gap is silent, both renders are not.
  AudioAnalyzer a;
  const std::span<const float> s(w.samples);
  EXPECT_FALSE(a.analyze(s.subspan(0, 44100), 44100, 22050).silent);
  EXPECT_TRUE(a.analyze(s.subspan(44100, 11025), 44100, 11025).silent);
  EXPECT_FALSE(a.analyze(s.subspan(55125, 44100), 44100, 22050).silent);
}

// Exactly the command line models/eval.py runs, on the file it writes: raw
// 155 x N VCED records, names included.
TEST_F(RenderCli, StatsCsvOfAnUnpackedFileAsEvalPyCallsIt) {
  REQUIRE_HEXTER();
  std::string bytes;
  for (int i = 0; i < 6; ++i) {
    const Voice v = i % 2 ? test::brass() : test::epiano();
    bytes.append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
  }
  Voice silent = test::epiano();
  for (int n = 1; n <= 6; ++n) silent.bytes[test::op(n) + 16] = 0;  // every output level 0
  silent.set_name("QUIET, \"X\"");
  bytes.append(reinterpret_cast<const char*>(silent.bytes.data()), silent.bytes.size());
  std::ofstream(dir_ / "voices.vced", std::ios::binary) << bytes;

  const std::string args = "render " + q(dir_ / "voices.vced") + " --stats --stats-csv " + q(dir_ / "out.csv") +
                           " --reference none --note 60 --velocity 100 --hold 1 --release 1 --rate 44100";
  const Result r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto csv = lines(slurp(dir_ / "out.csv"));
  ASSERT_EQ(csv.size(), 8u);
  EXPECT_EQ(csv[0].rfind("index,name,note,velocity,rms_dbfs,peak_dbfs,centroid_hz,silent,nonfinite", 0), 0u) << csv[0];
  EXPECT_EQ(csv[1].rfind("0,TEST EP 1,60,100,", 0), 0u) << csv[1];
  EXPECT_NE(csv[1].find(",0,0,"), std::string::npos) << "not silent, no NaN: " << csv[1];
  EXPECT_EQ(csv[7].rfind("6,\"QUIET, \"\"X\"\"\",60,100,", 0), 0u) << csv[7];
  EXPECT_NE(csv[7].find(",1,0,"), std::string::npos) << "silent: " << csv[7];
  EXPECT_NE(r.out.find("summary: 7 render(s) of 7 voice(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("this"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("reference"), std::string::npos) << "--reference none: " << r.out;

  // Repeatable and independent of the worker count.
  ASSERT_EQ(run(args + " --jobs 1").code, 0);
  const std::string one = slurp(dir_ / "out.csv");
  ASSERT_EQ(run(args + " --jobs 2").code, 0);
  EXPECT_EQ(slurp(dir_ / "out.csv"), one);
}

TEST_F(RenderCli, StatsPrintedAndComparedWithAReference) {
  REQUIRE_HEXTER();
  const Result r = run("render " + q(dir_ / "cart.syx") + " --stats --reference " + q(dir_ / "cart.syx") + " --hold 0.5 --release 0.2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"TEST EP 1\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary: 32 render(s) of 32 voice(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("reference: " + (dir_ / "cart.syx").string() + ", 32 of its 32 voices"), std::string::npos)
      << r.out;
}

TEST_F(RenderCli, MissingHexterExitsWith1AndSaysWhatToInstall) {
  const Result r = run("render " + cart(1) + " --stats --reference none", "DXLATENT_HEXTER=/nonexistent/hexter.so");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/hexter.so"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("apt-get install hexter"), std::string::npos) << r.err;
  EXPECT_EQ(run("render " + cart(1) + " -o " + q(dir_ / "o") + " --plugin /nonexistent/hexter.so").code, 1);
}

TEST_F(RenderCli, UsageAndInputErrors) {
  EXPECT_EQ(run("render --help").code, 0);
  EXPECT_NE(run("render --help").out.find("Example"), std::string::npos);
  EXPECT_EQ(run("render " + cart(1)).code, 2) << "nothing to do";
  EXPECT_EQ(run("render " + cart(1) + " --stats --note 200").code, 2);
  EXPECT_EQ(run("render " + cart(1) + " --stats --velocity 0").code, 2);
  EXPECT_EQ(run("render").code, 2);
  Result r = run("render " + q(dir_ / "missing.syx") + " --stats");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.syx: offset 0: cannot open"), std::string::npos) << r.err;
  r = run("render " + cart(40) + " --stats");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("slot 40 does not exist"), std::string::npos) << r.err;
}

// Part 5a: `dxlatent demo` renders the received voices into demo.wav beside demo.syx.
TEST_F(RenderCli, DemoLeavesANonSilentWavBesideItsCartridge) {
  REQUIRE_HEXTER();
  if (!have_jackd()) GTEST_SKIP() << "jackd not installed";
  if (!fs::exists(model_path())) GTEST_SKIP() << model_path() << " not found";
  Result r = run("demo -n 3 -o " + q(dir_ / "demo.syx"));
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "demo.syx"));
  ASSERT_TRUE(fs::exists(dir_ / "demo.wav")) << r.out;
  const WavData w = read_wav(dir_ / "demo.wav");
  EXPECT_EQ(w.rate, 44100u);
  EXPECT_EQ(w.samples.size(), 3u * 44100) << "1 s per step";
  AudioAnalyzer a;
  EXPECT_FALSE(a.analyze(w.samples, 44100, w.samples.size()).silent);
  EXPECT_NE(r.out.find("demo.wav"), std::string::npos) << r.out;

  // Without hexter the demo still succeeds and says no WAV was written.
  r = run("demo -n 2 -o " + q(dir_ / "plain.syx"), "DXLATENT_HEXTER=/nonexistent/hexter.so");
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "plain.syx"));
  EXPECT_FALSE(fs::exists(dir_ / "plain.wav"));
  EXPECT_NE(r.out.find("no WAV written"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("apt-get install hexter"), std::string::npos) << r.out;
}

// Part 6: `sample --audible` draws again for silent candidates; same seed, same file.
TEST_F(RenderCli, SampleAudibleRejectsSilentCandidatesAndRepeatsForASeed) {
  REQUIRE_HEXTER();
  if (!fs::exists(model_path())) GTEST_SKIP() << model_path() << " not found";
  // A high temperature draws nearly uniform parameters: about half are silent.
  const std::string args = "sample -n 12 --seed 3 --temperature 4 --audible --model " + q(model_path());
  Result r = run(args + " -o " + q(dir_ / "a.syx"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto at = r.out.find("--audible: rejected ");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_NE(r.out.substr(at, 22), "--audible: rejected 0 ") << "expected some silent candidates: " << r.out;
  ASSERT_EQ(run(args + " -o " + q(dir_ / "b.syx")).code, 0);
  EXPECT_EQ(slurp(dir_ / "a.syx"), slurp(dir_ / "b.syx"));

  // Every sampled voice renders audibly (rows 0..11; the rest is INIT VOICE padding).
  r = run("render " + q(dir_ / "a.syx") + " --stats --stats-csv " + q(dir_ / "s.csv") + " --reference none");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto csv = lines(slurp(dir_ / "s.csv"));
  ASSERT_EQ(csv.size(), 33u);
  for (std::size_t i = 1; i <= 12; ++i) {
    // ...,centroid_hz,silent,nonfinite,file: silent and nonfinite are the 2nd and 3rd fields from the end.
    const std::string& row = csv[i];
    const auto e3 = row.rfind(',', row.rfind(',', row.rfind(',') - 1) - 1);
    EXPECT_EQ(row.substr(e3, 5), ",0,0,") << row;
  }

  // Without hexter --audible is an error naming the package.
  r = run(args + " -o " + q(dir_ / "c.syx"), "DXLATENT_HEXTER=/nonexistent/hexter.so");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("apt-get install hexter"), std::string::npos) << r.err;
}
