#pragma once
// Reproducible random draws for the offline tools: latents from the prior
// N(0, I) and voices from the decoder's categoricals at a temperature.
// Pure (no LibTorch). Same seed, same numbers on every platform: the engine is
// std::mt19937_64 (fully specified by the standard) and the normal and
// categorical draws are written out here, because std::normal_distribution and
// friends are implementation-defined and LibTorch's RNG changes between releases.

#include <cstdint>
#include <random>
#include <span>

#include "dxlatent/control/latent.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class LatentSampler {
 public:
  explicit LatentSampler(std::uint64_t seed) : rng_(seed) {}

  /// A uniform double in [0, 1), 53 random bits.
  double uniform();
  /// A standard normal draw (Box-Muller, both values used).
  double normal();
  /// A latent from the prior N(0, I).
  Latent prior();
  /// A latent from N(mean, diag(std^2)): one normal() per dimension, in order,
  /// so it consumes the stream exactly as prior() does.
  Latent around(const Latent& mean, const Latent& std);
  /// One value per sound parameter from logits[p * width + k] (k < param p's
  /// cardinality; the rest is ignored), with p_k proportional to exp(logit_k / T).
  /// T <= 0 is argmax (first maximum). The name is left blank.
  Voice sample_voice(std::span<const float> logits, std::size_t width, float temperature);

 private:
  std::mt19937_64 rng_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace dxlatent
