#pragma once
// MidiOutput over the JACK client's synth_out port: messages go into the
// client's lock-free queue and the process thread writes them in the next period
// (RtMidi's own JACK output would open a second client and stamp every event at
// frame 0; see ../shared/docs/synth-targets.md).

#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/midi_output.hpp"

namespace dxlatent {

class JackOutput final : public MidiOutput {
 public:
  /// client must outlive this object.
  explicit JackOutput(JackClient& client) : client_(client) {}
  /// SysEx writer thread (the client's single producer). False when the message
  /// is empty or too long, the queue is full or the server is gone.
  bool send(std::span<const std::uint8_t> message) override;
  /// SysEx writer thread. True while the client runs and synth_out is connected
  /// to at least one port (JackClient::connection_count: one libjack call, no
  /// port listing): a voice sent into an unconnected port is lost, so after a
  /// JACK restart, or before the synth's port appears, the writer waits and then
  /// resends the whole current voice.
  bool connected() const override;
  std::string describe() const override;

 private:
  JackClient& client_;
};

}  // namespace dxlatent
