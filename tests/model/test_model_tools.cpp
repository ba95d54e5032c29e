// The model subcommands of the real `dxlatent` executable (sample, interpolate,
// encode, uniqueness), checked against TorchDecoder and the formats core: the
// files they write are read back and compared with what the decoder computes.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dxlatent/model/latent_sampler.hpp"
#include "dxlatent/model/torch_decoder.hpp"
#include "dxlatent/model/category.hpp"
#include "dxlatent/model/latent_path.hpp"
#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/voice/param_lock.hpp"
#include "dxlatent/voice/voice_file.hpp"

namespace fs = std::filesystem;
using namespace dxlatent;

namespace {

fs::path model_file() {
  if (const char* env = std::getenv("DXLATENT_TEST_MODEL"); env && *env) return env;
  return fs::path(DXLATENT_SOURCE_DIR) / "models" / "dxlatent-vae.pt";
}

struct CliRun {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class ModelTools : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fs::exists(model_file())) decoder_ = new TorchDecoder(model_file());
  }
  static void TearDownTestSuite() {
    delete decoder_;
    decoder_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(decoder_, nullptr) << "the shipped model is missing: " << model_file();
    dir_ = fs::temp_directory_path() / ("dxlatent-tools-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs `dxlatent ARGS --model MODEL` (with_model) and captures everything.
  CliRun dx(const std::string& args, bool with_model = true) {
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    std::string cmd = std::string("'") + DXLATENT_EXE + "' " + args;
    if (with_model) cmd += " --model '" + model_file().string() + "'";
    cmd += " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  std::vector<Voice> voices_of(const fs::path& file) {
    std::vector<Voice> v;
    for (const auto& sv : read_voice_file(file).voices) v.push_back(sv.voice);
    return v;
  }

  static std::vector<Voice> prior_voices(std::uint64_t seed, std::size_t n) {
    LatentSampler s(seed);
    std::vector<Latent> zs;
    for (std::size_t i = 0; i < n; ++i) zs.push_back(s.prior());
    return decoder_->decode_batch(zs);
  }

  static bool same_sound(const Voice& a, const Voice& b) {
    return std::equal(a.bytes.begin(), a.bytes.begin() + kSoundParams, b.bytes.begin());
  }

  fs::path dir_;
  static TorchDecoder* decoder_;
};
TorchDecoder* ModelTools::decoder_ = nullptr;

}  // namespace

TEST_F(ModelTools, SampleWritesAValidCartridgeOfPriorVoicesAndRepeatsForASeed) {
  const fs::path a = dir_ / "a.syx", b = dir_ / "b.syx", c = dir_ / "c.syx";
  ASSERT_EQ(dx("sample --seed 9 -o " + a.string()).code, 0);
  ASSERT_EQ(dx("sample --seed 9 -o " + b.string()).code, 0);
  ASSERT_EQ(dx("sample --seed 10 -o " + c.string()).code, 0);
  EXPECT_EQ(fs::file_size(a), 4104u);
  EXPECT_EQ(slurp(a), slurp(b)) << "same seed, different files";
  EXPECT_NE(slurp(a), slurp(c)) << "different seeds, same file";

  const auto voices = voices_of(a);
  const auto expected = prior_voices(9, 32);
  ASSERT_EQ(voices.size(), 32u);
  for (std::size_t i = 0; i < voices.size(); ++i) {
    EXPECT_TRUE(is_valid(voices[i])) << i;
    EXPECT_TRUE(same_sound(voices[i], expected[i])) << "slot " << i + 1 << " is not decode(prior draw " << i << ")";
    EXPECT_EQ(voices[i].name(), generated_name(VoiceOrigin::Sample, i + 1, voices[i]));
  }
}

