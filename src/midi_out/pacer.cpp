#include "dxlatent/midi_out/pacer.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dxlatent {

// 31,250 baud, 10 bits per byte (start, 8 data, stop) = 320 us a byte.
PacingProfile PacingProfile::dx7() {
  return PacingProfile{std::chrono::microseconds{320}, std::chrono::milliseconds{50},
                       std::chrono::milliseconds{100}};
}

// Dexed reads JACK or ALSA sequencer events: no wire to respect and no
// receive buffer to overflow, so the only limit is what the port takes.
PacingProfile PacingProfile::dexed() { return PacingProfile{}; }

PacingProfile PacingProfile::named(std::string_view name) {
  if (name == "dx7") return dx7();
  if (name == "dexed") return dexed();
  throw std::invalid_argument("unknown pacing profile '" + std::string(name) +
                              "' (accepted: dx7, dexed)");
}

Pacer::Pacer(PacingProfile profile) : profile_(profile) {}

Clock::time_point Pacer::ready_at() const { return ready_at_; }

void Pacer::sent(std::size_t bytes, MessageKind kind, Clock::time_point now) {
  // A message handed over before the wire was free only starts once the previous
  // one and its gap are over (the interface queues it), so the schedule never
  // outruns the wire even when the caller sends early.
  const Clock::time_point start = std::max(now, ready_at_);
  std::chrono::microseconds gap{0};
  switch (kind) {
    case MessageKind::ParamChange: gap = profile_.gap_after_param; break;
    case MessageKind::VoiceDump: gap = profile_.gap_after_voice; break;
    case MessageKind::Other: break;
  }
  ready_at_ = start + profile_.byte_time * static_cast<long>(bytes) + gap;
}

}  // namespace dxlatent
