#pragma once
// The live engine assembled from a config: the one place that turns a Config
// into running parts. It resolves the start/anchor voice and the CC mapping
// (config, saved state or learning), opens the JACK client, builds the output
// (make_output: every kind), builds the Engine, and then, every tick(), does
// on the control thread what the engine's threads must never do: turn their
// notices into log lines, save the learned mapping, snapshots, the current
// voice and the latent (atomically), and reconnect when the JACK server went
// away. It prints nothing itself: lines go to LiveOptions::log, and the app
// draws its status line from status().
// Thread: construct, start, tick, stop and destroy on the control thread only.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/engine.hpp"
#include "dxlatent/midi_out/midi_output.hpp"
#include "dxlatent/voice/voice_ref.hpp"

namespace dxlatent {

class JackClient;
class StateStore;
class VoiceDecoder;

struct LiveOptions {
  bool relearn = false;                 ///< ignore the saved CC mapping
  std::optional<VoiceRef> anchor;       ///< --anchor FILE:SLOT (overrides [start])
  /// Where log lines go (one per event); default: stderr.
  std::function<void(const std::string&)> log;
  /// > 0: the JACK client records its process-callback times (bench/).
  std::size_t callback_timing = 0;
  /// Log each second's new JACK xruns (a service's journal); off where the
  /// caller shows the count itself (the terminal's status line).
  bool report_xruns = true;
  /// Decodes the engine runs before start() returns (EngineSetup::warm_up_decodes).
  int warm_up_decodes = 8;
};

class LiveEngine {
 public:
  /// Opens the JACK client (throws JackError when no server runs), builds the
  /// output and the engine; reads the start voice (throws VoiceFileError or
  /// VoiceRefError naming FILE:SLOT) and the saved state.
  LiveEngine(Config config, LiveOptions options, VoiceDecoder& decoder);
  ~LiveEngine();
  LiveEngine(const LiveEngine&) = delete;
  LiveEngine& operator=(const LiveEngine&) = delete;

  /// Activates the client, applies the connect patterns, starts the engine
  /// (which sends the start voice and warms the model up before returning).
  void start();
  /// The periodic control-thread work; call every few tens of ms.
  void tick();
  /// Stops the engine, saves what is left to save, closes the client. Idempotent.
  void stop();

  /// True while the JACK server is gone (as of the last tick()); the engine keeps
  /// its state and tick() reconnects. The one place the loss is tracked.
  bool jack_lost() const { return jack_lost_; }
  /// True when control_in has at least one connection (a controller is plugged in).
  bool controller_connected() const;
  Engine& engine() { return *engine_; }
  const Engine& engine() const { return *engine_; }
  JackClient& jack() { return *jack_; }
  const Config& config() const { return config_; }

 private:
  void log(const std::string& line) const { options_.log(line); }
  void handle(const EngineNotice& notice, const EngineStatus& status);
  void save_learned_mapping();

  Config config_;
  LiveOptions options_;
  VoiceDecoder& decoder_;
  std::unique_ptr<JackClient> jack_;
  std::unique_ptr<MidiOutput> output_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Engine> engine_;
  bool learning_ = false;
  bool started_ = false;
  bool jack_lost_ = false;
  std::chrono::steady_clock::time_point started_at_{};
  enum class ControllerSaid { Nothing, Missing, Connected } controller_said_ = ControllerSaid::Nothing;
  void tell_about_controller();
  std::optional<std::array<std::optional<std::uint8_t>, kLatentDims>> mapping_to_save_;
  std::optional<Voice> saved_voice_;
  std::chrono::steady_clock::time_point last_voice_save_{};
};

}  // namespace dxlatent
