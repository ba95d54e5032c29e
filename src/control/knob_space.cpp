#include "dxlatent/control/knob_space.hpp"

#include <stdexcept>
#include <string>

namespace dxlatent {

KnobSpace::KnobSpace(std::vector<LatentMap> maps, Takeover mode) : maps_(std::move(maps)) {
  if (maps_.empty()) throw std::invalid_argument("KnobSpace needs at least one map");
  knobs_.fill(KnobTakeover(mode));
}

bool KnobSpace::move(std::size_t dim, std::uint8_t value) {
  auto& k = knobs_.at(dim);
  if (!k.move(value)) {
    // A knob that takes over exactly where the sound is still releases a held
    // coordinate: from now on the knob owns it.
    if (k.engaged() && state_.held[dim]) {
      const float before = *state_.held[dim];
      state_.held[dim].reset();
      state_.positions[dim] = k.position();
      return map().coordinate(dim, k.position()) != before;
    }
    return false;
  }
  state_.positions[dim] = k.position();
  state_.held[dim].reset();
  return true;
}

void KnobSpace::place(const Latent& z) {
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    state_.held[d] = z[d];
    state_.positions[d] = map().position(d, z[d]);
  }
  put_knobs_at_positions();
}

void KnobSpace::select_map(std::size_t index, bool fresh) {
  if (index >= maps_.size())
    throw std::out_of_range("map " + std::to_string(index) + " of " + std::to_string(maps_.size()));
  state_ = State{};
  state_.map = index;
  if (fresh) {
    for (auto& k : knobs_) k = KnobTakeover(k.mode());
  } else {
    put_knobs_at_positions();
  }
}

void KnobSpace::restore(const State& s) {
  if (s.map >= maps_.size()) throw std::out_of_range("restored map " + std::to_string(s.map));
  state_ = s;
  put_knobs_at_positions();
}

void KnobSpace::put_knobs_at_positions() {
  for (std::size_t d = 0; d < kLatentDims; ++d) knobs_[d].place(state_.positions[d]);
}

Latent KnobSpace::latent() const {
  Latent z{};
  for (std::size_t d = 0; d < kLatentDims; ++d)
    z[d] = state_.held[d] ? *state_.held[d] : map().coordinate(d, state_.positions[d]);
  return z;
}

std::bitset<kLatentDims> KnobSpace::engaged() const {
  std::bitset<kLatentDims> b;
  for (std::size_t d = 0; d < kLatentDims; ++d) b[d] = knobs_[d].engaged();
  return b;
}

}  // namespace dxlatent
