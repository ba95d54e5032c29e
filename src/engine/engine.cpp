#include "dxlatent/engine/engine.hpp"

#include <pthread.h>
#include <sched.h>

#include <bitset>
#include <chrono>
#include <cstring>

#include "dxlatent/midi_in/jack_client.hpp"
#include "dxlatent/midi_out/midi_output.hpp"
#include "dxlatent/midi_out/voice_sync.hpp"
#include "dxlatent/sysex/sysex.hpp"

namespace dxlatent {

using namespace std::chrono_literals;

// What the inference thread posts and the writer and control threads read.
// Only ever touched by non-real-time threads, so a mutex is fine here.
struct Engine::Shared {
  std::mutex mutex;
  std::condition_variable wake_writer;
  // Mailbox: the newest target only; a voice the writer has not taken yet is
  // simply replaced (stale states are dropped, never queued).
  std::optional<Voice> target;
  std::uint64_t target_seq = 0;
  std::atomic<std::uint64_t> target_seq_seen_by_inference{0};  // lets the writer peek without the lock
  bool keys_held = false;
  std::uint64_t keys_seq = 0;
  std::uint64_t reset_seq = 0;
  // For the control thread.
  EngineStatus status;
  std::vector<std::string> log;
  std::vector<int> snapshots;
  bool mapping_changed = false;
};

struct Engine::InferenceThread {
  Inference core;
  std::bitset<128> mapped;  ///< last set of CCs told to the JACK client
};

struct Engine::WriterThread {
  VoiceSync sync;
  Pacer pacer;
};

namespace {

CcMap make_cc_map(const EngineSetup& s) {
  const auto& c = s.config;
  std::vector<std::uint8_t> ignored = c.learn_ignore;
  if (c.snapshot_cc) ignored.push_back(*c.snapshot_cc);
  return CcMap::with_numbers(s.ccs, c.control_channel, ignored);
}

// CCs the JACK thread must not forward to the synth: the knobs (while learning,
// every number that could still become one) and the snapshot trigger.
std::bitset<128> mapped_ccs(const CcMap& map, const Config& c) {
  std::bitset<128> b;
  if (!map.complete()) {
    for (int cc = 0; cc < 120; ++cc) b.set(std::size_t(cc));
    for (auto cc : c.learn_ignore) b.reset(cc);
  }
  for (const auto& n : map.numbers())
    if (n) b.set(*n);
  if (c.snapshot_cc) b.set(*c.snapshot_cc);
  return b;
}

std::string learned_line(const CcMap& map, std::uint8_t learned) {
  std::string s;
  for (std::size_t d = 0; d < kLatentDims; ++d)
    if (learned & (1u << d)) s += "learned CC" + std::to_string(*map.numbers()[d]) + " -> dimension " +
                                  std::to_string(d + 1) + "; ";
  return s + "mapping: " + map.describe();
}

}  // namespace

Engine::Engine(EngineSetup setup, VoiceDecoder& decoder, JackClient& input, MidiOutput& output)
    : setup_(std::move(setup)), decoder_(decoder), input_(input), output_(output),
      shared_(std::make_unique<Shared>()) {
  const auto& c = setup_.config;
  InferenceSettings is{c.cache_size, c.snapshot_cc, c.snapshot_program_change, c.thru};
  inference_ = std::make_unique<InferenceThread>(InferenceThread{
      Inference(decoder_, make_cc_map(setup_), LatentMap(decoder_.quantiles(), c.map, setup_.anchor), is),
      {}});
  writer_ = std::make_unique<WriterThread>(WriterThread{VoiceSync(c.mode, c.device_channel), Pacer(setup_.pacing)});
}

Engine::~Engine() { stop(); }

void Engine::start() {
  if (started_) return;
  const auto& c = setup_.config;
  input_.set_thru(c.thru);
  input_.set_channel_filter(c.control_channel ? int(*c.control_channel) : -1);
  auto& inf = *inference_;
  inf.mapped = mapped_ccs(inf.core.cc_map(), c);
  input_.set_mapped_ccs(inf.mapped);

  // The first target before any thread runs, so the synth is in a known voice
  // from the first period on.
  const auto t0 = Clock::now();
  Voice first = inf.core.initial_voice(setup_.start_voice);
  const auto ns = std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
  {
    std::lock_guard lk(shared_->mutex);
    shared_->target = first;
    ++shared_->target_seq;
    shared_->target_seq_seen_by_inference = shared_->target_seq;
    auto& st = shared_->status;
    st.target = first;
    st.knobs = inf.core.knobs();
    st.latent = inf.core.latent();
    st.inference = inf.core.stats();
    st.cc_numbers = inf.core.cc_map().numbers();
    if (!setup_.start_voice) { st.decode_ns_total = ns; st.decode_ns_max = ns; }
    shared_->log.push_back("mapping: " + inf.core.cc_map().describe() +
                           (inf.core.cc_map().complete() ? "" : " (turn knobs to assign the rest)"));
  }
  stop_ = false;
  writer_thread_ = std::thread([this] { run_writer(); });
  inference_thread_ = std::thread([this] { run_inference(); });
  if (c.realtime_priority > 0) {
    // Meant to be below JACK's threads and above the rest of the machine (see
    // config/dxlatent.toml): a decode is then delayed only by JACK itself, not
    // by whatever else the computer runs.
    sched_param sp{};
    sp.sched_priority = c.realtime_priority;
    for (auto* t : {&inference_thread_, &writer_thread_}) {
      const int rc = pthread_setschedparam(t->native_handle(), SCHED_FIFO, &sp);
      if (rc != 0) {
        std::lock_guard lk(shared_->mutex);
        shared_->log.push_back("realtime priority " + std::to_string(c.realtime_priority) +
                               " refused (" + std::strerror(rc) + "); normal scheduling");
        break;
      }
    }
  }
  started_ = true;
}

void Engine::stop() {
  if (!started_) return;
  stop_ = true;
  {
    std::lock_guard lk(shared_->mutex);
    shared_->wake_writer.notify_all();
  }
  if (inference_thread_.joinable()) inference_thread_.join();
  if (writer_thread_.joinable()) writer_thread_.join();
  started_ = false;
}

// Inference thread.
void Engine::run_inference() {
  auto& inf = *inference_;
  auto& core = inf.core;
  auto& sh = *shared_;
  MidiEvent e;
  while (!stop_.load(std::memory_order_relaxed)) {
    inference_beats_.fetch_add(1, std::memory_order_relaxed);
    // The JACK thread never blocks to wake us: JackClient::wait_event waits on
    // its lock-free queue's own wake-up, at most one a period.
    // The timeout only bounds how late stop() is noticed and keeps the
    // heartbeat going while no knob moves; events themselves end the wait.
    if (!input_.wait_event(e, 10ms)) continue;
    core.fold(e);
    while (input_.poll(e)) core.fold(e);
    const InferenceNews news = core.take_news();

    // Keys and resets go out before the (slow) decode: a key release is what
    // lets the writer send its dump.
    if (news.keys_changed || news.synth_reset || news.learned || !news.snapshot_slots.empty()) {
      std::lock_guard lk(sh.mutex);
      if (news.keys_changed) {
        sh.keys_held = core.keys_held();
        sh.status.keys_held = sh.keys_held;
        ++sh.keys_seq;
      }
      if (news.synth_reset) {
        ++sh.reset_seq;
        sh.log.push_back("program change passed to the synth: resending the current voice");
      }
      if (news.learned) {
        sh.log.push_back(learned_line(core.cc_map(), news.learned));
        sh.mapping_changed = true;
        sh.status.cc_numbers = core.cc_map().numbers();
      }
      sh.snapshots.insert(sh.snapshots.end(), news.snapshot_slots.begin(), news.snapshot_slots.end());
      sh.wake_writer.notify_all();
    }
    if (news.learned) {
      inf.mapped = mapped_ccs(core.cc_map(), setup_.config);
      input_.set_mapped_ccs(inf.mapped);
    }

    if (!core.needs_decode()) continue;
    const auto decodes_before = core.stats().decodes;
    const auto t0 = Clock::now();
    std::optional<Voice> v;
    std::string error;
    try {
      v = core.decode_newest();
    } catch (const std::exception& ex) {
      error = ex.what();
    }
    const auto ns = std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count());
    std::lock_guard lk(sh.mutex);
    if (!error.empty()) {
      sh.log.push_back("decode failed, keeping the previous voice: " + error);
      continue;
    }
    auto& st = sh.status;
    if (core.stats().decodes != decodes_before) {
      st.decode_ns_total += ns;
      st.decode_ns_max = std::max(st.decode_ns_max, ns);
    }
    st.knobs = core.knobs();
    st.latent = core.latent();
    st.inference = core.stats();
    st.keys_held = core.keys_held();
    if (v) {
      sh.target = *v;
      st.target = *v;
      ++sh.target_seq;
      sh.target_seq_seen_by_inference.store(sh.target_seq, std::memory_order_release);
      sh.wake_writer.notify_all();
    }
  }
}

