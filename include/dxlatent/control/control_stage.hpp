#pragma once
// The control stage: everything the controller's events mean, without a thread
// and without the model. It folds each event into the knobs (CC learning
// through CcMap) and the sound's place in the latent space (KnobSpace, with
// takeover), tracks held keys, keeps the undo history, recognises the snapshot,
// undo and lock buttons and the program changes, and says which CCs and
// program changes thru must not pass to the synth. What happened since the last
// take_news() is what the engine tells its other threads.
// Pure; owned by the engine's decode thread (construction: control thread).

#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "dxlatent/control/cc_map.hpp"
#include "dxlatent/control/held_keys.hpp"
#include "dxlatent/control/knob_space.hpp"
#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/midi/messages.hpp"

namespace dxlatent {

/// What a program change on the control channel means. Only Thru passes it on.
enum class ProgramChangeUse : std::uint8_t {
  Thru,      ///< the synth switches to one of its own programs (if thru is on)
  Store,     ///< program N saves the current voice into snapshot slot N+1
  Recall,    ///< program N plays snapshot slot N+1
  Category,  ///< program 0 = the whole space, N = the N-th category region
};

struct ControlSettings {
  std::optional<std::uint8_t> snapshot_cc;  ///< rising through 64 requests a snapshot
  bool thru = true;                         ///< program changes reach the synth (it changes voice)
  std::vector<std::uint8_t> learn_ignore;   ///< never learned; thru passes them even while learning
  ProgramChangeUse program_change = ProgramChangeUse::Thru;
  std::optional<std::uint8_t> undo_cc;      ///< rising through 64: back to the previous voice
  std::optional<std::uint8_t> lock_cc;      ///< rising through 64: toggles the live lock set
  Takeover takeover = Takeover::PickUp;
  /// Knobs that rested this long (JACK frames) start a new step of the undo history.
  std::uint32_t rest_frames = 24000;
  std::size_t history = 32;                 ///< undo steps kept

};

/// What happened since the last take_news(): things the other threads act on.
struct ControlNews {
  std::uint8_t learned = 0;          ///< bit d: dimension d just learned its CC number
  bool keys_changed = false;
  bool synth_reset = false;          ///< a program change went to the synth: its voice is unknown
  std::vector<int> snapshot_slots;   ///< requested, in order: 0 = next free slot, else 1..32
  int recall_slot = 0;               ///< 1..32: play this snapshot slot (the newest request)
  bool lock_toggled = false;         ///< lock_on() changed
  bool undone = false;               ///< the sound went back one step of the history
  bool undo_empty = false;           ///< undo was asked for with no history left
  bool map_changed = false;          ///< a program change selected another region
  bool any() const {
    return learned || keys_changed || synth_reset || !snapshot_slots.empty() || recall_slot || lock_toggled ||
           undone || undo_empty || map_changed;
  }
};

struct ControlStats {
  std::uint64_t events = 0;        ///< events folded
  std::uint64_t knob_moves = 0;    ///< mapped CCs that changed a knob
};

class ControlStage {
 public:
  ControlStage(CcMap cc_map, ControlSettings settings, KnobSpace space);

  /// Folds one controller event (CC, note, program change; others are counted and ignored).
  void fold(const MidiEvent& event);
  ControlNews take_news();

  /// The sound is now exactly at z (a recalled voice). Undo returns to where it was.
  void place(const Latent& z);
  /// The point to decode.
  Latent latent() const { return space_.latent(); }

  /// The physical knobs: the last value each dimension's CC sent (64 until then).
  const KnobState& knobs() const { return knobs_; }
  const KnobSpace& space() const { return space_; }
  KnobSpace& space() { return space_; }
  const CcMap& cc_map() const { return cc_map_; }
  bool keys_held() const { return keys_.any(); }
  bool lock_on() const { return lock_on_; }
  std::size_t history_size() const { return history_.size(); }
  const ControlStats& stats() const { return stats_; }
  const ControlSettings& settings() const { return settings_; }
  /// CCs that thru must not forward: the knobs (while learning, every number that
  /// could still become one) and the snapshot, undo and lock buttons. Changes
  /// only when news says a dimension was learned.
  std::bitset<128> thru_blocked_ccs() const;

 private:
  void remember(const KnobSpace::State& state);
  bool pressed(std::optional<std::uint8_t> cc, const MidiEvent& e, std::uint8_t& last);

  CcMap cc_map_;
  ControlSettings settings_;
  KnobSpace space_;
  HeldKeys keys_;
  KnobState knobs_;
  std::uint8_t snapshot_cc_value_ = 0, undo_cc_value_ = 0, lock_cc_value_ = 0;
  bool lock_on_ = false;
  std::vector<KnobSpace::State> history_;  ///< oldest first, at most settings_.history
  bool resting_ = true;                    ///< the next knob move starts a new history step
  std::uint32_t last_move_frame_ = 0;
  ControlNews news_;
  ControlStats stats_;
};

}  // namespace dxlatent
