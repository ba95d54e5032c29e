// TorchDecoder against the shipped model and its golden vectors (written by the
// Python export), and against files that break the contract.
//
// The model is models/dxlatent-vae.pt in the source tree; DXLATENT_TEST_MODEL
// may name another export to check (its golden file is the same path with
// .golden.txt for .pt).
#include "dxlatent/model/torch_decoder.hpp"

#include <gtest/gtest.h>

#include <cmath>
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

namespace fs = std::filesystem;
using namespace dxlatent;

namespace {

fs::path model_file() {
  if (const char* env = std::getenv("DXLATENT_TEST_MODEL"); env && *env) return env;
  return fs::path(DXLATENT_SOURCE_DIR) / "models" / "dxlatent-vae.pt";
}

fs::path golden_file() {
  fs::path p = model_file();
  return p.replace_extension(".golden.txt");
}

struct GoldenDecode {
  Latent z;
  std::array<int, kSoundParams> params;
};
struct GoldenEncode {
  Voice voice;
  Latent z;
};
struct Golden {
  std::vector<GoldenDecode> decode;
  std::vector<GoldenEncode> encode;
};

Golden read_golden(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  Golden g;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string kind;
    s >> kind;
    if (kind == "decode") {
      GoldenDecode d{};
      for (auto& x : d.z) s >> x;
      for (auto& p : d.params) s >> p;
      if (!s) throw std::runtime_error(file.string() + ":" + std::to_string(lineno) + ": bad decode line");
      g.decode.push_back(d);
    } else if (kind == "encode") {
      GoldenEncode e{};
      for (std::size_t i = 0; i < kSoundParams; ++i) {
        int p = -1;
        s >> p;
        e.voice.bytes[i] = static_cast<std::uint8_t>(p);
      }
      for (auto& x : e.z) s >> x;
      if (!s) throw std::runtime_error(file.string() + ":" + std::to_string(lineno) + ": bad encode line");
      g.encode.push_back(e);
    } else {
      throw std::runtime_error(file.string() + ":" + std::to_string(lineno) + ": unknown line kind " + kind);
    }
  }
  return g;
}

// One decoder for the whole suite: loading takes ~0.1 s and the decoder is not
// meant to be built per call.
class ShippedModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (fs::exists(model_file())) decoder_ = new TorchDecoder(model_file());
  }
  void SetUp() override {
    ASSERT_NE(decoder_, nullptr) << "the shipped model is missing: " << model_file();
  }
  static void TearDownTestSuite() {
    delete decoder_;
    decoder_ = nullptr;
  }
  static TorchDecoder* decoder_;
};
TorchDecoder* ShippedModel::decoder_ = nullptr;

}  // namespace

TEST_F(ShippedModel, DecodesEveryGoldenLatentToThePythonVoice) {
  const Golden g = read_golden(golden_file());
  ASSERT_GE(g.decode.size(), 16u) << "too few golden decode lines in " << golden_file();
  std::size_t mismatched = 0;
  for (std::size_t i = 0; i < g.decode.size(); ++i) {
    const Voice v = decoder_->decode(g.decode[i].z);
    for (std::size_t p = 0; p < kSoundParams; ++p) {
      if (v.bytes[p] != g.decode[i].params[p]) {
        ++mismatched;
        ADD_FAILURE() << "golden latent " << i << ", " << param_table()[p].name << ": C++ "
                      << int(v.bytes[p]) << ", Python " << g.decode[i].params[p];
      }
    }
  }
  EXPECT_EQ(mismatched, 0u);
}

TEST_F(ShippedModel, BatchDecodeEqualsSingleDecodeOnGoldenLatents) {
  const Golden g = read_golden(golden_file());
  std::vector<Latent> zs;
  for (const auto& d : g.decode) zs.push_back(d.z);
  const auto batch = decoder_->decode_batch(zs, 7);  // odd batch size: exercises the tail
  ASSERT_EQ(batch.size(), zs.size());
  for (std::size_t i = 0; i < zs.size(); ++i)
    for (std::size_t p = 0; p < kSoundParams; ++p)
      ASSERT_EQ(batch[i].bytes[p], g.decode[i].params[p]) << "latent " << i << " param " << p;
}