// SysEx writer thread.
void Engine::run_writer() {
  auto& w = *writer_;
  auto& sh = *shared_;
  std::uint64_t seen_target = 0, seen_keys = 0, seen_reset = 0;
  Clock::time_point wake = Clock::now();
  bool was_connected = true;
  while (true) {
    writer_beats_.fetch_add(1, std::memory_order_relaxed);
    {
      std::unique_lock lk(sh.mutex);
      sh.wake_writer.wait_until(lk, wake, [&] {
        return stop_.load() || sh.target_seq != seen_target || sh.keys_seq != seen_keys ||
               sh.reset_seq != seen_reset;
      });
      if (stop_.load()) return;
      if (sh.target_seq != seen_target && sh.target) {
        w.sync.set_target(*sh.target);
        seen_target = sh.target_seq;
      }
      if (sh.keys_seq != seen_keys) {
        w.sync.set_keys_held(sh.keys_held);
        seen_keys = sh.keys_seq;
      }
      if (sh.reset_seq != seen_reset) {
        w.sync.forget_synth();
        seen_reset = sh.reset_seq;
      }
    }
    // Without a pending reason to wake, look again in a while anyway (pacer
    // deadlines and connection changes are not signalled).
    wake = Clock::now() + 100ms;

    if (!output_.connected()) {
      // Whatever the synth holds after a reconnect is unknown: start with a dump.
      w.sync.forget_synth();
      if (was_connected) {
        std::lock_guard lk(sh.mutex);
        sh.log.push_back("output " + output_.describe() + " is not connected; waiting");
      }
      was_connected = false;
      wake = Clock::now() + 20ms;
      continue;
    }
    if (!was_connected) {
      std::lock_guard lk(sh.mutex);
      sh.log.push_back("output " + output_.describe() + " is back; resending the current voice");
    }
    was_connected = true;

    while (auto m = w.sync.next()) {
      const auto now = Clock::now();
      if (!w.pacer.ready(now)) {
        wake = w.pacer.ready_at();
        break;
      }
      const MessageKind kind = w.sync.next_kind();
      if (!output_.send(std::span<const std::uint8_t>(m->bytes.data(), m->size))) {
        std::lock_guard lk(sh.mutex);
        ++sh.status.send_retries;
        wake = now + 1ms;
        break;
      }
      w.pacer.sent(m->size, kind, now);
      w.sync.sent();
      {
        std::lock_guard lk(sh.mutex);
        auto& st = sh.status;
        ++st.messages_sent;
        if (kind == MessageKind::VoiceDump) ++st.dumps_sent;
        if (kind == MessageKind::ParamChange) ++st.params_sent;
        st.synth = w.sync.synth();
      }
      messages_sent_.fetch_add(1, std::memory_order_release);
      // A newer target makes the rest of this one's parameter changes stale.
      if (sh.target_seq_seen_by_inference.load(std::memory_order_acquire) != seen_target) {
        wake = Clock::now();
        break;
      }
      if (stop_.load()) return;
    }
  }
}

std::vector<std::string> Engine::take_log() {
  std::lock_guard lk(shared_->mutex);
  return std::exchange(shared_->log, {});
}

std::vector<int> Engine::take_snapshot_requests() {
  std::lock_guard lk(shared_->mutex);
  return std::exchange(shared_->snapshots, {});
}

bool Engine::take_mapping_changed() {
  std::lock_guard lk(shared_->mutex);
  return std::exchange(shared_->mapping_changed, false);
}

EngineStatus Engine::status() const {
  std::lock_guard lk(shared_->mutex);
  return shared_->status;
}

}  // namespace dxlatent
