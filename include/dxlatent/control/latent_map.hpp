#pragma once
// Knob position (0..127) -> latent coordinate, and back. Three kinds of map:
//   whole space (default): through the quantiles of the training voices' latents
//     that the model exports, so a knob's travel covers the voices that exist
//     (0 -> low level, 64 -> the median, 127 -> high level);
//   anchored: the knobs move around one voice's latent point: 64 is the anchor
//     exactly and full travel spans +-anchor_range of the dimension's quantile span;
//   a region (a kind of sound): 64 is the region's centre and full travel spans
//     +-category_width standard deviations of the region.
// Positions are floats because takeover (scale) and resumed latents fall between
// whole knob steps. Pure; any thread once built (the decode thread uses it).

#include <cstdint>
#include <optional>

#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/control/latent.hpp"

namespace dxlatent {

struct LatentMapSettings {
  float low_level = 0.005f;   ///< quantile level at knob 0
  float high_level = 0.995f;  ///< quantile level at knob 127 (64 is always the median)
  float anchor_range = 0.5f;  ///< anchored: knob 0/127 = anchor -/+ range * (q(high) - q(low))
  float category_width = 2.0f;  ///< region: knob 0/127 = centre -/+ width * the region's std

  /// Throws std::invalid_argument naming the field when the settings make no sense.
  void check() const;
};

class LatentMap {
 public:
  /// quantiles: from VoiceDecoder::quantiles() (copied). Throws std::invalid_argument
  /// on bad settings or quantiles that are empty or not one row per level.
  LatentMap(const LatentQuantiles& quantiles, LatentMapSettings settings = {},
            std::optional<Latent> anchor = std::nullopt);
  /// A region: 64 is `centre`, 0/127 are centre -/+ settings.category_width * spread.
  /// Throws std::invalid_argument when a spread is not > 0.
  static LatentMap region(const LatentQuantiles& quantiles, LatentMapSettings settings, const Latent& centre,
                          const Latent& spread);

  /// The quantile level a knob value selects (whole space): 0 -> low, 64 -> 0.5, 127 -> high.
  float level(float position) const;
  float coordinate(std::size_t dim, float position) const;
  /// The inverse of coordinate(): where on the knob's travel z lies (clamped to 0..127).
  float position(std::size_t dim, float z) const;
  Latent latent(const KnobState& knobs) const;

  /// The centre of an anchored map or a region; nullopt for the whole space.
  const std::optional<Latent>& anchor() const { return anchor_; }
  const LatentMapSettings& settings() const { return settings_; }

 private:
  LatentQuantiles quantiles_;
  LatentMapSettings settings_;
  std::optional<Latent> anchor_;
  Latent half_{};  ///< anchored or region: the coordinate change from 64 to either end
};

}  // namespace dxlatent