TEST_F(ShippedModel, EncodesGoldenVoicesWithin1e4) {
  const Golden g = read_golden(golden_file());
  ASSERT_GE(g.encode.size(), 8u) << "too few golden encode lines in " << golden_file();
  std::vector<Voice> voices;
  for (std::size_t i = 0; i < g.encode.size(); ++i) {
    const Latent z = decoder_->encode(g.encode[i].voice);
    for (std::size_t d = 0; d < kLatentDims; ++d)
      EXPECT_NEAR(z[d], g.encode[i].z[d], 1e-4) << "golden voice " << i << " dim " << d;
    voices.push_back(g.encode[i].voice);
  }
  const auto batch = decoder_->encode_batch(voices);
  for (std::size_t i = 0; i < voices.size(); ++i)
    for (std::size_t d = 0; d < kLatentDims; ++d)
      EXPECT_NEAR(batch[i][d], g.encode[i].z[d], 1e-4) << "golden voice " << i << " dim " << d << " (batch)";
}

TEST_F(ShippedModel, EncodeIgnoresTheName) {
  const Golden g = read_golden(golden_file());
  ASSERT_FALSE(g.encode.empty());
  Voice a = g.encode[0].voice, b = a;
  a.set_name("BRASS   1 ");
  b.set_name("ZZZZZZZZZZ");
  EXPECT_EQ(decoder_->encode(a), decoder_->encode(b));
}

TEST_F(ShippedModel, RefusesToEncodeAnOutOfRangeVoice) {
  Voice v = decoder_->decode(Latent{});
  v.bytes[43] = 197;  // OP4 EG rate 2 (OP6 comes first: OP4 starts at 42)
  try {
    (void)decoder_->encode(v);
    ADD_FAILURE() << "an out-of-range voice was encoded";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("= 197 (0-99)"), std::string::npos) << e.what();
  }
  std::vector<Voice> batch{decoder_->decode(Latent{}), v};
  EXPECT_THROW((void)decoder_->encode_batch(batch), std::invalid_argument);
}

TEST_F(ShippedModel, EveryDecodedVoiceIsValid) {
  const Golden g = read_golden(golden_file());
  for (const auto& d : g.decode) {
    const Voice v = decoder_->decode(d.z);
    EXPECT_TRUE(validate(v).empty()) << validate(v).front().describe();
  }
  // 1,000 latents from the prior, and 200 far outside it (|z| up to 8), where a
  // model without masks would be most likely to produce out-of-range values.
  LatentSampler rng(20261125);
  std::vector<Latent> zs;
  for (int i = 0; i < 1000; ++i) zs.push_back(rng.prior());
  for (int i = 0; i < 200; ++i) {
    Latent z = rng.prior();
    for (auto& x : z) x *= 4.0f;
    zs.push_back(z);
  }
  const auto voices = decoder_->decode_batch(zs);
  std::set<std::string> distinct;
  for (std::size_t i = 0; i < voices.size(); ++i) {
    const auto errors = validate(voices[i]);
    EXPECT_TRUE(errors.empty()) << "latent " << i << ": " << errors.front().describe();
    distinct.emplace(reinterpret_cast<const char*>(voices[i].bytes.data()), kSoundParams);
  }
  // A decoder that ignored z would pass validation; the prior must give many sounds.
  EXPECT_GT(distinct.size(), 500u);
}

TEST_F(ShippedModel, DecodedVoiceIsTheReadOutOfTheLogitsAndMasksAreApplied) {
  // models/model.py readout(): each parameter reads the argmax of its categorical
  // or, for an ordered parameter, its median (which equals the argmax whenever the
  // most likely value holds half the mass). Either way the value is one of those two.
  LatentSampler rng(7);
  std::vector<Latent> zs;
  for (int i = 0; i < 16; ++i) zs.push_back(rng.prior());
  const std::size_t k = decoder_->logit_width();
  ASSERT_GE(k, 100u);
  const auto logits = decoder_->decode_logits(zs);
  ASSERT_EQ(logits.size(), zs.size() * kSoundParams * k);
  const auto voices = decoder_->decode_batch(zs);
  std::size_t median_not_argmax = 0;
  for (std::size_t i = 0; i < zs.size(); ++i) {
    std::span<const float> one(logits.data() + i * kSoundParams * k, kSoundParams * k);
    const auto sound = voices[i].sound();
    for (std::size_t p = 0; p < kSoundParams; ++p) {
      const std::size_t card = param_table()[p].max + 1u;
      const float* l = one.data() + p * k;
      std::size_t best = 0;
      for (std::size_t v = 1; v < card; ++v)
        if (l[v] > l[best]) best = v;
      std::vector<double> w(card);
      double total = 0.0;
      for (std::size_t v = 0; v < card; ++v) total += (w[v] = std::exp(double(l[v]) - l[best]));
      std::size_t median = 0;
      for (double cdf = w[0] / total; cdf < 0.5 && median + 1 < card; cdf += w[++median] / total) {
      }
      EXPECT_TRUE(sound[p] == best || sound[p] == median)
          << "latent " << i << " param " << p << ": " << int(sound[p]) << " is neither argmax " << best
          << " nor median " << median;
      median_not_argmax += sound[p] != best;
      for (std::size_t v = card; v < k; ++v)
        ASSERT_LT(l[v], -1e8f) << "unmasked logit: param " << p << " value " << v;
    }
  }
  std::printf("decoded values that are the median and not the argmax: %zu of %zu\n", median_not_argmax,
              zs.size() * kSoundParams);
}