TEST_F(ModelTools, SampleOfMoreThan32VoicesWritesSeveralCartridgesWithTheSamePrefix) {
  const fs::path one = dir_ / "one.syx", many = dir_ / "many.syx";
  ASSERT_EQ(dx("sample -n 32 --seed 4 -o " + one.string()).code, 0);
  const CliRun r = dx("sample -n 40 --seed 4 -o " + many.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(many));
  ASSERT_TRUE(fs::exists(dir_ / "many-1.syx"));
  ASSERT_TRUE(fs::exists(dir_ / "many-2.syx"));
  EXPECT_FALSE(fs::exists(dir_ / "many-3.syx"));
  EXPECT_EQ(slurp(dir_ / "many-1.syx"), slurp(one));
  const auto second = voices_of(dir_ / "many-2.syx");
  ASSERT_EQ(second.size(), 32u);
  const auto expected = prior_voices(4, 40);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_TRUE(same_sound(second[i], expected[32 + i])) << i;
    EXPECT_EQ(second[i].name().substr(0, 5), "S00" + std::to_string(33 + i));
  }
  EXPECT_EQ(second[8].name(), "INIT VOICE");
}

TEST_F(ModelTools, TemperatureSamplingIsReproducibleValidAndNotArgmax) {
  const fs::path t1 = dir_ / "t1.syx", t2 = dir_ / "t2.syx", t0 = dir_ / "t0.syx";
  ASSERT_EQ(dx("sample --seed 5 --temperature 1 -o " + t1.string()).code, 0);
  ASSERT_EQ(dx("sample --seed 5 --temperature 1 -o " + t2.string()).code, 0);
  ASSERT_EQ(dx("sample --seed 5 -o " + t0.string()).code, 0);
  EXPECT_EQ(slurp(t1), slurp(t2));
  const auto hot = voices_of(t1), cold = voices_of(t0);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    EXPECT_TRUE(is_valid(hot[i])) << i;
    differing += !same_sound(hot[i], cold[i]);
  }
  EXPECT_GT(differing, 16u) << "temperature 1 gave nearly the argmax voices";
}

