#include "dxlatent/midi_out/output_factory.hpp"

#include <stdexcept>

#include "dxlatent/midi_out/jack_output.hpp"
#include "dxlatent/midi_out/monitor_output.hpp"
#include "dxlatent/midi_out/rtmidi_output.hpp"

namespace dxlatent {

bool is_output_kind(std::string_view kind) {
  for (auto k : kOutputKinds)
    if (k == kind) return true;
  return false;
}

std::string output_kinds_list() {
  std::string s;
  for (auto k : kOutputKinds) s += (s.empty() ? "" : ", ") + std::string(k);
  return s;
}

std::unique_ptr<MidiOutput> make_output(const OutputSettings& s, JackClient& jack) {
  if (s.kind == "jack") return std::make_unique<JackOutput>(jack);
  if (s.kind == "midi-port") {
    RtMidiOutputOptions ro;
    ro.port_pattern = s.port;
    const auto api = parse_midi_api(s.api);
    if (!api) throw std::invalid_argument("output.api = \"" + s.api + "\" is not a MIDI API (auto, alsa, jack)");
    ro.api = *api;
    ro.client_name = s.client_name + "-out";
    return std::make_unique<RtMidiOutput>(ro);
  }
  if (s.kind == "hexter") {
    // The plugin is loaded now, so a missing hexter stops `run` before JACK is
    // touched; its instance is made in jack.open(), at the server's rate.
    auto monitor = std::make_shared<HexterMonitor>();
    try {
      jack.set_audio_monitor(monitor, s.monitor_connect);
    } catch (const JackError& e) {
      throw std::invalid_argument(std::string("output.monitor_connect: ") + e.what());
    }
    return std::make_unique<MonitorOutput>(std::move(monitor), jack);
  }
  throw std::invalid_argument("output.kind = \"" + s.kind + "\" is not an output kind (" + output_kinds_list() + ")");
}

}  // namespace dxlatent