// A live algorithm lock: the decoder is given the algorithm and decodes the
// other parameters for it, rather than having the algorithm overwritten.
TEST_F(ShippedModel, DecodesGivenAnAlgorithmConditioningTheOtherParameters) {
  ASSERT_TRUE(decoder_->conditions_on_algorithm());
  std::mt19937 rng(5);
  std::normal_distribution<float> n;
  int differs_from_overwrite = 0;
  for (int i = 0; i < 16; ++i) {
    Latent z;
    for (auto& v : z) v = n(rng);
    const Voice free = decoder_->decode(z);
    for (int a : {1, 5, 17, 32}) {
      const Voice given = decoder_->decode_given_algorithm(z, a);
      EXPECT_EQ(given.algorithm(), a);
      EXPECT_TRUE(is_valid(given));
      if (a == free.algorithm()) {
        EXPECT_EQ(given, free) << "the model's own choice, given, must decode as before";
        continue;
      }
      for (std::size_t p = 0; p < kSoundParams; ++p)
        if (p != kAlgorithmOffset && given.bytes[p] != free.bytes[p]) {
          ++differs_from_overwrite;
          break;
        }
    }
  }
  EXPECT_GT(differs_from_overwrite, 0) << "the given algorithm changed nothing else: only an overwrite";
  EXPECT_THROW(decoder_->decode_given_algorithm(Latent{}, 33), std::invalid_argument);
}

TEST_F(ShippedModel, QuantilesAreLoadedAndOrdered) {
  const LatentQuantiles& q = decoder_->quantiles();
  ASSERT_GE(q.levels.size(), 2u);
  EXPECT_FLOAT_EQ(q.levels.front(), 0.0f);
  EXPECT_FLOAT_EQ(q.levels.back(), 1.0f);
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    ASSERT_EQ(q.values[d].size(), q.levels.size());
    EXPECT_LT(q.at(d, 0.005f), q.at(d, 0.5f)) << "dim " << d;
    EXPECT_LT(q.at(d, 0.5f), q.at(d, 0.995f)) << "dim " << d;
  }
}

TEST_F(ShippedModel, CategoryRegionsAreLoaded) {
  // format_version 2: one region per category of models/categories.py that has
  // training voices; every region is finite with a positive spread.
  const auto cats = decoder_->categories();
  ASSERT_GE(cats.size(), 10u);
  for (const char* want : {"bass", "keys/piano", "bell/mallet", "strings", "brass", "organ"})
    EXPECT_NE(find_category(cats, want), nullptr) << want << " not in " << category_names(cats);
  for (const auto& c : cats)
    for (std::size_t d = 0; d < kLatentDims; ++d) {
      EXPECT_TRUE(std::isfinite(c.mean[d])) << c.name;
      EXPECT_GT(c.std[d], 0.0f) << c.name;
    }
}

// ---- refusals ---------------------------------------------------------------

namespace {

fs::path scratch_dir() {
  fs::path dir = fs::temp_directory_path() /
                 ("dxlatent-test-model-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                  "-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  return dir;
}

// Loading `file` must throw a ModelError whose message names the file and contains `expected`.
void expect_refused(const fs::path& file, const std::string& expected) {
  try {
    TorchDecoder d(file);
    ADD_FAILURE() << file << " was accepted";
  } catch (const ModelError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file.string()), std::string::npos) << "message does not name the file: " << msg;
    EXPECT_NE(msg.find(expected), std::string::npos) << "message lacks '" << expected << "': " << msg;
  }
}

}  // namespace

