// TorchDecoder: the only translation unit of dxlatent_model that sees LibTorch.
#include "dxlatent/model/torch_decoder.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <sstream>

namespace dxlatent {
namespace fs = std::filesystem;

namespace {

static_assert(sizeof(Latent) == kLatentDims * sizeof(float), "Latent must be 8 packed floats");

constexpr const char* kExpected =
    "expected the TorchScript export of the dxlatent VAE (format_version 2, latent_dim 8, "
    "n_params 145, category_names/category_mean/category_std, methods decode/decode_logits/encode)";

[[noreturn]] void refuse(const fs::path& file, const std::string& what) {
  throw ModelError("model file " + file.string() + ": " + what);
}

// LibTorch's messages end in a C++ backtrace; the first line is what a user needs.
std::string first_line(const char* what) {
  std::string s(what);
  if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
  return s;
}

// Process-wide settings, applied once. Why each one (../shared/docs/toolchain.md):
// - OpenBLAS at one thread: its own pool on top of LibTorch's oversubscribes the
//   cores (two + two threads on this 2-core machine gave a 76 ms p99). Setting the
//   variable only works before start-up, so the function is looked up with dlsym
//   (absent when libblas.so.3 is not OpenBLAS, then there is nothing to pin).
// - glibc malloc thresholds pinned: otherwise LibTorch's per-call buffers cross the
//   dynamic mmap threshold and each decode pays mmap/munmap, which made p50 vary by
//   20% between processes. 32 MB (the largest glibc accepts) keeps a batch of 1,024's
//   activations (1024 x 145 x 48 floats, 28 MB) on the heap too: at 16 MB, batch
//   1,024 decoded a third slower than from Python.
// - one inter-op thread: decoding is one call at a time; LibTorch only accepts this
//   before its inter-op pool first runs, hence the try.
void configure_process_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's maximum on 64-bit
    mallopt(M_TRIM_THRESHOLD, 128 * 1024 * 1024);
    using SetThreads = void (*)(int);
    if (void* f = dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))
      reinterpret_cast<SetThreads>(f)(1);
    try {
      at::set_num_interop_threads(1);
    } catch (const c10::Error&) {
      // already running: keep LibTorch's pool
    }
  });
}

// The encoder indexes an embedding by each value: an out-of-range byte would be an
// out-of-bounds read inside LibTorch, so it is refused here with the field named.
void require_encodable(const Voice& voice) {
  const auto& table = param_table();
  for (std::size_t p = 0; p < kSoundParams; ++p)
    if (voice.bytes[p] > table[p].max)
      throw std::invalid_argument("cannot encode a voice with " +
                                  RangeError{static_cast<std::uint8_t>(p), voice.bytes[p]}.describe());
}

}  // namespace

struct TorchDecoder::Impl {
  fs::path file;
  torch::jit::Module module;
  std::optional<torch::jit::Method> decode_m, decode_logits_m, encode_m;
  /// Optional (files exported before it lack it): decode with the algorithm given.
  std::optional<torch::jit::Method> decode_alg_m;
  bool cond_algorithm = false;
  LatentQuantiles quantiles;
  std::vector<CategoryRegion> categories;
  std::size_t logit_width = 0;
  // Reused by the single-voice calls, so that the live path allocates only what
  // LibTorch itself allocates inside the call.
  torch::Tensor z1, x1;
  torch::jit::Stack stack;

  [[noreturn]] void fail(const std::string& what) const { refuse(file, what); }

  std::int64_t int_attr(const char* name) const {
    if (!module.hasattr(name)) fail(std::string("attribute '") + name + "' is missing; " + kExpected);
    auto v = module.attr(name);
    if (!v.isInt()) fail(std::string("attribute '") + name + "' is not an int; " + kExpected);
    return v.toInt();
  }

