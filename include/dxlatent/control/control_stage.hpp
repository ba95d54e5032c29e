#pragma once
// The control stage: everything the controller's events mean, without a thread
// and without the model. It folds each event into the knob state (CC learning
// through CcMap), tracks held keys, recognises the snapshot CC and program
// changes, and says which CCs thru must not pass to the synth. What happened
// since the last take_news() is what the engine tells its other threads.
// Pure; owned by the engine's decode thread (construction: control thread).

#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "dxlatent/control/cc_map.hpp"
#include "dxlatent/control/held_keys.hpp"
#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/midi/messages.hpp"

namespace dxlatent {

struct ControlSettings {
  std::optional<std::uint8_t> snapshot_cc;  ///< rising through 64 requests a snapshot
  bool snapshot_program_change = false;     ///< program change N requests slot N+1
  bool thru = true;                         ///< program changes reach the synth (it changes voice)
  std::vector<std::uint8_t> learn_ignore;   ///< never learned; thru passes them even while learning
};

/// What happened since the last take_news(): things the other threads act on.
struct ControlNews {
  std::uint8_t learned = 0;          ///< bit d: dimension d just learned its CC number
  bool keys_changed = false;
  bool synth_reset = false;          ///< a program change went to the synth: its voice is unknown
  std::vector<int> snapshot_slots;   ///< requested, in order: 0 = next free slot, else 1..32
  bool any() const { return learned || keys_changed || synth_reset || !snapshot_slots.empty(); }
};

struct ControlStats {
  std::uint64_t events = 0;        ///< events folded
  std::uint64_t knob_moves = 0;    ///< mapped CCs that changed a knob
};

class ControlStage {
 public:
  ControlStage(CcMap cc_map, ControlSettings settings = {});

  /// Folds one controller event (CC, note, program change; others are counted and ignored).
  void fold(const MidiEvent& event);
  ControlNews take_news();

  const KnobState& knobs() const { return knobs_; }
  const CcMap& cc_map() const { return cc_map_; }
  bool keys_held() const { return keys_.any(); }
  const ControlStats& stats() const { return stats_; }
  /// CCs that thru must not forward: the knobs (while learning, every number that
  /// could still become one) and the snapshot trigger. Changes only when news
  /// says a dimension was learned.
  std::bitset<128> thru_blocked_ccs() const;

 private:
  CcMap cc_map_;
  ControlSettings settings_;
  HeldKeys keys_;
  KnobState knobs_;
  std::uint8_t snapshot_cc_value_ = 0;
  ControlNews news_;
  ControlStats stats_;
};

}  // namespace dxlatent
