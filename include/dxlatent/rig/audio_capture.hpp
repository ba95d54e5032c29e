#pragma once
// A JACK client that records one audio input (`<name>:in`) into memory: what the
// built-in monitor (dxlatent:monitor_out) plays, for its tests and for a demo
// or benchmark that wants to hear it. Its process callback only copies into a
// buffer allocated up front and publishes how far it got (one atomic): no
// allocation, no lock.
//
// Threads: construct/destroy and connect on the control thread; frames() and
// copy() from any one reader thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dxlatent {

class AudioCaptureClient {
 public:
  /// Opens `name` on `server` ("" = default), registers `<name>:in`, activates
  /// and records from then on, up to `seconds` at the server's rate (then stops,
  /// counting what did not fit). Throws std::runtime_error when JACK refuses.
  AudioCaptureClient(const std::string& name, double seconds, const std::string& server = {});
  ~AudioCaptureClient();
  AudioCaptureClient(const AudioCaptureClient&) = delete;
  AudioCaptureClient& operator=(const AudioCaptureClient&) = delete;

  std::string in_port() const;  ///< "<name>:in"
  /// jack_connect(source, in_port()); throws std::runtime_error naming both on failure.
  void connect(const std::string& source);

  /// Frames recorded so far (a position to copy() from). Reader thread.
  std::size_t frames() const;
  /// Samples [from, to) of the recording (to clamped to frames()). Reader thread.
  std::vector<float> copy(std::size_t from, std::size_t to) const;
  /// Frames that found the buffer full. Any thread.
  std::uint64_t overflowed() const;
  std::uint32_t sample_rate() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dxlatent
