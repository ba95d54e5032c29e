#pragma once
// A synth hosted inside dxlatent's own JACK client (issue 10's built-in monitor):
// JackClient gives it an audio output port and, every period, the controller's
// messages that thru forwards, so that a musician without Dexed hears the decoded
// voices. jack/ knows only this interface; the hexter host is monitor/HexterMonitor.

#include <cstddef>
#include <cstdint>
#include <span>

namespace dxlatent {

/// One short channel message of the current period, for the monitor.
struct MonitorEvent {
  std::uint32_t offset = 0;  ///< frame within the period (0 .. frames-1), non-decreasing
  std::uint8_t status = 0;   ///< e.g. 0x90 | channel
  std::uint8_t data1 = 0;
  std::uint8_t data2 = 0;    ///< 0 for two-byte messages
};

class AudioMonitor {
 public:
  /// At most this many events reach process() in one period; more are counted
  /// by JackClient (monitor_dropped) and not delivered.
  static constexpr std::size_t kMaxEventsPerPeriod = 256;

  virtual ~AudioMonitor() = default;
  /// Control thread, while the JACK client is open but not active (from
  /// JackClient::open() and reconnect(), so again after a server restart, maybe
  /// at another rate): instantiate, allocate. Throws std::exception to make the
  /// open fail with its message.
  virtual void prepare(std::uint32_t sample_rate, std::uint32_t period_frames) = 0;
  /// Process thread [rt]: renders `frames` samples into `out` (JACK's port
  /// buffer), playing `events`. Must not allocate, lock, wait or log.
  virtual void process(std::span<const MonitorEvent> events, float* out, std::uint32_t frames) noexcept = 0;
};

}  // namespace dxlatent
