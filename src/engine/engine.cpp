// The live engine's threads: see include/dxlatent/engine/engine.hpp and
// docs/architecture.md. Everything each thread touches lives in its own struct
// (DecodeThread, WriterThread); they share only Queues and the published status.
#include "dxlatent/engine/engine.hpp"

#include <pthread.h>
#include <readerwriterqueue/atomicops.h>
#include <readerwriterqueue/readerwriterqueue.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>

#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/midi_output.hpp"
#include "dxlatent/midi_out/voice_sync.hpp"

namespace dxlatent {

using namespace std::chrono_literals;

namespace {

constexpr std::size_t kWriterQueue = 64;    // targets are coalesced long before this fills
constexpr std::size_t kNoticeQueue = 256;   // the control thread drains every ~50 ms
constexpr std::size_t kCommandQueue = 16;   // recalls: a program change each, read from a file
constexpr auto kHeartbeat = 100ms;          // longest wait of either thread (watchdog beats)
constexpr auto kReconnectPoll = 20ms;       // output connection while it is down
constexpr auto kRetry = 1ms;                // output refused a message (queue full)

EngineNotice notice(EngineNotice::Kind kind, int value = 0, const std::string& text = {}) {
  EngineNotice n;
  n.kind = kind;
  n.value = value;
  const std::size_t len = std::min(text.size(), n.text.size() - 1);
  std::memcpy(n.text.data(), text.data(), len);
  n.text[len] = '\0';
  return n;
}

// The base map (whole space or anchored) and one region per category.
KnobSpace make_space(const EngineSetup& s, const VoiceDecoder& decoder) {
  const auto& c = s.config;
  std::vector<LatentMap> maps{LatentMap(decoder.quantiles(), c.map, s.anchor)};
  for (const auto& r : decoder.categories()) maps.push_back(LatentMap::region(decoder.quantiles(), c.map, r.mean, r.std));
  KnobSpace space(std::move(maps), c.takeover);
  if (s.start_category) space.select_map(*s.start_category + 1, /*fresh=*/true);
  if (s.start_latent) space.place(*s.start_latent);
  return space;
}

ControlSettings control_settings(const EngineSetup& s, std::uint32_t sample_rate) {
  const auto& c = s.config;
  ControlSettings cs;
  cs.snapshot_cc = c.snapshot_cc;
  cs.thru = c.thru;
  cs.learn_ignore = c.learn_ignore;
  cs.program_change = c.program_change;
  cs.undo_cc = c.undo_cc;
  cs.lock_cc = c.lock_cc;
  cs.takeover = c.takeover;
  // Half a second of still knobs ends an undo step.
  if (sample_rate) cs.rest_frames = sample_rate / 2;
  return cs;
}

CcMap make_cc_map(const EngineSetup& s) {
  const auto& c = s.config;
  std::vector<std::uint8_t> ignored = c.learn_ignore;
  for (const auto& button : {c.snapshot_cc, c.undo_cc, c.lock_cc})
    if (button) ignored.push_back(*button);
  return CcMap::with_numbers(s.ccs, c.control_channel, ignored);
}

}  // namespace

/// What the decode thread tells the writer. Fixed-size: a whole voice travels.
struct Engine::WriterMessage {
  enum class Kind : std::uint8_t { Target, KeysHeld, ForgetSynth };
  Kind kind = Kind::Target;
  bool keys_held = false;
  Voice voice;
};

struct Engine::Queues {
  moodycamel::ReaderWriterQueue<WriterMessage> to_writer{kWriterQueue};    // decode -> writer
  moodycamel::spsc_sema::LightweightSemaphore writer_wake;                 // one post per message, and stop()
  moodycamel::ReaderWriterQueue<EngineNotice> from_decode{kNoticeQueue};   // decode -> control
  moodycamel::ReaderWriterQueue<EngineNotice> from_writer{kNoticeQueue};   // writer -> control
  moodycamel::ReaderWriterQueue<Voice> to_decode{kCommandQueue};           // control -> decode: recalls
  std::promise<void> warmed;                                               // decode thread ready
};

struct Engine::DecodeThread {
  ControlStage control;
  DecodeStage decode;
};

struct Engine::WriterThread {
  VoiceSync sync;
  Pacer pacer;
};

Engine::Engine(EngineSetup setup, VoiceDecoder& decoder, JackClient& input, MidiOutput& output)
    : setup_(std::move(setup)), decoder_(decoder), input_(input), output_(output), queues_(std::make_unique<Queues>()) {
  const auto& c = setup_.config;
  SteeringSetup steering;
  if (setup_.anchor && setup_.start_voice) steering.anchor = std::pair{*setup_.anchor, *setup_.start_voice};
  steering.locks = setup_.locks;
  steering.toggle_locks = setup_.toggle_locks;
  decode_ = std::make_unique<DecodeThread>(DecodeThread{
      ControlStage(make_cc_map(setup_), control_settings(setup_, input.sample_rate()), make_space(setup_, decoder)),
      DecodeStage(decoder, c.cache_size, std::move(steering))});
  writer_ = std::make_unique<WriterThread>(WriterThread{VoiceSync(c.mode, c.device_channel), Pacer(setup_.pacing)});
  status_.cc_numbers = decode_->control.cc_map().numbers();
}

Engine::~Engine() { stop(); }

void Engine::start() {
  if (started_) return;
  const auto& c = setup_.config;
  input_.set_thru(c.thru);
  input_.set_thru_blocks_program_change(c.program_change != ProgramChangeUse::Thru);
  input_.set_channel_filter(c.control_channel ? int(*c.control_channel) : -1);
  input_.set_thru_blocked_ccs(decode_->control.thru_blocked_ccs());
  stop_ = false;
  queues_->warmed = std::promise<void>();  // a fresh one for each start()
  auto warmed = queues_->warmed.get_future();
  writer_thread_ = std::thread([this] { run_writer(); });
  decode_thread_ = std::thread([this] { run_decode(); });
  if (c.realtime_priority > 0) {
    // Meant to be below JACK's threads and above the rest of the machine (see
    // config/dxlatent.toml): a decode is then delayed only by JACK itself, not
    // by whatever else the computer runs.
    sched_param sp{};
    sp.sched_priority = c.realtime_priority;
    for (auto* t : {&decode_thread_, &writer_thread_}) {
      const int rc = pthread_setschedparam(t->native_handle(), SCHED_FIFO, &sp);
      if (rc != 0) {
        priority_error_ = "realtime priority " + std::to_string(c.realtime_priority) + " refused (" +
                          std::strerror(rc) + "); normal scheduling";
        break;
      }
    }
  }
  started_ = true;
  warmed.wait();
}

void Engine::stop() {
  if (!started_) return;
  stop_ = true;
  queues_->writer_wake.signal();
  input_.interrupt_wait();
  if (decode_thread_.joinable()) decode_thread_.join();
  if (writer_thread_.joinable()) writer_thread_.join();
  started_ = false;
}

bool Engine::recall(const Voice& voice) {
  if (!queues_->to_decode.try_enqueue(voice)) return false;
  input_.interrupt_wait();  // the decode thread takes it now, not at its next event
  return true;
}

bool Engine::poll_notice(EngineNotice& n) {
  return queues_->from_decode.try_dequeue(n) || queues_->from_writer.try_dequeue(n);
}

EngineStatus Engine::status() const {
  std::lock_guard lk(status_mutex_);
  return status_;
}

// Decode thread: copies its part of the status in.
void Engine::publish_decode_status(const std::optional<Voice>& target, std::uint64_t decode_ns) {
  const auto& ctl = decode_->control;
  const auto& dec = decode_->decode;
  std::lock_guard lk(status_mutex_);
  auto& st = status_;
  st.knobs = ctl.knobs();
  st.latent = ctl.latent();
  const auto& space = ctl.space();
  st.positions = space.state().positions;
  st.engaged = std::uint8_t(space.engaged().to_ulong());
  st.region = space.state().map;
  st.lock_on = ctl.lock_on();
  st.history = ctl.history_size();
  st.keys_held = ctl.keys_held();
  st.counts.events = ctl.stats().events;
  st.counts.knob_moves = ctl.stats().knob_moves;
  st.counts.decodes = dec.stats().decodes;
  st.counts.cache_hits = dec.stats().cache_hits;
  st.counts.targets = dec.stats().targets;
  st.cc_numbers = ctl.cc_map().numbers();
  if (target) st.target = target;
  if (decode_ns) {
    st.decode_ns_total += decode_ns;
    st.decode_ns_max = std::max(st.decode_ns_max, decode_ns);
  }
}

// ---- decode thread ---------------------------------------------------------------

// Decode thread. Hands a message to the writer and wakes it.
void Engine::post(const WriterMessage& m) {
  // Never full in practice (the writer drains every message on each wake); if
  // it were, the newest target still arrives with the next move.
  if (queues_->to_writer.try_enqueue(m)) queues_->writer_wake.signal();
}

// Decode thread. A notice for the control thread (dropped if it stopped polling).
void Engine::tell(const EngineNotice& n) { queues_->from_decode.try_enqueue(n); }

// Decode thread. The voice for the current point, if it changed, to the writer.
void Engine::decode_and_post() {
  auto& ctl = decode_->control;
  auto& dec = decode_->decode;
  const auto decodes_before = dec.stats().decodes;
  try {
    const auto t0 = Clock::now();
    auto v = dec.decode_if_changed(ctl.latent());
    const auto ns = std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    if (v) post(WriterMessage{WriterMessage::Kind::Target, false, *v});
    publish_decode_status(v, dec.stats().decodes != decodes_before ? ns : 0);
  } catch (const std::exception& ex) {
    tell(notice(EngineNotice::Kind::DecodeFailed, 0, ex.what()));
  }
}

// Decode thread. Recalled snapshots (read by the control thread): each plays
// exactly, at its latent point. True when any arrived.
bool Engine::take_recalls() {
  bool any = false;
  Voice v;
  while (queues_->to_decode.try_dequeue(v)) {
    try {
      const Latent z = decoder_.encode(v);
      decode_->control.place(z);
      decode_->decode.recall(z, v);
      any = true;
      tell(notice(EngineNotice::Kind::Recalled, 0, v.display_name()));
    } catch (const std::exception& ex) {
      tell(notice(EngineNotice::Kind::DecodeFailed, 0, ex.what()));
    }
  }
  return any;
}

// Decode thread. What the folded events mean for the writer, the JACK edge
// and the control thread. Keys and resets go out before the (slow) decode: a
// key release is what lets the writer send its dump.
void Engine::act_on(const ControlNews& news) {
  auto& ctl = decode_->control;
  if (news.keys_changed) post(WriterMessage{WriterMessage::Kind::KeysHeld, ctl.keys_held(), {}});
  if (news.synth_reset) {
    post(WriterMessage{WriterMessage::Kind::ForgetSynth, false, {}});
    tell(notice(EngineNotice::Kind::SynthReset));
  }
  if (news.learned) {
    input_.set_thru_blocked_ccs(ctl.thru_blocked_ccs());
    EngineNotice n = notice(EngineNotice::Kind::Learned);
    n.learned = news.learned;
    n.cc_numbers = ctl.cc_map().numbers();
    tell(n);
  }
  for (int slot : news.snapshot_slots) tell(notice(EngineNotice::Kind::Snapshot, slot));
  if (news.recall_slot) tell(notice(EngineNotice::Kind::Recall, news.recall_slot));
  if (news.lock_toggled) {
    decode_->decode.set_toggle_lock(ctl.lock_on());
    tell(notice(EngineNotice::Kind::LockToggled, ctl.lock_on() ? 1 : 0));
  }
  if (news.undone) tell(notice(EngineNotice::Kind::Undone, int(ctl.history_size())));
  if (news.undo_empty) tell(notice(EngineNotice::Kind::UndoEmpty));
  if (news.map_changed) tell(notice(EngineNotice::Kind::RegionChanged, int(ctl.space().state().map)));
}

void Engine::run_decode() {
  auto& ctl = decode_->control;
  auto& dec = decode_->decode;

  // The start voice first, so the synth is in a known voice from the first
  // period on; then the warm-up, so the first knob move is as fast as the
  // thousandth. Both on this thread: it is the one that decodes from now on.
  try {
    const auto t0 = Clock::now();
    const Voice first = dec.initial_voice(ctl.latent(), setup_.start_voice);
    const auto ns = std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    post(WriterMessage{WriterMessage::Kind::Target, false, first});
    publish_decode_status(first, setup_.start_voice ? 0 : ns);
    dec.warm_up(setup_.warm_up_decodes);
  } catch (const std::exception& e) {
    tell(notice(EngineNotice::Kind::DecodeFailed, 0, e.what()));
  }
  queues_->warmed.set_value();

  MidiEvent e;
  while (!stop_.load(std::memory_order_relaxed)) {
    decode_beats_.fetch_add(1, std::memory_order_relaxed);
    if (take_recalls()) decode_and_post();
    // The JACK thread never blocks to wake us: wait_event waits on its lock-free
    // queue's own semaphore (posted at most once a period); stop() and recall()
    // interrupt it.
    if (!input_.wait_event(e, kHeartbeat)) continue;
    ctl.fold(e);
    while (input_.poll(e)) ctl.fold(e);
    act_on(ctl.take_news());
    if (dec.needs_decode(ctl.latent())) {
      decode_and_post();
    } else {
      publish_decode_status(std::nullopt, 0);  // the physical knobs may have moved (takeover)
    }
  }
}

// ---- SysEx writer thread -----------------------------------------------------------

void Engine::run_writer() {
  auto& w = *writer_;
  auto& q = *queues_;
  bool was_connected = true;
  Clock::duration wait = Clock::duration::zero();
  while (true) {
    writer_beats_.fetch_add(1, std::memory_order_relaxed);
    // The one place this thread sleeps: until a message is posted, stop() is
    // called, or the deadline the previous pass computed (pacer, retry, poll).
    if (wait > Clock::duration::zero())
      q.writer_wake.wait(std::chrono::duration_cast<std::chrono::microseconds>(wait).count());
    if (stop_.load()) return;

    // 1. Every message first (as Surge XT drains its queue at the top of a
    //    block): only the newest target counts, stale ones are never sent.
    WriterMessage m;
    while (q.to_writer.try_dequeue(m)) {
      switch (m.kind) {
        case WriterMessage::Kind::Target: w.sync.set_target(m.voice); break;
        case WriterMessage::Kind::KeysHeld: w.sync.set_keys_held(m.keys_held); break;
        case WriterMessage::Kind::ForgetSynth: w.sync.forget_synth(); break;
      }
    }

    // 2. Nothing is sent into an unconnected output: what the synth holds after
    //    a reconnect is unknown, so the first message then is a dump.
    if (!output_.connected()) {
      w.sync.forget_synth();
      if (was_connected)
        q.from_writer.try_enqueue(notice(EngineNotice::Kind::OutputWaiting, 0, output_.describe()));
      was_connected = false;
      wait = kReconnectPoll;
      continue;
    }
    if (!was_connected) q.from_writer.try_enqueue(notice(EngineNotice::Kind::OutputBack, 0, output_.describe()));
    was_connected = true;

    // 3. What brings the synth to the target, as fast as the pacer allows.
    wait = kHeartbeat;
    while (auto out = w.sync.next()) {
      const auto now = Clock::now();
      if (!w.pacer.ready(now)) {
        wait = w.pacer.ready_at() - now;
        break;
      }
      const MessageKind kind = w.sync.next_kind();
      if (!output_.send(std::span<const std::uint8_t>(out->bytes.data(), out->size))) {
        std::lock_guard lk(status_mutex_);
        ++status_.send_retries;
        wait = kRetry;
        break;
      }
      w.pacer.sent(out->size, kind, now);
      w.sync.sent();
      {
        std::lock_guard lk(status_mutex_);
        ++status_.messages_sent;
        if (kind == MessageKind::VoiceDump) ++status_.dumps_sent;
        if (kind == MessageKind::ParamChange) ++status_.params_sent;
        status_.synth = w.sync.synth();
      }
      messages_sent_.fetch_add(1, std::memory_order_release);
      // A newer target makes the rest of this one's parameter changes stale.
      if (q.to_writer.peek() != nullptr || stop_.load()) {
        wait = Clock::duration::zero();
        break;
      }
    }
  }
}

}  // namespace dxlatent
