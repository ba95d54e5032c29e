#pragma once
// Wire pacing for a hardware DX7 (../shared/docs/synth-targets.md): a DIN MIDI
// byte takes 320 us, and a DX7 needs a rest after each message or its 380-byte
// buffer overflows. Pure and clock-injected: the caller passes "now", so tests
// drive it with a fake clock. Not thread-safe: owned by the SysEx writer thread.

#include <chrono>
#include <cstddef>
#include <string_view>

namespace dxlatent {

using Clock = std::chrono::steady_clock;

enum class MessageKind { ParamChange, VoiceDump, Other };

struct PacingProfile {
  std::chrono::microseconds byte_time{0};        ///< 320 us on a DIN wire, 0 over JACK
  std::chrono::milliseconds gap_after_param{0};  ///< rest after a parameter change
  std::chrono::milliseconds gap_after_voice{0};  ///< rest after a voice dump

  static PacingProfile dx7();    ///< 320 us/byte, 50 ms, 100 ms
  static PacingProfile dexed();  ///< no wire limit, no gaps
  /// "dx7" or "dexed"; throws std::invalid_argument naming the accepted ones.
  static PacingProfile named(std::string_view name);
};

class Pacer {
 public:
  explicit Pacer(PacingProfile profile);
  /// The earliest time the next message may start.
  Clock::time_point ready_at() const;
  bool ready(Clock::time_point now) const { return now >= ready_at(); }
  /// Records that a message of `bytes` bytes started at `now`: the wire is busy
  /// for bytes * byte_time, then the kind's gap must pass.
  void sent(std::size_t bytes, MessageKind kind, Clock::time_point now);
  const PacingProfile& profile() const { return profile_; }

 private:
  PacingProfile profile_;
  Clock::time_point ready_at_{};
};

}  // namespace dxlatent
