#pragma once
// Everything `dxlatent run` and `dxlatent demo` do around the Engine, on the
// control thread: open the JACK client, resolve the start/anchor voice and the
// saved CC mapping, start the engine, and then, every tick(), the slow work the
// real-time path must never do: print the mapping as it is learned and save it,
// write snapshots and the current voice (atomically), show the status, and
// reconnect when the JACK server went away.
// Thread: construct, start, tick, stop and destroy on the control thread only.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/engine.hpp"
#include "dxlatent/midi_out/midi_output.hpp"

namespace dxlatent {

class JackClient;
class MidiOutput;
class StateStore;
class VoiceDecoder;

struct LiveOptions {
  bool relearn = false;                 ///< ignore the saved CC mapping
  std::optional<VoiceRef> anchor;       ///< --anchor FILE:SLOT (overrides [start])
  bool tty = false;                     ///< one rewritten status line instead of log lines
  /// Where log lines go; default: stderr. Status lines on a TTY go to stdout.
  std::function<void(const std::string&)> log;
  /// Not the JACK synth_out (e.g. RtMidi for a hardware DX7); default: JackOutput.
  std::unique_ptr<MidiOutput> output;
  /// > 0: the JACK client records its process-callback times (bench/).
  std::size_t callback_timing = 0;
};

class LiveRunner {
 public:
  /// Opens the JACK client (throws JackError when no server runs) and builds the
  /// engine; reads the start voice (throws std::runtime_error naming FILE:SLOT).
  LiveRunner(Config config, LiveOptions options, VoiceDecoder& decoder);
  ~LiveRunner();
  LiveRunner(const LiveRunner&) = delete;
  LiveRunner& operator=(const LiveRunner&) = delete;

  /// Activates the client, applies the connect patterns, starts the engine.
  void start();
  /// The periodic control-thread work; call every few tens of ms.
  void tick();
  /// Stops the engine, saves what is left to save, closes the client. Idempotent.
  void stop();

  /// True when control_in has at least one connection (a controller is plugged in).
  bool controller_connected() const;
  Engine& engine() { return *engine_; }
  JackClient& jack() { return *jack_; }
  const Config& config() const { return config_; }
  /// One line: latent values, voice name, algorithm.
  static std::string status_line(const EngineStatus& status);

 private:
  void log(const std::string& line);
  void show_status(const EngineStatus& st);

  Config config_;
  LiveOptions options_;
  std::unique_ptr<JackClient> jack_;
  std::unique_ptr<MidiOutput> output_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Engine> engine_;
  bool learning_ = false;
  bool started_ = false;
  bool status_shown_ = false;
  bool jack_lost_logged_ = false;  // "JACK server lost" said once per outage
  std::optional<Voice> saved_voice_;
  std::chrono::steady_clock::time_point last_voice_save_{};
  std::chrono::steady_clock::time_point last_status_{};
  std::string last_status_text_;
};

}  // namespace dxlatent
