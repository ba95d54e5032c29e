#include "dxlatent/control/latent_map.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace dxlatent {

void LatentMapSettings::check() const {
  if (!(low_level >= 0.0f && low_level < 0.5f))
    throw std::invalid_argument("low_level must be in [0, 0.5), got " + std::to_string(low_level));
  if (!(high_level > 0.5f && high_level <= 1.0f))
    throw std::invalid_argument("high_level must be in (0.5, 1], got " + std::to_string(high_level));
  if (!(anchor_range > 0.0f && std::isfinite(anchor_range)))
    throw std::invalid_argument("anchor_range must be > 0, got " + std::to_string(anchor_range));
  if (!(category_width > 0.0f && std::isfinite(category_width)))
    throw std::invalid_argument("category_width must be > 0, got " + std::to_string(category_width));
}

LatentMap::LatentMap(const LatentQuantiles& quantiles, LatentMapSettings settings, std::optional<Latent> anchor)
    : quantiles_(quantiles), settings_(settings), anchor_(anchor) {
  settings_.check();
  if (quantiles_.levels.size() < 2) throw std::invalid_argument("the model exports no latent quantiles");
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    if (quantiles_.values[d].size() != quantiles_.levels.size())
      throw std::invalid_argument("latent quantiles of dimension " + std::to_string(d + 1) + " have " +
                                  std::to_string(quantiles_.values[d].size()) + " values for " +
                                  std::to_string(quantiles_.levels.size()) + " levels");
    const float span = quantiles_.at(d, settings_.high_level) - quantiles_.at(d, settings_.low_level);
    half_[d] = settings_.anchor_range * span;
  }
}

LatentMap LatentMap::region(const LatentQuantiles& quantiles, LatentMapSettings settings, const Latent& centre,
                            const Latent& spread) {
  LatentMap m(quantiles, settings, centre);
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    if (!(spread[d] > 0.0f && std::isfinite(spread[d])))
      throw std::invalid_argument("a region's spread must be > 0 (dimension " + std::to_string(d + 1) + ")");
    m.half_[d] = m.settings_.category_width * spread[d];
  }
  return m;
}

float LatentMap::level(float position) const {
  // Two linear halves so that 64 lands on the median exactly and both ends reach
  // their configured levels although 0..127 has no integer centre.
  const float v = std::clamp(position, 0.0f, 127.0f);
  if (v <= 64.0f) return settings_.low_level + (0.5f - settings_.low_level) * (v / 64.0f);
  return 0.5f + (settings_.high_level - 0.5f) * ((v - 64.0f) / 63.0f);
}

float LatentMap::coordinate(std::size_t dim, float position) const {
  if (!anchor_) return quantiles_.at(dim, level(position));
  const float v = std::clamp(position, 0.0f, 127.0f);
  const float t = v <= 64.0f ? (v - 64.0f) / 64.0f : (v - 64.0f) / 63.0f;  // -1..1, 0 at 64
  return (*anchor_)[dim] + t * half_[dim];
}

float LatentMap::position(std::size_t dim, float z) const {
  float t;  // -1..1 as in coordinate()
  if (!anchor_) {
    const float q = quantiles_.level_of(dim, z);
    t = q <= 0.5f ? (q - 0.5f) / (0.5f - settings_.low_level) : (q - 0.5f) / (settings_.high_level - 0.5f);
  } else {
    t = (z - (*anchor_)[dim]) / half_[dim];
  }
  if (!std::isfinite(t)) return 64.0f;
  t = std::clamp(t, -1.0f, 1.0f);
  return t <= 0.0f ? 64.0f + 64.0f * t : 64.0f + 63.0f * t;
}

Latent LatentMap::latent(const KnobState& knobs) const {
  Latent z{};
  for (std::size_t d = 0; d < kLatentDims; ++d) z[d] = coordinate(d, float(knobs.values[d]));
  return z;
}

}  // namespace dxlatent
