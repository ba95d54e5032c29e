#pragma once
// The live engine: controller events -> knob state -> decoded voice -> SysEx.
//
// Threads (each method says which may call it):
//   - JACK process thread: not here (JackClient); it only fills the event queue.
//   - inference thread (owned): waits on JackClient::wait_event(), folds every
//     pending event into the knob state, decodes only the newest state and posts
//     it to the writer's mailbox (a newer voice replaces an unsent one).
//   - SysEx writer thread (owned): VoiceSync + Pacer + MidiOutput; takes the
//     newest target whenever it is free to send, so stale voices are dropped,
//     never queued.
//   - control thread (the owner, e.g. main): start/stop, take_log(), status(),
//     and the file I/O (mapping, current voice, snapshots) the engine asks for.
// The two engine threads talk through one mutex + condition variable (never the
// JACK thread's concern: it only touches its lock-free queues).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/inference.hpp"
#include "dxlatent/midi_out/pacer.hpp"
#include "dxlatent/model/voice_decoder.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class JackClient;
class MidiOutput;

/// A moment's view of the engine for the status line and tests.
struct EngineStatus {
  KnobState knobs;
  Latent latent{};
  std::optional<Voice> target;      ///< newest decoded voice
  std::optional<Voice> synth;       ///< what the synth holds, as far as was sent
  bool keys_held = false;
  InferenceStats inference;
  std::uint64_t messages_sent = 0;  ///< by the writer, all kinds
  std::uint64_t dumps_sent = 0;
  std::uint64_t params_sent = 0;
  std::uint64_t send_retries = 0;   ///< output refused a message (queue full, port gone)
  std::uint64_t decode_ns_total = 0;
  std::uint64_t decode_ns_max = 0;
  std::array<std::optional<std::uint8_t>, kLatentDims> cc_numbers{};
};

/// The engine's settings beyond the config file's: everything resolved by the caller.
struct EngineSetup {
  Config config;
  std::optional<Voice> start_voice;         ///< read from config.start_voice (or --anchor)
  std::optional<Latent> anchor;             ///< the knobs move around this point
  std::vector<std::optional<std::uint8_t>> ccs;  ///< config or saved mapping; empty: learn
  PacingProfile pacing = PacingProfile::dexed();
};

class Engine {
 public:
  /// Control thread. decoder, input and output must outlive the engine. The
  /// decoder is used by the inference thread only once start() ran.
  Engine(EngineSetup setup, VoiceDecoder& decoder, JackClient& input, MidiOutput& output);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Control thread. Sends the start voice and starts both threads.
  void start();
  /// Control thread. Stops and joins both threads (a message being handed to the
  /// output finishes whole first). Idempotent.
  void stop();

  /// Control thread. Log lines since the last call (mapping learned, snapshots, ...).
  std::vector<std::string> take_log();
  /// Snapshot requests since the last call: 0 = next free slot, 1..32 = that slot.
  std::vector<int> take_snapshot_requests();
  /// True once since the CC mapping changed (for saving it).
  bool take_mapping_changed();
  /// Any thread. A consistent copy of the state.
  EngineStatus status() const;
  /// Any thread. Incremented each time the writer finished handing a message on.
  std::uint64_t messages_sent() const { return messages_sent_.load(); }
  /// Any thread. Loop counts of the inference and writer threads; both advance
  /// at least ten times a second while the threads are alive (a watchdog's
  /// health check: a hung engine stops advancing).
  std::uint64_t inference_beats() const { return inference_beats_.load(std::memory_order_relaxed); }
  std::uint64_t writer_beats() const { return writer_beats_.load(std::memory_order_relaxed); }

 private:
  struct Shared;
  struct InferenceThread;
  struct WriterThread;
  void run_inference();
  void run_writer();

  EngineSetup setup_;
  VoiceDecoder& decoder_;
  JackClient& input_;
  MidiOutput& output_;
  std::unique_ptr<Shared> shared_;
  std::unique_ptr<InferenceThread> inference_;
  std::unique_ptr<WriterThread> writer_;
  std::thread inference_thread_;
  std::thread writer_thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> messages_sent_{0};
  std::atomic<std::uint64_t> inference_beats_{0};
  std::atomic<std::uint64_t> writer_beats_{0};
  bool started_ = false;
};

}  // namespace dxlatent
