#pragma once
// Whether any key is down on the synth, as far as the controller's notes tell
// (they reach the synth through MIDI thru). In auto mode the writer sends only
// parameter changes while this is true, because a voice dump cuts sounding notes
// on Dexed. A held sustain pedal counts as held: the notes it keeps would be cut too.
// Pure; owned by the decode thread.

#include <array>
#include <bitset>
#include <cstdint>

#include "dxlatent/midi/messages.hpp"

namespace dxlatent {

class HeldKeys {
 public:
  /// Folds one channel message in: note on (velocity 0 = off), note off, CC 64
  /// (sustain), CC 120 (all sound off) and CC 123 (all notes off). Returns true
  /// when any() changed.
  bool apply(const MidiEvent& event);
  bool any() const { return any_; }
  int notes_down() const;

 private:
  std::array<std::bitset<128>, 16> notes_{};
  std::bitset<16> sustain_{};
  bool any_ = false;
};

}  // namespace dxlatent