TEST(TorchDecoderRefuses, AMissingFile) {
  expect_refused(fs::path(DXLATENT_SOURCE_DIR) / "models" / "no-such-model.pt", "no such file");
}

TEST(TorchDecoderRefuses, ADirectory) {
  expect_refused(fs::path(DXLATENT_SOURCE_DIR) / "models", "not a regular file");
}

TEST(TorchDecoderRefuses, ATruncatedCopyOfTheShippedModel) {
  ASSERT_TRUE(fs::exists(model_file())) << "the shipped model is missing: " << model_file();
  const fs::path dir = scratch_dir();
  std::ifstream in(model_file(), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  for (double fraction : {0.5, 0.99}) {
    const fs::path cut = dir / ("truncated-" + std::to_string(int(fraction * 100)) + ".pt");
    std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() * fraction));
    expect_refused(cut, "not a readable TorchScript archive");
  }
  fs::remove_all(dir);
}

TEST(TorchDecoderRefuses, RandomBytesAndText) {
  const fs::path dir = scratch_dir();
  std::mt19937 rng(1);
  std::string junk(8192, '\0');
  for (auto& c : junk) c = static_cast<char>(rng());
  std::ofstream(dir / "random.pt", std::ios::binary) << junk;
  std::ofstream(dir / "text.pt") << "this is not a model\n";
  std::ofstream(dir / "empty.pt");
  expect_refused(dir / "random.pt", "not a readable TorchScript archive");
  expect_refused(dir / "text.pt", "not a readable TorchScript archive");
  expect_refused(dir / "empty.pt", "not a readable TorchScript archive");
  fs::remove_all(dir);
}

#ifdef DXLATENT_WRONG_MODELS_DIR
TEST(TorchDecoderRefuses, ContractBreakingTorchScriptFiles) {
  const fs::path dir = DXLATENT_WRONG_MODELS_DIR;
  expect_refused(dir / "wrong_version.pt", "format_version is 1, expected 2");
  expect_refused(dir / "future_version.pt", "format_version is 3, expected 2");
  expect_refused(dir / "no_category_mean.pt", "attribute 'category_mean' is missing");
  expect_refused(dir / "wrong_category_shape.pt", "category_mean has shape [2, 4], expected [2, 8]");
  expect_refused(dir / "category_rows_mismatch.pt", "category_mean has shape [2, 8], expected [3, 8]");
  expect_refused(dir / "category_std_zero.pt", "category_std of 'bass' must be finite and > 0");
  expect_refused(dir / "category_mean_nan.pt", "category_mean of 'bass' is not finite");
  expect_refused(dir / "category_duplicate.pt", "category_names has 'bass' twice");
  expect_refused(dir / "wrong_latent_dim.pt", "latent_dim is 4, expected 8");
  expect_refused(dir / "wrong_n_params.pt", "n_params is 144, expected 145");
  expect_refused(dir / "wrong_cardinality.pt", "param_cardinality[0] (OP6 EG rate 1) is 4, expected 100");
  expect_refused(dir / "wrong_names.pt", "param_names[0] is 'OP6 EG rate 2', expected 'OP6 EG rate 1'");
  expect_refused(dir / "wrong_decode_shape.pt", "expected int64[2,145]");
  expect_refused(dir / "out_of_range.pt", "decode produced OP6 EG rate 1 = ");
  expect_refused(dir / "no_encode.pt", "method 'encode' is missing");
}

TEST(TorchDecoderAccepts, ATinyModelThatKeepsTheContract) {
  // The control for the test above: the same generator's valid file loads, so the
  // refusals come from the broken property and not from the generator.
  TorchDecoder d(fs::path(DXLATENT_WRONG_MODELS_DIR) / "valid_tiny.pt");
  EXPECT_TRUE(is_valid(d.decode(Latent{})));
  EXPECT_EQ(d.quantiles().levels.size(), 11u);
  ASSERT_EQ(d.categories().size(), 2u);
  EXPECT_EQ(d.categories()[1].name, "keys/piano");
  EXPECT_EQ(d.categories()[1].std[7], 1.0f);
}
#else
TEST(TorchDecoderRefuses, ContractBreakingTorchScriptFiles) {
  GTEST_SKIP() << "/usr/bin/python3 could not import torch at configure time, so the "
                  "contract-breaking files (tests/model/make_wrong_models.py) were not written";
}
#endif
