#pragma once
// The eight physical knobs as their CCs last said (64 until a knob moved).
// Where the sound is can differ (takeover, resumed voices): that is KnobSpace.
// Pure value type: any thread.

#include <array>
#include <cstddef>
#include <cstdint>

#include "dxlatent/control/latent.hpp"

namespace dxlatent {

struct KnobState {
  /// MIDI CC values 0..127, one per latent dimension; 64 until a knob moves,
  /// because a controller does not report where its knobs stand.
  std::array<std::uint8_t, kLatentDims> values{64, 64, 64, 64, 64, 64, 64, 64};

  bool operator==(const KnobState&) const = default;
};

}  // namespace dxlatent
