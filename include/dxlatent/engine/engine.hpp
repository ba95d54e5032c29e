#pragma once
// The live engine's two threads: controller events -> control stage -> decode
// stage -> SysEx writer -> output. docs/architecture.md draws it.
//
// Threads (each method says which may call it):
//   - JACK process thread [rt]: not here (JackClient); it fills the event queue
//     and writes what the writer queued into synth_out in the next period.
//   - decode thread (owned): waits on JackClient::wait_event(), folds every
//     pending event into the ControlStage, decodes only the newest knob state
//     (DecodeStage) and posts typed WriterMessages to the writer.
//   - SysEx writer thread (owned): drains its messages at the top of each loop
//     (only the newest target counts), then VoiceSync + Pacer + MidiOutput.
//   - control thread (the owner): construct, start/stop, poll_notice(), status().
// Between threads only fixed-size messages travel, through preallocated
// single-producer single-consumer queues (moodycamel ReaderWriterQueue):
//   decode -> writer:  WriterMessage (target voice, keys held, forget the synth),
//                      each one posts the writer's semaphore: it wakes per message;
//   decode -> control, writer -> control: EngineNotice (learned, snapshot, ...).
// status() is a published copy (a mutex taken only to copy it), never a handshake.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dxlatent/control/control_stage.hpp"
#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/decode_stage.hpp"
#include "dxlatent/midi_out/pacer.hpp"
#include "dxlatent/model/voice_decoder.hpp"
#include "dxlatent/voice/param_lock.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class JackClient;
class MidiOutput;

/// Counters of both stages since start.
struct EngineCounts {
  std::uint64_t events = 0;        ///< controller events folded
  std::uint64_t knob_moves = 0;    ///< mapped CCs that changed a knob
  std::uint64_t decodes = 0;       ///< decoder calls (warm-up not counted)
  std::uint64_t cache_hits = 0;
  std::uint64_t targets = 0;       ///< new target voices handed to the writer
};

/// A moment's view of the engine for the status line and tests.
struct EngineStatus {
  KnobState knobs;                  ///< the physical knobs, as their CCs last said
  Latent latent{};                  ///< where the sound is
  std::array<float, kLatentDims> positions{};  ///< the sound on each knob's travel (0..127)
  std::uint8_t engaged = 0xFF;      ///< bit d: knob d agrees with the sound (takeover)
  std::size_t region = 0;           ///< 0: the base map; n: category region n-1 of the model
  bool lock_on = false;             ///< the lock button's set is engaged
  std::size_t history = 0;          ///< undo steps available
  std::optional<Voice> target;      ///< newest decoded voice
  std::optional<Voice> synth;       ///< what the synth holds, as far as was sent
  bool keys_held = false;
  EngineCounts counts;
  std::uint64_t messages_sent = 0;  ///< by the writer, all kinds
  std::uint64_t dumps_sent = 0;
  std::uint64_t params_sent = 0;
  std::uint64_t send_retries = 0;   ///< output refused a message (queue full, port gone)
  std::uint64_t decode_ns_total = 0;
  std::uint64_t decode_ns_max = 0;
  std::array<std::optional<std::uint8_t>, kLatentDims> cc_numbers{};
};

/// What an engine thread tells the control thread: typed and fixed-size, so it
/// crosses in a preallocated queue. The control thread turns it into log lines
/// and file I/O.
struct EngineNotice {
  enum class Kind : std::uint8_t {
    Learned,         ///< `learned` dimensions took their CC numbers; cc_numbers: the mapping now
    SynthReset,      ///< a program change reached the synth: the current voice is resent
    Snapshot,        ///< save the target into `value` (0 = next free slot, else 1..32)
    DecodeFailed,    ///< `text`: why; the previous voice stays
    OutputWaiting,   ///< the output is not connected; nothing is sent until it is
    OutputBack,      ///< connected again; the current voice is resent whole
    Recall,          ///< play snapshot slot `value` (1..32): read it and call Engine::recall()
    Recalled,        ///< the recalled voice (`text`: its name) is the target now
    LockToggled,     ///< the lock button engaged (value 1) or released (0) its set
    Undone,          ///< the sound went back one step; `value`: steps left
    UndoEmpty,       ///< undo pressed with no history left
    RegionChanged,   ///< a program change selected region `value` (0: the base map)
  };
  Kind kind = Kind::Learned;
  std::uint8_t learned = 0;
  int value = 0;
  std::array<std::optional<std::uint8_t>, kLatentDims> cc_numbers{};
  std::array<char, 120> text{};  ///< NUL-terminated, truncated

