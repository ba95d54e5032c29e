#pragma once
// The model's latent space as the rest of dxlatent sees it, free of LibTorch.

#include <array>
#include <cstddef>
#include <cstring>
#include <vector>

namespace dxlatent {

inline constexpr std::size_t kLatentDims = 8;
using Latent = std::array<float, kLatentDims>;

/// The same point bit for bit (a cache key must not equate -0.0f and 0.0f, nor
/// miss a NaN's own entry as float == would).
inline bool same_point(const Latent& a, const Latent& b) { return std::memcmp(a.data(), b.data(), sizeof(Latent)) == 0; }

/// Per latent dimension, the quantiles of the training voices' encoded latents,
/// as exported with the model: levels[i] in [0,1] and values[dim][i].
struct LatentQuantiles {
  std::vector<float> levels;
  std::array<std::vector<float>, kLatentDims> values;

  /// The latent coordinate at quantile level q (0..1) of dimension dim, interpolated.
  float at(std::size_t dim, float q) const;
  /// The inverse of at(): the quantile level of coordinate z in dimension dim
  /// (held to the table's first/last level outside it). Flat stretches of the
  /// table give their middle level.
  float level_of(std::size_t dim, float z) const;
};

}  // namespace dxlatent