TEST_F(ModelTools, InterpolateStartsAndEndsAtTheGivenVoicesThemselves) {
  const fs::path src = dir_ / "src.syx", morph = dir_ / "morph.syx", curve = dir_ / "curve.syx";
  ASSERT_EQ(dx("sample --seed 11 --temperature 1 -o " + src.string()).code, 0);
  const auto sources = voices_of(src);
  const CliRun r = dx("interpolate " + src.string() + ":3 " + src.string() + ":30 -o " + morph.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = voices_of(morph);
  ASSERT_EQ(m.size(), 32u);
  // Byte for byte, names included: the ends are A and B, not their reconstructions.
  EXPECT_EQ(m.front(), sources[2]);
  EXPECT_EQ(m.back(), sources[29]);
  std::set<std::string> distinct;
  for (std::size_t i = 0; i < m.size(); ++i) {
    EXPECT_TRUE(is_valid(m[i]));
    if (i > 0 && i + 1 < m.size()) {
      EXPECT_EQ(m[i].name(), generated_name(VoiceOrigin::Morph, i + 1, m[i]));
      distinct.insert(m[i].name().substr(6));
    }
  }
  // The inner steps are still the decoded path.
  const auto path = latent_path(decoder_->encode(sources[2]), decoder_->encode(sources[29]), 32, LatentPathKind::Linear);
  EXPECT_TRUE(same_sound(m[1], decoder_->decode(path[1])));
  EXPECT_TRUE(same_sound(m[30], decoder_->decode(path[30])));
  EXPECT_GT(distinct.size(), 2u) << "the morph does not move";
  EXPECT_NE(r.out.find("parameters change per step"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the algorithm changes at "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ends: A and B themselves"), std::string::npos) << r.out;

  ASSERT_EQ(dx("interpolate --slerp --steps 8 " + src.string() + ":3 " + src.string() + ":30 -o " + curve.string()).code, 0);
  const auto c = voices_of(curve);
  EXPECT_EQ(c.front(), m.front());
  EXPECT_EQ(c[7], m.back());
  EXPECT_EQ(c[8].name(), "INIT VOICE");
}

TEST_F(ModelTools, InterpolateReconstructEndsKeepsTheOldEnds) {
  const fs::path src = dir_ / "src.syx", morph = dir_ / "morph.syx";
  ASSERT_EQ(dx("sample --seed 11 --temperature 1 -o " + src.string()).code, 0);
  const auto sources = voices_of(src);
  const CliRun r =
      dx("interpolate --reconstruct-ends " + src.string() + ":3 " + src.string() + ":30 -o " + morph.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = voices_of(morph);
  EXPECT_TRUE(same_sound(m.front(), decoder_->decode(decoder_->encode(sources[2]))));
  EXPECT_TRUE(same_sound(m.back(), decoder_->decode(decoder_->encode(sources[29]))));
  EXPECT_EQ(m.front().name(), generated_name(VoiceOrigin::Morph, 1, m.front()));
  EXPECT_EQ(m[31].name(), generated_name(VoiceOrigin::Morph, 32, m[31]));
  EXPECT_NE(r.out.find("--reconstruct-ends"), std::string::npos) << r.out;
}

TEST_F(ModelTools, InterpolateLockedParametersNeverChange) {
  const fs::path src = dir_ / "src.syx", morph = dir_ / "morph.syx", free = dir_ / "free.syx";
  ASSERT_EQ(dx("sample -n 64 --seed 21 --temperature 1 -o " + src.string()).code, 0);
  const auto sources = voices_of(dir_ / "src-1.syx");
  // Pick two sources with different algorithms, so an unlocked morph must change it.
  std::size_t b = 1;
  while (b < sources.size() && sources[b].algorithm() == sources[0].algorithm()) ++b;
  ASSERT_LT(b, sources.size());
  const std::string ends = (dir_ / "src-1.syx").string() + ":1 " + (dir_ / "src-1.syx").string() + ":" +
                           std::to_string(b + 1);
  const CliRun unlocked = dx("interpolate --steps 64 " + ends + " -o " + free.string());
  ASSERT_EQ(unlocked.code, 0) << unlocked.err;
  EXPECT_EQ(unlocked.out.find("the algorithm changes at 0 of"), std::string::npos) << unlocked.out;

  const CliRun r = dx("interpolate --steps 64 --lock algorithm --lock 'OP3 *,levels' --lock pitch-eg " + ends +
                      " -o " + morph.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("the algorithm changes at 0 of 63 steps (locked)"), std::string::npos) << r.out;
  std::vector<Voice> m = voices_of(dir_ / "morph-1.syx");
  for (const Voice& v : voices_of(dir_ / "morph-2.syx")) m.push_back(v);
  ASSERT_EQ(m.size(), 64u);
  const ParamMask locked = parse_locks("algorithm,OP3 *,levels,pitch-eg");
  std::size_t moving = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    EXPECT_TRUE(is_valid(m[i])) << i;
    for (std::size_t p = 0; p < kSoundParams; ++p) {
      if (locked.test(p))
        EXPECT_EQ(m[i].bytes[p], sources[0].bytes[p]) << "step " << i + 1 << ": " << param_table()[p].name;
      else
        moving += m[i].bytes[p] != m[0].bytes[p];
    }
  }
  EXPECT_GT(moving, 0u) << "nothing but the locked parameters may stay still";
  // B's end is B except for A's locked values.
  Voice want_b = sources[b];
  apply_locks(want_b, sources[0], locked);
  EXPECT_EQ(m.back(), want_b);

  const CliRun bad = dx("interpolate --lock wobble " + ends + " -o " + morph.string());
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("'wobble'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("pitch-eg"), std::string::npos) << bad.err;
}

TEST_F(ModelTools, InterpolateBetweenTwoCorpusVoices) {
  const fs::path corpus = fs::path(DXLATENT_SHARED_DATA) / "collection.bin";
  if (!fs::exists(corpus)) GTEST_SKIP() << "corpus not found: " << corpus;
  // slots 3 and 4 are valid voices of the corpus (slots 1 and 2 have out-of-range fields)
  const auto all = read_voice_file(corpus).voices;
  ASSERT_TRUE(is_valid(all[2].voice) && is_valid(all[3].voice));
  const fs::path morph = dir_ / "corpus.syx";
  const CliRun r = dx("interpolate " + corpus.string() + ":3 " + corpus.string() + ":4 -o " + morph.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = voices_of(morph);
  EXPECT_EQ(m.front(), all[2].voice);
  EXPECT_EQ(m.back(), all[3].voice);
  // slot 1 has an out-of-range field: refused by default, accepted with --clamp
  // (and written clamped: every voice of the morph is valid)
  const CliRun bad = dx("interpolate " + corpus.string() + ":1 " + corpus.string() + ":4 -o " + morph.string());
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("collection.bin:1"), std::string::npos) << bad.err;
  EXPECT_EQ(dx("interpolate --clamp " + corpus.string() + ":1 " + corpus.string() + ":4 -o " + morph.string()).code, 0);
  const auto c = voices_of(morph);
  EXPECT_EQ(c.front(), clamped(all[0].voice));
  for (const Voice& v : c) EXPECT_TRUE(is_valid(v));
}

TEST_F(ModelTools, SampleFromACategoryDrawsAroundItsRegion) {
  const auto& cats = decoder_->categories();
  const CategoryRegion* bass = find_category(cats, "bass");
  ASSERT_NE(bass, nullptr) << category_names(cats);
  const fs::path a = dir_ / "a.syx", b = dir_ / "b.syx";
  const CliRun r = dx("sample --category BASS --seed 9 -o " + a.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("from category 'bass'"), std::string::npos) << r.out;
  ASSERT_EQ(dx("sample --category bass --seed 9 -o " + b.string()).code, 0);
  EXPECT_EQ(slurp(a), slurp(b)) << "same seed, different files";
  LatentSampler s(9);
  std::vector<Latent> zs;
  for (int i = 0; i < 32; ++i) zs.push_back(s.around(bass->mean, bass->std));
  const auto expected = decoder_->decode_batch(zs);
  const auto voices = voices_of(a);
  for (std::size_t i = 0; i < 32; ++i) {
    EXPECT_TRUE(same_sound(voices[i], expected[i])) << "slot " << i + 1;
    EXPECT_EQ(voices[i].name(), generated_name(VoiceOrigin::Sample, i + 1, voices[i]));
  }
  EXPECT_EQ(dx("sample --category keys --seed 9 -o " + b.string()).code, 0) << "the part before '/' is enough";

  const CliRun unknown = dx("sample --category flute -o " + b.string());
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("no category 'flute'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find(category_names(cats)), std::string::npos) << unknown.err;

  const CliRun list = dx("sample --list-categories");
  EXPECT_EQ(list.code, 0) << list.err;
  for (const auto& c : cats) EXPECT_NE(list.out.find(c.name), std::string::npos) << c.name;
  EXPECT_EQ(dx("sample --seed 1").code, 2) << "no -o and no --list-categories";
}

TEST_F(ModelTools, SampleLocksKeepTheLikeVoicesValues) {
  const fs::path ref = dir_ / "ref.syx", out = dir_ / "out.syx";
  ASSERT_EQ(dx("sample --seed 3 --temperature 1 -o " + ref.string()).code, 0);
  const Voice like = voices_of(ref)[4];
  const CliRun r = dx("sample --seed 8 --temperature 0.5 --lock algorithm,feedback --lock tuning --like " +
                      ref.string() + ":5 -o " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const ParamMask locked = parse_locks("algorithm,feedback,tuning");
  for (const Voice& v : voices_of(out)) {
    EXPECT_TRUE(is_valid(v));
    for (std::size_t p = 0; p < kSoundParams; ++p)
      if (locked.test(p)) {
        EXPECT_EQ(v.bytes[p], like.bytes[p]) << param_table()[p].name;
      }
  }
  EXPECT_NE(r.out.find("overwritten after decoding"), std::string::npos) << r.out;

  const CliRun no_like = dx("sample --lock algorithm -o " + out.string());
  EXPECT_EQ(no_like.code, 2);
  EXPECT_NE(no_like.err.find("--lock needs --like FILE:SLOT"), std::string::npos) << no_like.err;
  EXPECT_EQ(dx("sample --like " + ref.string() + ":5 -o " + out.string()).code, 2) << "--like without --lock";
  EXPECT_EQ(dx("sample --lock op9 --like " + ref.string() + ":5 -o " + out.string()).code, 2);
  EXPECT_EQ(dx("sample --lock algorithm --like " + ref.string() + ":40 -o " + out.string()).code, 1) << "no slot 40";
}

TEST_F(ModelTools, EncodeWritesTheDecodersLatentsAsCsvAndJson) {
  const fs::path src = dir_ / "src.syx";
  ASSERT_EQ(dx("sample --seed 12 --temperature 1 -o " + src.string()).code, 0);
  const auto voices = voices_of(src);
  const CliRun csv = dx("encode " + src.string());
  ASSERT_EQ(csv.code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "file,slot,name,z1,z2,z3,z4,z5,z6,z7,z8");
  for (std::size_t i = 0; i < voices.size(); ++i) {
    ASSERT_TRUE(std::getline(lines, line));
    std::istringstream f(line);
    std::string file, slot, name, cell;
    std::getline(f, file, ',');
    std::getline(f, slot, ',');
    std::getline(f, name, ',');
    EXPECT_EQ(file, src.string());
    EXPECT_EQ(slot, std::to_string(i + 1));
    EXPECT_EQ(name, voices[i].name());
    const Latent z = decoder_->encode(voices[i]);
    for (std::size_t d = 0; d < kLatentDims; ++d) {
      ASSERT_TRUE(std::getline(f, cell, ','));
      EXPECT_NEAR(std::stod(cell), z[d], 1e-5 * (1 + std::abs(z[d]))) << "slot " << i + 1 << " z" << d + 1;
    }
  }
  EXPECT_FALSE(std::getline(lines, line)) << "extra line: " << line;

  const CliRun json = dx("encode --format json " + src.string());
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out.front(), '[');
  EXPECT_NE(json.out.find("\"slot\": 32, \"name\": \"" + voices[31].name() + "\", \"z\": ["), std::string::npos)
      << json.out;
}

TEST_F(ModelTools, UniquenessCountsDistinctVoicesAndCorpusCopies) {
  // The "corpus" is the first 32 prior voices of the same seed, so exactly those
  // samples (and any later repeat of them) must be reported as copies.
  const fs::path corpus = dir_ / "corpus.syx";
  ASSERT_EQ(dx("sample -n 32 --seed 3 -o " + corpus.string()).code, 0);
  const CliRun r = dx("uniqueness -n 200 --seed 3 --corpus " + corpus.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto voices = prior_voices(3, 200);
  std::set<std::string> distinct, first32;
  for (std::size_t i = 0; i < voices.size(); ++i) {
    const std::string key(reinterpret_cast<const char*>(voices[i].bytes.data()), kSoundParams);
    distinct.insert(key);
    if (i < 32) first32.insert(key);
  }
  std::size_t copies = 0;
  for (const Voice& v : voices) copies += first32.count(std::string(reinterpret_cast<const char*>(v.bytes.data()), kSoundParams));
  EXPECT_NE(r.out.find("distinct voices: " + std::to_string(distinct.size()) + " "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("equal to a corpus voice (names ignored): " + std::to_string(copies) + " samples"),
            std::string::npos)
      << r.out;
  EXPECT_GE(copies, 32u);
}

TEST_F(ModelTools, ErrorsNameTheProblemAndUseTheCliExitCodes) {
  const fs::path out = dir_ / "x.syx";
  CliRun r = dx("sample -o " + out.string() + " --model " + (dir_ / "nope.pt").string(), false);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find((dir_ / "nope.pt").string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));

  r = dx("sample");  // no -o
  EXPECT_EQ(r.code, 2);
  r = dx("sample -n 0 -o " + out.string());
  EXPECT_EQ(r.code, 2);
  r = dx("interpolate nocolon.syx x.syx:1 -o " + out.string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("FILE:SLOT"), std::string::npos) << r.err;
  r = dx("interpolate " + (dir_ / "missing.syx").string() + ":1 x.syx:1 -o " + out.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.syx"), std::string::npos) << r.err;

  ASSERT_EQ(dx("sample -o " + out.string() + " --seed 1").code, 0);
  r = dx("interpolate " + out.string() + ":1 " + out.string() + ":33 -o " + (dir_ / "m.syx").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("slot 33 does not exist (the file has 32 voices)"), std::string::npos) << r.err;
  r = dx("encode " + (dir_ / "missing.syx").string());
  EXPECT_EQ(r.code, 1);
  r = dx("uniqueness -n 10 --corpus " + (dir_ / "missing.bin").string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("missing.bin"), std::string::npos) << r.err;
}
