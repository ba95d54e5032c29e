#include "dxlatent/control/held_keys.hpp"

namespace dxlatent {

bool HeldKeys::apply(const MidiEvent& e) {
  const auto ch = e.channel();
  switch (e.type()) {
    case 0x90:
      notes_[ch].set(e.data1 & 0x7F, e.data2 != 0);
      break;
    case 0x80:
      notes_[ch].reset(e.data1 & 0x7F);
      break;
    case 0xB0:
      if (e.data1 == 64) {
        sustain_.set(ch, e.data2 >= 64);
      } else if (e.data1 == 120 || e.data1 == 123) {
        // Both silence the channel on the synth; the pedal state is left alone
        // (all-notes-off does not lift a pedal, and a later note would sustain).
        notes_[ch].reset();
        if (e.data1 == 120) sustain_.reset(ch);
      }
      break;
    default:
      return false;
  }
  bool now = sustain_.any();
  for (const auto& n : notes_) now = now || n.any();
  const bool changed = now != any_;
  any_ = now;
  return changed;
}

int HeldKeys::notes_down() const {
  int n = 0;
  for (const auto& c : notes_) n += int(c.count());
  return n;
}

}  // namespace dxlatent
