#pragma once
// The eight knob values that select a point of the latent space. The engine
// caches decoded voices by this exact state, so it is small, comparable and
// hashable. Pure value type: any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "dxlatent/control/latent.hpp"

namespace dxlatent {

struct KnobState {
  /// MIDI CC values 0..127, one per latent dimension; 64 (the centre) until a knob moves,
  /// because a controller does not report where its knobs stand.
  std::array<std::uint8_t, kLatentDims> values{64, 64, 64, 64, 64, 64, 64, 64};

  bool operator==(const KnobState&) const = default;

  /// The eight 7-bit values packed into one integer: a cheap exact cache key.
  std::uint64_t key() const {
    std::uint64_t k = 0;
    for (std::size_t i = 0; i < kLatentDims; ++i) k |= std::uint64_t(values[i] & 0x7F) << (8 * i);
    return k;
  }
};

}  // namespace dxlatent

template <>
struct std::hash<dxlatent::KnobState> {
  std::size_t operator()(const dxlatent::KnobState& s) const noexcept {
    return std::hash<std::uint64_t>{}(s.key());
  }
};