  std::string message() const { return std::string(text.data()); }
};

/// The engine's settings beyond the config file's: everything resolved by the caller.
struct EngineSetup {
  Config config;
  std::optional<Voice> start_voice;         ///< read from config.start_voice (or --anchor)
  std::optional<Latent> anchor;             ///< the knobs move around this point
  std::vector<std::optional<std::uint8_t>> ccs;  ///< config or saved mapping; empty: learn
  PacingProfile pacing = PacingProfile::dexed();
  /// Where the sound starts (the resumed latent, the start or anchor voice's
  /// encoding); nullopt: the knobs' centre. start_voice, when given, plays there exactly.
  std::optional<Latent> start_latent;
  ParamMask locks;         ///< always locked; reference: the start voice or the first voice
  ParamMask toggle_locks;  ///< what the lock button locks
  /// Index into the decoder's categories() of the region the knobs start in.
  std::optional<std::size_t> start_category;
  /// Decodes run on the decode thread before start() returns, so the first knob
  /// move finds the model warm (DecodeStage::warm_up).
  int warm_up_decodes = 8;
};

class Engine {
 public:
  /// Control thread. decoder, input and output must outlive the engine. The
  /// decoder belongs to the decode thread from start() to stop().
  Engine(EngineSetup setup, VoiceDecoder& decoder, JackClient& input, MidiOutput& output);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Control thread. Starts both threads and returns once the decode thread
  /// posted the start voice and warmed the model up. Realtime priority, when
  /// configured and refused, is reported by priority_error().
  void start();
  /// Control thread. Stops and joins both threads (a message being handed to the
  /// output finishes whole first). Idempotent.
  void stop();

  /// Control thread (the single producer). Plays `voice` (read from a snapshot
  /// slot after a Recall notice) exactly, at its latent point; undo returns to
  /// the voice before. False when the queue is full (nothing changes).
  bool recall(const Voice& voice);
  /// Control thread (the single consumer). The next notice of either engine thread.
  bool poll_notice(EngineNotice& notice);
  /// Any thread. A consistent copy of the state.
  EngineStatus status() const;
  /// Control thread, after start(). Empty, or why SCHED_FIFO was refused.
  const std::string& priority_error() const { return priority_error_; }
  /// Any thread. Incremented each time the writer finished handing a message on.
  std::uint64_t messages_sent() const { return messages_sent_.load(); }
  /// Any thread. Loop counts of the decode and writer threads; both advance at
  /// least ten times a second while the threads are alive (the watchdog's health
  /// check: a hung engine stops advancing).
  std::uint64_t decode_beats() const { return decode_beats_.load(std::memory_order_relaxed); }
  std::uint64_t writer_beats() const { return writer_beats_.load(std::memory_order_relaxed); }

 private:
  struct WriterMessage;
  struct Queues;
  struct DecodeThread;
  struct WriterThread;
  // Decode thread only (run_decode and what it calls).
  void run_decode();
  void post(const WriterMessage& message);
  void tell(const EngineNotice& notice);
  void decode_and_post();
  bool take_recalls();
  void act_on(const ControlNews& news);
  void run_writer();
  void publish_decode_status(const std::optional<Voice>& target, std::uint64_t decode_ns);

  EngineSetup setup_;
  VoiceDecoder& decoder_;
  JackClient& input_;
  MidiOutput& output_;
  std::unique_ptr<Queues> queues_;
  std::unique_ptr<DecodeThread> decode_;
  std::unique_ptr<WriterThread> writer_;
  std::thread decode_thread_;
  std::thread writer_thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> messages_sent_{0};
  std::atomic<std::uint64_t> decode_beats_{0};
  std::atomic<std::uint64_t> writer_beats_{0};
  mutable std::mutex status_mutex_;  ///< guards status_ only: each thread copies its part in
  EngineStatus status_;
  std::string priority_error_;
  bool started_ = false;
};

}  // namespace dxlatent
