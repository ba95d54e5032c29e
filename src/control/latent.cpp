// LatentQuantiles: the knob-to-latent lookup. Pure (no LibTorch), in dxlatent_core.
#include "dxlatent/control/latent.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dxlatent {

float LatentQuantiles::at(std::size_t dim, float q) const {
  if (dim >= kLatentDims) throw std::out_of_range("latent dimension " + std::to_string(dim) + " (0-7)");
  const auto& v = values[dim];
  if (levels.empty() || v.size() != levels.size())
    throw std::logic_error("LatentQuantiles: no quantile table for dimension " + std::to_string(dim));
  // Outside the exported levels the table says nothing more; hold the end value
  // rather than extrapolate into space no training voice occupies.
  if (!(q > levels.front())) return v.front();  // also catches NaN
  if (q >= levels.back()) return v.back();
  const auto hi = static_cast<std::size_t>(std::upper_bound(levels.begin(), levels.end(), q) - levels.begin());
  const std::size_t lo = hi - 1;
  const float t = (q - levels[lo]) / (levels[hi] - levels[lo]);
  return v[lo] + t * (v[hi] - v[lo]);
}

float LatentQuantiles::level_of(std::size_t dim, float z) const {
  if (dim >= kLatentDims) throw std::out_of_range("latent dimension " + std::to_string(dim) + " (0-7)");
  const auto& v = values[dim];
  if (levels.empty() || v.size() != levels.size())
    throw std::logic_error("LatentQuantiles: no quantile table for dimension " + std::to_string(dim));
  if (!(z > v.front())) return levels.front();
  if (z >= v.back()) return levels.back();
  const auto lo_it = std::lower_bound(v.begin(), v.end(), z);
  const auto hi_it = std::upper_bound(v.begin(), v.end(), z);
  if (lo_it != hi_it) {  // z is a value of the table: the middle of its run
    const auto a = std::size_t(lo_it - v.begin()), b = std::size_t(hi_it - v.begin()) - 1;
    return 0.5f * (levels[a] + levels[b]);
  }
  const std::size_t hi = std::size_t(hi_it - v.begin());
  const std::size_t lo = hi - 1;
  const float t = (z - v[lo]) / (v[hi] - v[lo]);
  return levels[lo] + t * (levels[hi] - levels[lo]);
}

}  // namespace dxlatent
