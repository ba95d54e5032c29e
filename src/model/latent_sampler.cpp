#include "dxlatent/model/latent_sampler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

namespace dxlatent {

double LatentSampler::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

double LatentSampler::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
  has_spare_ = true;
  return r * std::cos(2.0 * std::numbers::pi * u2);
}

Latent LatentSampler::prior() {
  Latent z;
  for (auto& x : z) x = static_cast<float>(normal());
  return z;
}

Latent LatentSampler::around(const Latent& mean, const Latent& std) {
  Latent z;
  for (std::size_t d = 0; d < kLatentDims; ++d)
    z[d] = static_cast<float>(mean[d] + std[d] * normal());
  return z;
}

Voice LatentSampler::sample_voice(std::span<const float> logits, std::size_t width, float temperature) {
  if (logits.size() != kSoundParams * width)
    throw std::invalid_argument("sample_voice: expected 145 x " + std::to_string(width) + " logits");
  const auto& table = param_table();
  Voice v;
  std::vector<double> weight(width);
  for (std::size_t p = 0; p < kSoundParams; ++p) {
    const float* l = logits.data() + p * width;
    const std::size_t card = std::min<std::size_t>(table[p].max + 1u, width);
    std::size_t best = 0;
    for (std::size_t k = 1; k < card; ++k)
      if (l[k] > l[best]) best = k;
    std::size_t pick = best;
    if (temperature > 0.0f) {
      // Softmax relative to the maximum: no overflow, and the best value always weighs 1.
      double total = 0.0;
      for (std::size_t k = 0; k < card; ++k) {
        weight[k] = std::exp((static_cast<double>(l[k]) - l[best]) / temperature);
        total += weight[k];
      }
      double u = uniform() * total;
      pick = card - 1;
      for (std::size_t k = 0; k < card; ++k) {
        if (u < weight[k]) {
          pick = k;
          break;
        }
        u -= weight[k];
      }
      // Rounding can leave u just above the last weights; never pick a value of weight 0.
      while (weight[pick] == 0.0 && pick > 0) --pick;
      if (weight[pick] == 0.0) pick = best;
    }
    v.bytes[p] = static_cast<std::uint8_t>(pick);
  }
  std::fill(v.bytes.begin() + kNameOffset, v.bytes.end(), static_cast<std::uint8_t>(' '));
  return v;
}

}  // namespace dxlatent
