#include "dxlatent/control/takeover.hpp"

#include <algorithm>
#include <cmath>

namespace dxlatent {

namespace {
// A knob within this many steps of the sound counts as on it: a controller
// sends whole steps, the sound may sit between two.
constexpr float kCatch = 1.0f;
}  // namespace

std::optional<Takeover> parse_takeover(std::string_view n) {
  if (n == "jump") return Takeover::Jump;
  if (n == "pick-up" || n == "pickup" || n == "pick_up") return Takeover::PickUp;
  if (n == "scale") return Takeover::Scale;
  return std::nullopt;
}

std::string_view to_string(Takeover m) {
  switch (m) {
    case Takeover::Jump: return "jump";
    case Takeover::PickUp: return "pick-up";
    case Takeover::Scale: return "scale";
  }
  return "?";
}

std::string_view takeover_names() { return "jump, pick-up, scale"; }

void KnobTakeover::place(float position) {
  position_ = std::clamp(std::isfinite(position) ? position : 64.0f, 0.0f, 127.0f);
  engaged_ = physical_ && std::fabs(float(*physical_) - position_) < 0.5f;
}

bool KnobTakeover::move(std::uint8_t value) {
  const float v = float(std::min<std::uint8_t>(value, 127));
  const std::optional<std::uint8_t> before = physical_;
  physical_ = std::uint8_t(v);
  const float old = position_;
  if (engaged_ || mode_ == Takeover::Jump) {
    engaged_ = true;
    position_ = v;
    return position_ != old;
  }
  if (mode_ == Takeover::PickUp) {
    // Takes over on reaching the sound: within a step of it, or having crossed
    // it since the last message (a fast turn skips values).
    const bool crossed = before && (float(*before) - position_) * (v - position_) <= 0.0f;
    if (crossed || std::fabs(v - position_) <= kCatch) {
      engaged_ = true;
      position_ = v;
    }
    return position_ != old;
  }
  // Scale: the first message only tells where the knob is.
  if (!before) {
    if (std::fabs(v - position_) <= kCatch) {
      engaged_ = true;
      position_ = v;
    }
    return position_ != old;
  }
  const float p = float(*before);
  if (v > p) {
    position_ += (v - p) * (127.0f - position_) / (127.0f - p);
  } else if (v < p) {
    position_ -= (p - v) * position_ / p;
  }
  position_ = std::clamp(position_, 0.0f, 127.0f);
  if (std::fabs(v - position_) < 0.5f) {
    engaged_ = true;
    position_ = v;
  }
  return position_ != old;
}

}  // namespace dxlatent