  torch::Tensor tensor_attr(const char* name) const {
    if (!module.hasattr(name)) fail(std::string("attribute '") + name + "' is missing; " + kExpected);
    auto v = module.attr(name);
    if (!v.isTensor()) fail(std::string("attribute '") + name + "' is not a tensor");
    return v.toTensor().to(torch::kFloat).contiguous();
  }

  torch::jit::Method method(const char* name) const {
    auto m = module.find_method(name);
    if (!m) fail(std::string("method '") + name + "' is missing; " + kExpected);
    return *m;
  }

  void check_attributes() {
    if (auto v = int_attr("format_version"); v != kFormatVersion)
      fail("format_version is " + std::to_string(v) + ", expected " + std::to_string(kFormatVersion));
    if (auto v = int_attr("latent_dim"); v != static_cast<std::int64_t>(kLatentDims))
      fail("latent_dim is " + std::to_string(v) + ", expected " + std::to_string(kLatentDims));
    if (auto v = int_attr("n_params"); v != static_cast<std::int64_t>(kSoundParams))
      fail("n_params is " + std::to_string(v) + ", expected " + std::to_string(kSoundParams));

    if (!module.hasattr("param_names") || !module.attr("param_names").isList())
      fail(std::string("attribute 'param_names' (list of str) is missing; ") + kExpected);
    auto names = module.attr("param_names").toListRef();
    if (names.size() != kSoundParams)
      fail("param_names has " + std::to_string(names.size()) + " entries, expected " +
           std::to_string(kSoundParams));
    const auto& table = param_table();
    for (std::size_t p = 0; p < kSoundParams; ++p) {
      if (!names[p].isString()) fail("param_names[" + std::to_string(p) + "] is not a string");
      if (names[p].toStringRef() != table[p].name)
        fail("param_names[" + std::to_string(p) + "] is '" + names[p].toStringRef() + "', expected '" +
             std::string(table[p].name) + "' (parameters must be in VCED order)");
    }

    if (!module.hasattr("param_cardinality") || !module.attr("param_cardinality").isList())
      fail(std::string("attribute 'param_cardinality' (list of int) is missing; ") + kExpected);
    auto card = module.attr("param_cardinality").toListRef();
    if (card.size() != kSoundParams)
      fail("param_cardinality has " + std::to_string(card.size()) + " entries, expected " +
           std::to_string(kSoundParams));
    for (std::size_t p = 0; p < kSoundParams; ++p) {
      const std::int64_t want = table[p].max + 1;
      if (!card[p].isInt() || card[p].toInt() != want)
        fail("param_cardinality[" + std::to_string(p) + "] (" + std::string(table[p].name) + ") is " +
             (card[p].isInt() ? std::to_string(card[p].toInt()) : std::string("not an int")) +
             ", expected " + std::to_string(want) + " (parameters must be in VCED order with DX7 ranges)");
    }
  }

  void load_quantiles() {
    auto levels = tensor_attr("quantile_levels");
    auto values = tensor_attr("latent_quantiles");
    if (levels.dim() != 1 || levels.size(0) < 2)
      fail("quantile_levels must be a 1-D tensor of at least 2 levels");
    const auto n = levels.size(0);
    if (values.dim() != 2 || values.size(0) != static_cast<std::int64_t>(kLatentDims) || values.size(1) != n)
      fail("latent_quantiles has shape " + shape_of(values) + ", expected [8, " + std::to_string(n) + "]");
    const float* l = levels.data_ptr<float>();
    quantiles.levels.assign(l, l + n);
    for (std::int64_t i = 0; i < n; ++i) {
      if (!(l[i] >= 0.0f && l[i] <= 1.0f) || (i > 0 && !(l[i] > l[i - 1])))
        fail("quantile_levels must increase strictly within [0, 1] (entry " + std::to_string(i) + ")");
    }
    for (std::size_t d = 0; d < kLatentDims; ++d) {
      const float* v = values.data_ptr<float>() + d * n;
      quantiles.values[d].assign(v, v + n);
      for (std::int64_t i = 0; i < n; ++i)
        if (!std::isfinite(v[i]) || (i > 0 && v[i] < v[i - 1]))
          fail("latent_quantiles[" + std::to_string(d) + "] must be finite and non-decreasing");
    }
  }

