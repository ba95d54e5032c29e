#include "dxlatent/control/control_stage.hpp"

#include <utility>

namespace dxlatent {

ControlStage::ControlStage(CcMap cc_map, ControlSettings settings)
    : cc_map_(std::move(cc_map)), settings_(std::move(settings)) {}

void ControlStage::fold(const MidiEvent& e) {
  ++stats_.events;
  if (keys_.apply(e)) news_.keys_changed = true;
  switch (e.type()) {
    case 0xB0: {
      if (settings_.snapshot_cc && e.data1 == *settings_.snapshot_cc) {
        // A button sends 127 then 0 (or only 127): act on the press only.
        if (e.data2 >= 64 && snapshot_cc_value_ < 64) news_.snapshot_slots.push_back(0);
        snapshot_cc_value_ = e.data2;
        return;
      }
      const auto r = cc_map_.map(e.channel(), e.data1);
      if (!r) return;
      if (r->newly_learned) news_.learned |= std::uint8_t(1u << r->dim);
      if (knobs_.values[r->dim] != (e.data2 & 0x7F)) {
        knobs_.values[r->dim] = e.data2 & 0x7F;
        ++stats_.knob_moves;
      }
      return;
    }
    case 0xC0:
      if (cc_map_.channel() && e.channel() != *cc_map_.channel()) return;
      if (settings_.snapshot_program_change && e.data1 < 32) news_.snapshot_slots.push_back(e.data1 + 1);
      // Thru passed it on: the synth switched to one of its own programs.
      if (settings_.thru) news_.synth_reset = true;
      return;
    default:
      return;
  }
}

ControlNews ControlStage::take_news() { return std::exchange(news_, {}); }

std::bitset<128> ControlStage::thru_blocked_ccs() const {
  std::bitset<128> b;
  if (!cc_map_.complete()) {
    for (int cc = 0; cc < 120; ++cc) b.set(std::size_t(cc));
    for (auto cc : settings_.learn_ignore) b.reset(cc);
  }
  for (const auto& n : cc_map_.numbers())
    if (n) b.set(*n);
  if (settings_.snapshot_cc) b.set(*settings_.snapshot_cc);
  return b;
}

}  // namespace dxlatent
