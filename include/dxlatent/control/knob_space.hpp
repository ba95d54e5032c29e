#pragma once
// Where the sound is in the latent space, and how the eight knobs move it.
// Each dimension is either held at an exact coordinate (a resumed, recalled or
// start voice's latent, until its knob takes over) or at a knob position on the
// current map. A knob move changes only its own dimension: the other seven keep
// whatever they hold (issue 14: after a resume, nudging one knob made the other
// seven jump to the median). Takeover (control/takeover.hpp) decides when a
// knob that disagrees with the sound takes over.
// Maps: index 0 is the base (whole space or anchored), 1.. are category regions.
// Pure; owned by the decode thread.

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "dxlatent/control/latent_map.hpp"
#include "dxlatent/control/takeover.hpp"

namespace dxlatent {

class KnobSpace {
 public:
  /// Everything that says where the sound is: what undo restores.
  struct State {
    std::size_t map = 0;
    std::array<float, kLatentDims> positions{64, 64, 64, 64, 64, 64, 64, 64};
    std::array<std::optional<float>, kLatentDims> held{};
    bool operator==(const State&) const = default;
  };

  /// maps: at least one (the base). Throws std::invalid_argument when empty.
  KnobSpace(std::vector<LatentMap> maps, Takeover mode);

  /// Dimension `dim`'s knob sent `value`. True when the latent changed.
  bool move(std::size_t dim, std::uint8_t value);
  /// The sound is now exactly at z (a resumed or recalled voice's latent): every
  /// dimension holds its coordinate until its knob takes over.
  void place(const Latent& z);
  /// Switches to map `index` (0: base, 1..: regions) with the sound at its
  /// centre. During a performance the knobs must then take over (the sound
  /// moved under them); at the start (`fresh`) there is no sound to protect and
  /// every knob is engaged. Throws std::out_of_range for an unknown index.
  void select_map(std::size_t index, bool fresh = false);
  /// Puts the sound back where `state` says (undo); the knobs must take over again.
  void restore(const State& state);

  Latent latent() const;
  const State& state() const { return state_; }
  std::size_t map_count() const { return maps_.size(); }
  const LatentMap& map() const { return maps_[state_.map]; }
  /// Bit d: dimension d's knob agrees with the sound.
  std::bitset<kLatentDims> engaged() const;
  const std::array<KnobTakeover, kLatentDims>& knobs() const { return knobs_; }

 private:
  void put_knobs_at_positions();

  std::vector<LatentMap> maps_;
  State state_;
  std::array<KnobTakeover, kLatentDims> knobs_;
};

}  // namespace dxlatent
