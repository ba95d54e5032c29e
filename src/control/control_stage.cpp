#include "dxlatent/control/control_stage.hpp"

#include <utility>

namespace dxlatent {

ControlStage::ControlStage(CcMap cc_map, ControlSettings settings, KnobSpace space)
    : cc_map_(std::move(cc_map)), settings_(std::move(settings)), space_(std::move(space)) {
  history_.reserve(settings_.history + 1);
}

// A button sends 127 then 0 (or only 127): act on the press only.
bool ControlStage::pressed(std::optional<std::uint8_t> cc, const MidiEvent& e, std::uint8_t& last) {
  if (!cc || e.data1 != *cc) return false;
  const bool press = e.data2 >= 64 && last < 64;
  last = e.data2;
  return press;
}

// One undo step is where the sound rested: before the first move after the
// knobs were still for settings_.rest_frames, after a note was played, or
// before a jump (recall, a region, undo's own target is not recorded).
void ControlStage::remember(const KnobSpace::State& state) {
  if (!history_.empty() && history_.back() == state) return;
  history_.push_back(state);
  if (history_.size() > settings_.history) history_.erase(history_.begin());
}

void ControlStage::place(const Latent& z) {
  remember(space_.state());
  space_.place(z);
  resting_ = true;
}

void ControlStage::fold(const MidiEvent& e) {
  ++stats_.events;
  if (keys_.apply(e)) news_.keys_changed = true;
  if (e.type() == 0x90 && e.data2 != 0) resting_ = true;  // a voice that was played is worth going back to
  switch (e.type()) {
    case 0xB0: {
      if (settings_.snapshot_cc && e.data1 == *settings_.snapshot_cc) {
        if (pressed(settings_.snapshot_cc, e, snapshot_cc_value_)) news_.snapshot_slots.push_back(0);
        return;
      }
      if (settings_.undo_cc && e.data1 == *settings_.undo_cc) {
        if (!pressed(settings_.undo_cc, e, undo_cc_value_)) return;
        if (history_.empty()) {
          news_.undo_empty = true;
          return;
        }
        space_.restore(history_.back());
        history_.pop_back();
        resting_ = true;
        news_.undone = true;
        return;
      }
      if (settings_.lock_cc && e.data1 == *settings_.lock_cc) {
        if (pressed(settings_.lock_cc, e, lock_cc_value_)) {
          lock_on_ = !lock_on_;
          news_.lock_toggled = !news_.lock_toggled;
        }
        return;
      }
      const auto r = cc_map_.map(e.channel(), e.data1);
      if (!r) return;
      if (r->newly_learned) news_.learned |= std::uint8_t(1u << r->dim);
      const std::uint8_t value = e.data2 & 0x7F;
      if (knobs_.values[r->dim] != value) ++stats_.knob_moves;
      knobs_.values[r->dim] = value;
      // Where the sound was before this gesture, remembered once it moves.
      if (e.frame - last_move_frame_ >= settings_.rest_frames) resting_ = true;
      const KnobSpace::State before = space_.state();
      if (space_.move(r->dim, value) && resting_) {
        remember(before);
        resting_ = false;
      }
      last_move_frame_ = e.frame;
      return;
    }
    case 0xC0: {
      if (cc_map_.channel() && e.channel() != *cc_map_.channel()) return;
      switch (settings_.program_change) {
        case ProgramChangeUse::Store:
          if (e.data1 < 32) news_.snapshot_slots.push_back(e.data1 + 1);
          return;
        case ProgramChangeUse::Recall:
          if (e.data1 < 32) news_.recall_slot = e.data1 + 1;
          return;
        case ProgramChangeUse::Category:
          if (e.data1 < space_.map_count()) {
            remember(space_.state());
            space_.select_map(e.data1);
            resting_ = true;
            news_.map_changed = true;
          }
          return;
        case ProgramChangeUse::Thru:
          // Thru passed it on: the synth switched to one of its own programs.
          if (settings_.thru) news_.synth_reset = true;
          return;
      }
      return;
    }
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
  for (const auto& button : {settings_.snapshot_cc, settings_.undo_cc, settings_.lock_cc})
    if (button) b.set(*button);
  return b;
}

}  // namespace dxlatent