  // The regions sample --category draws from: a bad one would silently give
  // voices of the wrong kind (or NaN latents), so each row is checked here.
  void load_categories() {
    if (!module.hasattr("category_names") || !module.attr("category_names").isList())
      fail(std::string("attribute 'category_names' (list of str) is missing; ") + kExpected);
    auto names = module.attr("category_names").toListRef();
    auto mean = tensor_attr("category_mean");
    auto std_ = tensor_attr("category_std");
    const auto c = static_cast<std::int64_t>(names.size());
    if (c == 0) fail("category_names is empty; expected at least one category");
    for (const auto* t : {&mean, &std_})
      if (t->dim() != 2 || t->size(0) != c || t->size(1) != static_cast<std::int64_t>(kLatentDims))
        fail(std::string(t == &mean ? "category_mean" : "category_std") + " has shape " + shape_of(*t) +
             ", expected [" + std::to_string(c) + ", 8] (one row per category_names entry)");
    const float* pm = mean.data_ptr<float>();
    const float* ps = std_.data_ptr<float>();
    for (std::int64_t i = 0; i < c; ++i) {
      if (!names[i].isString() || names[i].toStringRef().empty())
        fail("category_names[" + std::to_string(i) + "] is not a non-empty string");
      CategoryRegion r;
      r.name = names[i].toStringRef();
      for (const auto& seen : categories)
        if (seen.name == r.name) fail("category_names has '" + r.name + "' twice");
      for (std::size_t d = 0; d < kLatentDims; ++d) {
        r.mean[d] = pm[i * kLatentDims + d];
        r.std[d] = ps[i * kLatentDims + d];
        if (!std::isfinite(r.mean[d])) fail("category_mean of '" + r.name + "' is not finite");
        if (!std::isfinite(r.std[d]) || !(r.std[d] > 0.0f))
          fail("category_std of '" + r.name + "' must be finite and > 0");
      }
      categories.push_back(std::move(r));
    }
  }

  static std::string shape_of(const torch::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
  }

  // One call of each method on a batch of 2, so a file whose methods compute the
  // wrong thing is refused at load, not at the first knob move. Also warms up the
  // profiling executor.
  void probe() {
    auto z = torch::zeros({2, static_cast<std::int64_t>(kLatentDims)});
    auto v = run(*decode_m, z, "decode");
    if (v.scalar_type() != torch::kLong || v.dim() != 2 || v.size(0) != 2 ||
        v.size(1) != static_cast<std::int64_t>(kSoundParams))
      fail("decode(float[2,8]) returned " + std::string(c10::toString(v.scalar_type())) + shape_of(v) +
           ", expected int64[2,145]");
    Voice probe_voice;
    to_voice(v.contiguous().data_ptr<std::int64_t>(), probe_voice);

    auto logits = run(*decode_logits_m, z, "decode_logits");
    if (logits.scalar_type() != torch::kFloat || logits.dim() != 3 || logits.size(0) != 2 ||
        logits.size(1) != static_cast<std::int64_t>(kSoundParams) || logits.size(2) < 100)
      fail("decode_logits(float[2,8]) returned " + std::string(c10::toString(logits.scalar_type())) +
           shape_of(logits) + ", expected float[2,145,100]");
    logit_width = static_cast<std::size_t>(logits.size(2));

    auto x = torch::zeros({2, static_cast<std::int64_t>(kSoundParams)}, torch::kLong);
    auto e = run(*encode_m, x, "encode");
    if (e.scalar_type() != torch::kFloat || e.dim() != 2 || e.size(0) != 2 ||
        e.size(1) != static_cast<std::int64_t>(kLatentDims))
      fail("encode(int64[2,145]) returned " + std::string(c10::toString(e.scalar_type())) + shape_of(e) +
           ", expected float[2,8]");
  }

