#pragma once
// The one place an output kind becomes a MidiOutput. Adding a kind (e.g. a
// built-in audio monitor) means a name in kOutputKinds and a case in
// make_output(); the config accepts every name listed here.
// Thread: the control thread, before the engine starts.

#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "dxlatent/midi_out/midi_output.hpp"

namespace dxlatent {

class JackClient;

/// [output] kind values: "jack" (the JACK client's synth_out), "midi-port"
/// (a hardware port through RtMidi), "hexter" (the built-in audio monitor:
/// hexter played in the JACK client, heard on its monitor_out audio port).
inline constexpr std::array<std::string_view, 3> kOutputKinds{"jack", "midi-port", "hexter"};
bool is_output_kind(std::string_view kind);
/// "jack, midi-port", for messages.
std::string output_kinds_list();

struct OutputSettings {
  std::string kind = "jack";
  std::string port;          ///< midi-port: regex of RtMidi port names
  std::string api = "auto";  ///< midi-port: auto, alsa or jack
  std::string client_name = "dxlatent";  ///< our JACK client's name (midi-port adds "-out")
  /// hexter: regex of the audio input ports monitor_out is connected to (both
  /// channels of a sound card: the monitor is mono).
  std::string monitor_connect = "system:playback_.*";
};

/// Builds the output. `jack` is the engine's JACK client (its synth_out for
/// kind "jack"; for kind "hexter" it gets the monitor, so call this before
/// jack.open()). Throws std::invalid_argument for an unknown kind or a bad
/// pattern, std::runtime_error when the MIDI API cannot be used,
/// render::PluginMissing (a std::runtime_error saying what to install) when
/// kind "hexter" finds no hexter plugin.
std::unique_ptr<MidiOutput> make_output(const OutputSettings& settings, JackClient& jack);

}  // namespace dxlatent
