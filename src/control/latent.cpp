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

}  // namespace dxlatent
