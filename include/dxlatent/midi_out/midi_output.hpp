#pragma once
// Where the SysEx writer's messages go: JACK MIDI out (to Dexed in a JACK host)
// or a hardware MIDI port through RtMidi (a DX7 on a USB-MIDI interface).

#include <cstdint>
#include <span>
#include <string>

namespace dxlatent {

class MidiOutput {
 public:
  virtual ~MidiOutput() = default;
  /// Sends one complete message, whole or not at all. Returns false when the
  /// port is gone or the message could not be handed on (the caller keeps its
  /// state and retries later). Thread: the SysEx writer thread only.
  virtual bool send(std::span<const std::uint8_t> message) = 0;
  /// True while the destination is reachable. Thread: the SysEx writer thread.
  virtual bool connected() const = 0;
  /// A short description for logs, e.g. "jack:dxlatent:synth_out".
  virtual std::string describe() const = 0;
};

}  // namespace dxlatent
