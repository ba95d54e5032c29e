#pragma once
// The live engine's settings, read from a TOML file (config/dxlatent.toml is the
// documented example). A bad file is refused as a whole at start, with the file,
// the line and the reason: a performance should not begin half-configured.
// Plain data; loaded on the control thread before any other thread starts.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dxlatent/control/control_stage.hpp"
#include "dxlatent/control/latent_map.hpp"
#include "dxlatent/control/takeover.hpp"
#include "dxlatent/midi_out/output_factory.hpp"
#include "dxlatent/midi_out/voice_sync.hpp"
#include "dxlatent/voice/param_lock.hpp"
#include "dxlatent/voice/voice_ref.hpp"

namespace dxlatent {

/// A config that cannot be used. what() starts with "FILE:LINE: reason".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::filesystem::path source;  ///< the file read; empty for built-in defaults
  /// "FILE:LINE" of each key the file set, by "section.key": errors found later
  /// (a model that does not load, a state directory that cannot be made) name
  /// the line as a parse error does.
  std::map<std::string, std::string> origins;
  /// origins' entry for `key` followed by ": ", or "" when the key was not in a file.
  std::string origin_of(const std::string& key) const {
    const auto it = origins.find(key);
    return it == origins.end() ? std::string() : it->second + ": ";
  }

  // [jack]
  std::string client_name = "dxlatent";
  std::string server_name;          ///< empty: JACK's default server
  std::string connect_controller;   ///< regex: MIDI outputs connected to control_in
  std::string connect_synth;        ///< regex: MIDI inputs synth_out is connected to
  bool thru = true;

  // [control]
  std::optional<std::uint8_t> control_channel;    ///< 0..15; nullopt = every channel
  std::vector<std::uint8_t> ccs;                  ///< empty: learn the first eight
  std::vector<std::uint8_t> learn_ignore{64};     ///< never learned (64 = sustain pedal)
  LatentMapSettings map;
  std::size_t cache_size = 4096;                  ///< decoded voices kept by latent point
  Takeover takeover = Takeover::PickUp;           ///< what a knob does where the sound is not (takeover.hpp)
  ParamMask locks;                                ///< always locked (parameter names and groups)
  ParamMask lock_toggle = parse_locks("algorithm");  ///< what lock_cc locks and releases
  std::optional<std::uint8_t> lock_cc;            ///< a button (value >= 64) toggles lock_toggle
  std::optional<std::uint8_t> undo_cc;            ///< a button (value >= 64): back to the previous voice
  std::string category;                           ///< the region the knobs start in; empty: the whole space
  /// What a program change on the control channel does ([control] program_change).
  ProgramChangeUse program_change = ProgramChangeUse::Thru;

  // [model]
  std::filesystem::path model_path;  ///< empty: the shipped model (default_model_path())

  // [output]
  std::string output_kind = "jack";  ///< one of kOutputKinds (midi_out/output_factory.hpp)
  std::string output_port;           ///< regex for midi-port
  std::string output_api = "auto";   ///< midi-port: "auto", "alsa" or "jack" (RtMidi's API)
  std::string monitor_connect = "system:playback_.*";  ///< hexter: regex of audio inputs monitor_out feeds
  OutputMode mode = OutputMode::Auto;
  std::uint8_t device_channel = 0;   ///< 0..15 (shown as 1..16)
  std::string pacing = "dexed";      ///< a PacingProfile name ("dx7" makes mode default to voice)
  std::optional<std::chrono::milliseconds> gap_after_param;  ///< overrides the profile's gap
  std::optional<std::chrono::milliseconds> gap_after_voice;  ///< overrides the profile's gap
  /// The pacing profile with the configured gaps applied.
  PacingProfile pacing_profile() const;
  /// What make_output() needs to build the configured output.
  OutputSettings output_settings() const {
    return {output_kind, output_port, output_api, client_name, monitor_connect};
  }

  // [start]
  std::optional<VoiceRef> start_voice;  ///< sent first; nullopt: the latent origin (knobs centred)
  bool anchor = false;                  ///< knobs move around the start voice's latent point

  // [snapshot]
  std::filesystem::path snapshot_file;           ///< empty: <state dir>/snapshots.syx
  std::optional<std::uint8_t> snapshot_cc;       ///< a CC (value >= 64) saves the current voice

  // [engine]
  int realtime_priority = 0;  ///< 0: normal scheduling; 1..89: SCHED_FIFO for the inference and writer threads (below JACK's)

  // [state]
  std::filesystem::path state_dir;  ///< empty: default_state_dir()

  /// The state dir in effect: state_dir, else $STATE_DIRECTORY (systemd), else
  /// $XDG_STATE_HOME/dxlatent, else ~/.local/state/dxlatent.
  std::filesystem::path effective_state_dir() const;
  std::filesystem::path effective_snapshot_file() const;
};

/// Reads and checks a config file. Relative paths in it are relative to the
/// file's folder. Throws ConfigError ("FILE:LINE: reason", then toml11's excerpt
/// of the offending line where there is one).
Config load_config(const std::filesystem::path& file);
/// Same, from text (tests); `name` stands for the file in messages.
Config parse_config(const std::string& text, const std::string& name);

}  // namespace dxlatent
