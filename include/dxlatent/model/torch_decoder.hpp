#pragma once
// The shipped VAE (models/dxlatent-vae.pt, TorchScript) behind the VoiceDecoder
// interface. LibTorch stays inside torch_decoder.cpp (pimpl), so code that
// includes this header compiles without torch headers or torch's flags.
//
// The file is checked when it is loaded: format_version, latent_dim, n_params,
// the parameter names and each parameter's cardinality (which must equal the
// formats core's param_table() ranges, so the model's parameter order is the
// VCED order), the quantile tables, the category regions (format_version 2:
// category_names List[str] of C unique non-empty names, category_mean and
// category_std float tensors [C, 8], finite, std > 0), and one probe call of each method whose
// result shapes and ranges must match the contract. Anything else is refused
// with a ModelError naming the file and what was expected, before the caller
// can use a half-working model.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dxlatent/model/category.hpp"
#include "dxlatent/model/voice_decoder.hpp"

namespace dxlatent {

/// A model file that cannot be used; what() names the file and what was expected.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TorchDecoderOptions {
  /// LibTorch intra-op threads. Process-wide in LibTorch: the last decoder built wins.
  int threads = 1;
};

class TorchDecoder final : public VoiceDecoder {
 public:
  /// 2: version 1 plus the category regions. Exactly this version is accepted:
  /// a version 1 file has no categories, and silently running without them would
  /// make `sample --category` fail late instead of at load.
  static constexpr int kFormatVersion = 2;
  using Options = TorchDecoderOptions;

  /// Loads and checks the model; throws ModelError. Sets LibTorch's and OpenBLAS's
  /// thread counts and pins glibc's malloc thresholds (process-wide, see the .cpp).
  /// Thread: any non-real-time thread; the object is then used from one thread at a time.
  explicit TorchDecoder(const std::filesystem::path& file, Options options = {});
  ~TorchDecoder() override;
  TorchDecoder(const TorchDecoder&) = delete;
  TorchDecoder& operator=(const TorchDecoder&) = delete;

  /// Latent -> voice (argmax of each parameter's categorical); name left blank.
  /// Every value is checked against its range: a model that breaks its own masks
  /// throws ModelError rather than hand an invalid voice to a synth.
  /// Thread: the inference thread (one at a time). Never the JACK thread.
  Voice decode(const Latent& z) override;
  /// Voice -> zK of its posterior mean. Names are ignored. A sound parameter out of
  /// its range is a std::invalid_argument naming the field. Same thread rule.
  Latent encode(const Voice& voice) override;
  /// The model's decode_given_algorithm method (the decoder conditioned on the
  /// given algorithm, 1..32); a file without it overwrites the algorithm. Same
  /// thread rule as decode().
  Voice decode_given_algorithm(const Latent& z, int algorithm) override;
  /// True when the file's decoder is conditioned on the algorithm. Any thread.
  bool conditions_on_algorithm() const override;
  /// Any thread after construction.
  const LatentQuantiles& quantiles() const override;

  /// Decodes many latents, internally in batches of at most `batch` (0: all at once).
  /// 256 keeps the logits (batch x 145 x 100 floats) in cache: batch 1024 decoded
  /// ~30% fewer voices per second here.
  /// Same thread rule as decode().
  std::vector<Voice> decode_batch(std::span<const Latent> zs, std::size_t batch = 256);
  /// Encodes many voices in one call (same refusal as encode()). Same thread rule as decode().
  std::vector<Latent> encode_batch(std::span<const Voice> voices);
  /// The masked logits for each latent: out[(i * kSoundParams + p) * logit_width() + k].
  /// Values outside parameter p's range are the model's mask value (about -1e9).
  /// Same thread rule as decode().
  std::vector<float> decode_logits(std::span<const Latent> zs);
  /// K, the number of logits per parameter (the largest cardinality, 100).
  std::size_t logit_width() const;

  const std::filesystem::path& path() const;

  /// The kinds of sound the model knows, in the file's order (at least one).
  /// Any thread after construction.
  std::span<const CategoryRegion> categories() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dxlatent
