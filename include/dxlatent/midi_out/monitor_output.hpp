#pragma once
// MidiOutput for output kind "hexter": the writer's messages go to the built-in
// audio monitor (monitor/HexterMonitor) instead of a MIDI port. The writer stays
// as it is -- VoiceSync decides dumps or parameter changes and the pacer paces
// them, exactly as for Dexed -- and this output turns each message back into a
// voice: a single-voice dump replaces the kept voice, a parameter change edits
// it, and either way the whole voice is handed to hexter (its configure key
// takes whole voices), which plays it from the next note-on, like Dexed.
// synth_out then carries only thru traffic (no SysEx).

#include <memory>
#include <optional>

#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/midi_output.hpp"
#include "dxlatent/monitor/hexter_monitor.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class MonitorOutput final : public MidiOutput {
 public:
  /// Control thread. `client` (hosting `monitor`) must outlive this object.
  MonitorOutput(std::shared_ptr<HexterMonitor> monitor, JackClient& client);
  /// SysEx writer thread. A DX7 single-voice dump or parameter change (any
  /// channel: the monitor is ours alone); anything else is ignored (true). False
  /// when the monitor could not take the voice now (HexterMonitor::set_voice):
  /// the writer keeps its state and retries.
  bool send(std::span<const std::uint8_t> message) override;
  /// SysEx writer thread. True while the JACK client runs: the voice reaches
  /// hexter even with monitor_out unconnected (it plays once connected), but
  /// without a server nothing sounds, and the writer says so and resends later.
  bool connected() const override;
  /// "hexter:dxlatent:monitor_out". Any thread.
  std::string describe() const override;

 private:
  std::shared_ptr<HexterMonitor> monitor_;
  JackClient& client_;
  std::optional<Voice> voice_;  // writer thread: the voice parameter changes edit
};

}  // namespace dxlatent
