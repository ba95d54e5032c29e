#pragma once
// Knob value (0..127) -> latent coordinate. By default through the quantiles of
// the training voices' latents that the model exports, so a knob's travel covers
// the voices that exist (0 -> low level, 64 -> the median, 127 -> high level).
// Anchored, the knobs move around one voice's latent point instead: 64 is the
// anchor exactly and full travel spans +-range of the dimension's quantile span.
// Pure; any thread once built (the decode thread uses it).

#include <cstdint>
#include <optional>

#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/control/latent.hpp"

namespace dxlatent {

struct LatentMapSettings {
  float low_level = 0.005f;   ///< quantile level at knob 0
  float high_level = 0.995f;  ///< quantile level at knob 127 (64 is always the median)
  float anchor_range = 0.5f;  ///< anchored: knob 0/127 = anchor -/+ range * (q(high) - q(low))

  /// Throws std::invalid_argument naming the field when the settings make no sense.
  void check() const;
};

class LatentMap {
 public:
  /// quantiles: from VoiceDecoder::quantiles() (copied). Throws std::invalid_argument
  /// on bad settings or quantiles that are empty or not one row per level.
  LatentMap(const LatentQuantiles& quantiles, LatentMapSettings settings = {},
            std::optional<Latent> anchor = std::nullopt);

  /// The quantile level a knob value selects (not anchored): 0 -> low, 64 -> 0.5, 127 -> high.
  float level(std::uint8_t value) const;
  float coordinate(std::size_t dim, std::uint8_t value) const;
  Latent latent(const KnobState& knobs) const;

  const std::optional<Latent>& anchor() const { return anchor_; }
  const LatentMapSettings& settings() const { return settings_; }

 private:
  LatentQuantiles quantiles_;
  LatentMapSettings settings_;
  std::optional<Latent> anchor_;
  Latent span_{};  ///< q(high) - q(low) per dimension
};

}  // namespace dxlatent
