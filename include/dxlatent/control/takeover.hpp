#pragma once
// Knob takeover: what a knob does when the sound is not where the knob is.
// A controller's knobs rarely sit where the sound is: after a resumed voice, a
// recalled snapshot, an undo or a new category region the sound has moved and
// the knobs have not. Musicians know three answers from hardware synths:
//   jump     the first touch sets the value to the knob's (the sound jumps);
//   pick-up  the knob does nothing until it crosses the sound's value, then
//            takes over (no jump, but a dead stretch of travel);
//   scale    the knob moves the value towards the end it turns to, in
//            proportion to the travel left, so they meet at that end (no
//            jump, no dead travel; the knob acts finer or coarser until then).
// One KnobTakeover per latent dimension, in knob units (0..127, fractional:
// a resumed latent rarely sits on a whole knob step). Pure value type; owned
// by the decode thread.

#include <cstdint>
#include <optional>
#include <string_view>

namespace dxlatent {

enum class Takeover : std::uint8_t { Jump, PickUp, Scale };

/// "jump", "pick-up" (also "pickup", "pick_up") or "scale"; nullopt otherwise.
std::optional<Takeover> parse_takeover(std::string_view name);
std::string_view to_string(Takeover mode);
/// "jump, pick-up, scale", for messages.
std::string_view takeover_names();

class KnobTakeover {
 public:
  /// Starts at the centre with the knob engaged (nothing to protect yet).
  explicit KnobTakeover(Takeover mode = Takeover::PickUp) : mode_(mode) {}

  /// The sound moved under the knob (resume, recall, undo, a region change):
  /// `position` (clamped to 0..127) is where it is now, and the knob no longer
  /// agrees with it until the takeover mode says so.
  void place(float position);
  /// A CC value of this knob arrived. Returns true when position() changed.
  bool move(std::uint8_t value);

  float position() const { return position_; }
  /// The knob and the sound agree: the next move changes the sound directly.
  bool engaged() const { return engaged_; }
  /// The last value the physical knob sent; nullopt until it sent one.
  std::optional<std::uint8_t> physical() const { return physical_; }
  Takeover mode() const { return mode_; }

 private:
  Takeover mode_;
  float position_ = 64.0f;
  bool engaged_ = true;
  std::optional<std::uint8_t> physical_;
};

}  // namespace dxlatent
