#pragma once
// A second JACK client that plays the musician and the synth for `dxlatent demo`
// and bench/latency_bench: it sends controller messages into a port (`<name>:out`,
// connect it to dxlatent:control_in) and records what arrives on `<name>:in`
// (connect dxlatent:synth_out to it), stamping both with JACK frame times.
// Its process callback touches only preallocated lock-free queues.
//
// Threads: construct/destroy and connect on the control thread; send() from one
// producer thread; take_received()/take_sent() from one consumer thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <sys/types.h>
#include <vector>

#include "dxlatent/midi/messages.hpp"

namespace dxlatent {

struct ProbeMessage {
  std::uint32_t frame = 0;  ///< frame time it was written / read
  std::uint64_t usecs = 0;  ///< jack_frames_to_time(frame): microseconds, JACK's clock
  std::uint16_t size = 0;
  std::array<std::uint8_t, kMaxOutMessage> bytes{};
};

class ProbeClient {
 public:
  /// Opens `name` on `server` ("" = default), registers in/out, activates.
  /// Throws std::runtime_error when JACK refuses.
  ProbeClient(const std::string& name, const std::string& server = {});
  ~ProbeClient();
  ProbeClient(const ProbeClient&) = delete;
  ProbeClient& operator=(const ProbeClient&) = delete;

  std::string out_port() const;
  std::string in_port() const;
  /// jack_connect; throws std::runtime_error naming both ports on failure.
  void connect(const std::string& source, const std::string& destination);

  /// Queues a short message (<= 3 bytes) for the next period. False when full.
  bool send(std::span<const std::uint8_t> bytes);
  /// Messages written to `out` since the last call, with their frame times.
  std::vector<ProbeMessage> take_sent();
  /// Messages read on `in` since the last call (SysEx up to 163 bytes kept whole).
  std::vector<ProbeMessage> take_received();
  std::uint32_t frame_time() const;  ///< jack_frame_time(): now, in frames
  std::uint32_t sample_rate() const;
  std::uint32_t period() const;
  std::uint64_t xruns() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dxlatent