  torch::Tensor run(torch::jit::Method& m, const torch::Tensor& in, const char* name) { return run(m, {in}, name); }

  torch::Tensor run(torch::jit::Method& m, std::initializer_list<c10::IValue> args, const char* name) {
    stack.clear();
    for (const auto& a : args) stack.push_back(a);
    try {
      m.run(stack);
    } catch (const c10::Error& e) {
      fail(std::string(name) + "() failed: " + first_line(e.what_without_backtrace()));
    } catch (const std::exception& e) {
      fail(std::string(name) + "() failed: " + first_line(e.what()));
    }
    if (stack.size() != 1 || !stack.back().isTensor()) fail(std::string(name) + "() did not return a tensor");
    auto out = stack.back().toTensor();
    stack.clear();
    return out;
  }

  // The masked categoricals make every decoded value valid; checking costs 145
  // compares and keeps a broken model from ever reaching a synth.
  void to_voice(const std::int64_t* p, Voice& out) const {
    const auto& table = param_table();
    for (std::size_t i = 0; i < kSoundParams; ++i) {
      if (p[i] < 0 || p[i] > table[i].max)
        fail("decode produced " + std::string(table[i].name) + " = " + std::to_string(p[i]) + " (0-" +
             std::to_string(table[i].max) + ")");
      out.bytes[i] = static_cast<std::uint8_t>(p[i]);
    }
    std::fill(out.bytes.begin() + kNameOffset, out.bytes.end(), static_cast<std::uint8_t>(' '));
  }
};

TorchDecoder::TorchDecoder(const fs::path& file, Options options) : impl_(std::make_unique<Impl>()) {
  configure_process_once();
  at::set_num_threads(std::max(1, options.threads));
  Impl& m = *impl_;
  m.file = file;
  std::error_code ec;
  if (!fs::exists(file, ec)) refuse(file, std::string("no such file; ") + kExpected);
  if (!fs::is_regular_file(file, ec)) refuse(file, std::string("not a regular file; ") + kExpected);
  try {
    m.module = torch::jit::load(file.string());
  } catch (const c10::Error& e) {
    refuse(file, "not a readable TorchScript archive (" + first_line(e.what_without_backtrace()) + "); " +
                     kExpected);
  } catch (const std::exception& e) {
    refuse(file, "not a readable TorchScript archive (" + first_line(e.what()) + "); " + kExpected);
  }
  m.module.eval();
  c10::InferenceMode inference;
  m.check_attributes();
  m.load_quantiles();
  m.load_categories();
  m.decode_m = m.method("decode");
  m.decode_logits_m = m.method("decode_logits");
  m.encode_m = m.method("encode");
  if (auto f = m.module.find_method("decode_given_algorithm")) m.decode_alg_m = *f;
  m.cond_algorithm = m.decode_alg_m && m.module.hasattr("cond_algorithm") &&
                     m.module.attr("cond_algorithm").isBool() && m.module.attr("cond_algorithm").toBool();
  m.probe();
  m.z1 = torch::zeros({1, static_cast<std::int64_t>(kLatentDims)});
  m.x1 = torch::zeros({1, static_cast<std::int64_t>(kSoundParams)}, torch::kLong);
  m.stack.reserve(2);
}

TorchDecoder::~TorchDecoder() = default;

Voice TorchDecoder::decode(const Latent& z) {
  Impl& m = *impl_;
  c10::InferenceMode inference;
  std::copy(z.begin(), z.end(), m.z1.data_ptr<float>());
  auto out = m.run(*m.decode_m, m.z1, "decode").contiguous();
  Voice v;
  m.to_voice(out.data_ptr<std::int64_t>(), v);
  return v;
}

Voice TorchDecoder::decode_given_algorithm(const Latent& z, int algorithm) {
  Impl& m = *impl_;
  if (!m.decode_alg_m) return VoiceDecoder::decode_given_algorithm(z, algorithm);
  if (algorithm < 1 || algorithm > 32) throw std::invalid_argument("algorithm " + std::to_string(algorithm) + " is not 1..32");
  c10::InferenceMode inference;
  std::copy(z.begin(), z.end(), m.z1.data_ptr<float>());
  auto out = m.run(*m.decode_alg_m, {m.z1, static_cast<std::int64_t>(algorithm)}, "decode_given_algorithm").contiguous();
  Voice v;
  m.to_voice(out.data_ptr<std::int64_t>(), v);
  return v;
}

bool TorchDecoder::conditions_on_algorithm() const { return impl_->cond_algorithm; }

Latent TorchDecoder::encode(const Voice& voice) {
  require_encodable(voice);
  Impl& m = *impl_;
  c10::InferenceMode inference;
  std::copy(voice.bytes.begin(), voice.bytes.begin() + kSoundParams, m.x1.data_ptr<std::int64_t>());
  auto out = m.run(*m.encode_m, m.x1, "encode").contiguous();
  Latent z;
  std::copy_n(out.data_ptr<float>(), kLatentDims, z.begin());
  return z;
}

const LatentQuantiles& TorchDecoder::quantiles() const { return impl_->quantiles; }

std::vector<Voice> TorchDecoder::decode_batch(std::span<const Latent> zs, std::size_t batch) {
  Impl& m = *impl_;
  c10::InferenceMode inference;
  std::vector<Voice> voices(zs.size());
  if (batch == 0) batch = std::max<std::size_t>(zs.size(), 1);
  for (std::size_t at = 0; at < zs.size(); at += batch) {
    const auto n = static_cast<std::int64_t>(std::min(batch, zs.size() - at));
    // from_blob does not copy; the span outlives the call.
    auto z = torch::from_blob(const_cast<float*>(zs[at].data()), {n, static_cast<std::int64_t>(kLatentDims)},
                              torch::kFloat);
    auto out = m.run(*m.decode_m, z, "decode").contiguous();
    const std::int64_t* p = out.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) m.to_voice(p + i * kSoundParams, voices[at + i]);
  }
  return voices;
}

std::vector<Latent> TorchDecoder::encode_batch(std::span<const Voice> voices) {
  Impl& m = *impl_;
  c10::InferenceMode inference;
  const auto n = static_cast<std::int64_t>(voices.size());
  std::vector<Latent> zs(voices.size());
  if (n == 0) return zs;
  auto x = torch::empty({n, static_cast<std::int64_t>(kSoundParams)}, torch::kLong);
  std::int64_t* px = x.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    require_encodable(voices[i]);
    std::copy_n(voices[i].bytes.begin(), kSoundParams, px + i * kSoundParams);
  }
  auto out = m.run(*m.encode_m, x, "encode").contiguous();
  const float* pz = out.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) std::copy_n(pz + i * kLatentDims, kLatentDims, zs[i].begin());
  return zs;
}

std::vector<float> TorchDecoder::decode_logits(std::span<const Latent> zs) {
  Impl& m = *impl_;
  c10::InferenceMode inference;
  if (zs.empty()) return {};
  const auto n = static_cast<std::int64_t>(zs.size());
  auto z = torch::from_blob(const_cast<float*>(zs[0].data()), {n, static_cast<std::int64_t>(kLatentDims)},
                            torch::kFloat);
  auto out = m.run(*m.decode_logits_m, z, "decode_logits").contiguous();
  if (out.dim() != 3 || out.size(0) != n || out.size(2) != static_cast<std::int64_t>(m.logit_width))
    m.fail("decode_logits returned shape " + Impl::shape_of(out));
  const float* p = out.data_ptr<float>();
  return std::vector<float>(p, p + out.numel());
}

std::size_t TorchDecoder::logit_width() const { return impl_->logit_width; }

const fs::path& TorchDecoder::path() const { return impl_->file; }

std::span<const CategoryRegion> TorchDecoder::categories() const { return impl_->categories; }

}  // namespace dxlatent
