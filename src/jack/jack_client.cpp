// The JACK client: see include/dxlatent/jack/jack_client.hpp for the threads.
//
// Everything the process thread touches lives in JackClient::Impl (as in jalv):
// the port handles, the preallocated queues, the atomic settings and counters.
// The process thread only reads/writes those; the non-rt side replaces the JACK
// handles only while the client is deactivated or dead.

#include "dxlatent/jack/jack_client.hpp"

#include <jack/jack.h>
#include <jack/midiport.h>
#include <readerwriterqueue/readerwriterqueue.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <span>
#include <mutex>
#include <regex>
#include <semaphore>
#include <thread>

namespace dxlatent {

namespace {

constexpr const char* kControlIn = "control_in";
constexpr const char* kSynthOut = "synth_out";
constexpr const char* kMonitorOut = "monitor_out";

std::uint64_t monotonic_ns() {  // [rt] clock_gettime(CLOCK_MONOTONIC) is a vDSO call, no syscall
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// Increment for counters with a single writer (the process thread): a plain
/// load/store pair avoids a locked instruction on every event.
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {  // [rt]
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

std::string describe_status(jack_status_t status) {
  std::string out;
  auto add = [&](jack_status_t bit, const char* text) {
    if (status & bit) {
      if (!out.empty()) out += ", ";
      out += text;
    }
  };
  add(JackFailure, "overall operation failed");
  add(JackInvalidOption, "invalid option");
  add(JackNameNotUnique, "client name not unique");
  add(JackServerFailed, "unable to connect to the JACK server (is it running?)");
  add(JackServerError, "communication error with the JACK server");
  add(JackNoSuchClient, "no such client");
  add(JackLoadFailure, "unable to load internal client");
  add(JackInitFailure, "unable to initialize client");
  add(JackShmFailure, "unable to access shared memory");
  add(JackVersionError, "client protocol version does not match");
  add(JackBackendError, "backend error");
  add(JackClientZombie, "client zombified");
  return out.empty() ? std::string("unknown error") : out;
}

// libjack prints its own diagnostics (e.g. every failed connect attempt while the
// server is down); route them to the log at debug level instead of stderr.
void jack_error_to_log(const char* msg) { spdlog::debug("libjack: {}", msg); }
void jack_info_to_log(const char* msg) { spdlog::debug("libjack: {}", msg); }

std::once_flag g_jack_log_once;

}  // namespace

struct JackClient::Impl {
  explicit Impl(JackClientOptions opts)
      : options(std::move(opts)),
        in_queue(std::max<std::size_t>(options.in_queue_capacity, 1)),
        out_queue(std::max<std::size_t>(options.out_queue_capacity, 1)),
        timing_queue(std::max<std::size_t>(options.timing_capacity, 1)) {}

  const JackClientOptions options;

  // ---- touched by the process thread ----------------------------------------------
  // Set by the control thread only while no process callback can run.
  jack_client_t* client = nullptr;
  jack_port_t* in_port = nullptr;
  jack_port_t* out_port = nullptr;
  ProcessHook hook = nullptr;
  void* hook_user = nullptr;
  // The audio monitor (set before open(), kept until destruction): the process
  // thread calls it through the raw pointer; monitor_owner keeps it alive.
  std::shared_ptr<AudioMonitor> monitor_owner;
  AudioMonitor* monitor = nullptr;
  jack_port_t* monitor_port = nullptr;
  // This period's thru messages for the monitor: filled by read_input, handed
  // over in the same callback; preallocated, never grown.
  std::array<MonitorEvent, AudioMonitor::kMaxEventsPerPeriod> monitor_events{};
  std::size_t monitor_count = 0;

  moodycamel::ReaderWriterQueue<MidiEvent> in_queue;           // process -> engine
  // Wakes wait_event(): posted at most once a period (a futex wake per event
  // would cost the callback microseconds in a storm), and only when the count is
  // 0 so it never runs ahead of the engine.
  moodycamel::spsc_sema::LightweightSemaphore in_ready;
  std::atomic<bool> wait_interrupted{false};  // interrupt_wait(): end the wait without an event
  moodycamel::ReaderWriterQueue<OutMessage> out_queue;         // writer -> process
  moodycamel::ReaderWriterQueue<std::uint32_t> timing_queue;   // process -> bench

  std::atomic<bool> thru{false};
  std::atomic<bool> thru_blocks_program_change{false};  ///< program changes are snapshot triggers
  std::atomic<int> channel_filter{-1};
  std::atomic<std::uint64_t> mapped_lo{0};  // CCs 0-63
  std::atomic<std::uint64_t> mapped_hi{0};  // CCs 64-127
  std::atomic<std::size_t> event_size_limit{0};
  std::atomic<std::size_t> max_event_size{0};

  struct Counters {
    std::atomic<std::uint64_t> periods{0}, events_in{0}, events_queued{0}, queue_overflows{0},
        sysex_in_ignored{0}, system_in_ignored{0}, malformed_in{0}, filtered_in{0}, thru_out{0},
        thru_dropped{0}, messages_out{0}, messages_deferred{0}, oversize_dropped{0}, xruns{0},
        max_callback_ns{0}, monitor_events{0}, monitor_dropped{0};
  } counters;

  // ---- non-rt ----------------------------------------------------------------------
  std::atomic<bool> server_lost{false};
  std::atomic<bool> running{false};
  std::atomic<bool> ports_changed{false};
  std::atomic<std::uint32_t> sample_rate{0};
  std::atomic<std::uint32_t> period_frames{0};

  std::mutex mutex;  // client handle, names, patterns: control thread vs housekeeper
  bool want_active = false;
  std::string client_name;
  std::string sources_pattern, destinations_pattern, monitor_pattern;
  std::regex sources_re, destinations_re, monitor_re;

  std::thread housekeeper;
  std::atomic<bool> stop_housekeeper{false};
  std::counting_semaphore<1 << 20> wake{0};

  // ---- process thread --------------------------------------------------------------
  static int process_cb(jack_nframes_t nframes, void* arg) {  // [rt]
    static_cast<Impl*>(arg)->process(nframes);
    return 0;
  }
  void process(jack_nframes_t nframes);                        // [rt]
  void read_input(void* in_buf, void* out_buf, std::size_t capacity, jack_nframes_t& last_time);  // [rt]
  void write_output(void* out_buf, std::size_t capacity, jack_nframes_t time);                    // [rt]
  bool cc_is_mapped(std::uint8_t cc) const {                   // [rt]
    const std::uint64_t bits = (cc < 64 ? mapped_lo : mapped_hi).load(std::memory_order_relaxed);
    return (bits >> (cc & 63)) & 1u;
  }

  // ---- JACK notification thread (non-rt, but must not call back into JACK) ---------
  static int xrun_cb(void* arg) {
    static_cast<Impl*>(arg)->counters.xruns.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  static void shutdown_cb(jack_status_t, const char*, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    self->server_lost.store(true);
    self->running.store(false);
  }
  static void port_registration_cb(jack_port_id_t, int registered, void* arg) {
    auto* self = static_cast<Impl*>(arg);
    if (registered) {
      self->ports_changed.store(true);
      self->wake.release();
    }
  }

  // ---- control thread / housekeeper (hold `mutex`) ------------------------------
  bool open_locked(std::string& error);
  void close_locked();
  bool activate_locked(std::string& error);
  int apply_connections_locked();
  std::vector<JackPortInfo> list_ports_locked() const;
  void start_housekeeper();
  void stop_housekeeper_thread();
  void housekeeping_loop();
};

// ==== process thread =================================================================

void JackClient::Impl::process(jack_nframes_t nframes) {  // [rt]
  if (hook) hook(hook_user, true);
  const std::uint64_t t0 = monotonic_ns();

  void* in_buf = jack_port_get_buffer(in_port, nframes);
  void* out_buf = jack_port_get_buffer(out_port, nframes);
  jack_midi_clear_buffer(out_buf);

  // What one event may occupy in an empty period: the never-fits threshold.
  std::size_t capacity = jack_midi_max_event_size(out_buf);
  const std::size_t limit = event_size_limit.load(std::memory_order_relaxed);
  if (limit != 0 && limit < capacity) capacity = limit;
  max_event_size.store(capacity, std::memory_order_relaxed);

  jack_nframes_t last_time = 0;
  monitor_count = 0;
  const std::uint64_t queued_before = counters.events_queued.load(std::memory_order_relaxed);
  read_input(in_buf, out_buf, capacity, last_time);
  if (counters.events_queued.load(std::memory_order_relaxed) != queued_before && in_ready.availableApprox() == 0)
    in_ready.signal();
  write_output(out_buf, capacity, last_time);
  if (monitor != nullptr && monitor_port != nullptr) {
    auto* audio = static_cast<float*>(jack_port_get_buffer(monitor_port, nframes));
    monitor->process(std::span<const MonitorEvent>(monitor_events.data(), monitor_count), audio, nframes);
  }

  bump(counters.periods);
  const std::uint64_t dt = monotonic_ns() - t0;
  if (dt > counters.max_callback_ns.load(std::memory_order_relaxed))
    counters.max_callback_ns.store(dt, std::memory_order_relaxed);
  if (options.timing_capacity > 0)
    timing_queue.try_enqueue(static_cast<std::uint32_t>(std::min<std::uint64_t>(dt, UINT32_MAX)));
  if (hook) hook(hook_user, false);
}

void JackClient::Impl::read_input(void* in_buf, void* out_buf, std::size_t capacity,
                                  jack_nframes_t& last_time) {  // [rt]
  const jack_nframes_t base = jack_last_frame_time(client);
  const std::uint32_t n = jack_midi_get_event_count(in_buf);
  const bool thru_on = thru.load(std::memory_order_relaxed);
  const bool block_pc = thru_blocks_program_change.load(std::memory_order_relaxed);
  const int filter = channel_filter.load(std::memory_order_relaxed);
  bump(counters.events_in, n);

  for (std::uint32_t i = 0; i < n; ++i) {
    jack_midi_event_t ev;
    if (jack_midi_event_get(&ev, in_buf, i) != 0 || ev.size == 0) {
      bump(counters.malformed_in);
      continue;
    }
    const std::uint8_t status = ev.buffer[0];
    if (status == 0xF0 || status == 0xF7) {  // SysEx: the controller's, not the synth's business
      bump(counters.sysex_in_ignored);
      continue;
    }
    if (status > 0xF0) {  // clock, active sensing, song position...: would confuse the synth
      bump(counters.system_in_ignored);
      continue;
    }
    const std::uint8_t type = status & 0xF0;
    const std::size_t expected = (type == 0xC0 || type == 0xD0) ? 2 : 3;
    // JACK delivers one complete message per event; anything else (running status,
    // stray data bytes, several messages in one event) is not ours to guess.
    if (status < 0x80 || ev.size != expected || ev.buffer[1] >= 0x80 ||
        (expected == 3 && ev.buffer[2] >= 0x80)) {
      bump(counters.malformed_in);
      continue;
    }
    if (filter >= 0 && (status & 0x0F) != filter) {
      bump(counters.filtered_in);
      continue;
    }

    MidiEvent event;
    event.status = status;
    event.data1 = ev.buffer[1];
    event.data2 = expected == 3 ? ev.buffer[2] : 0;
    event.frame = base + ev.time;
    if (in_queue.try_enqueue(event))
      bump(counters.events_queued);
    else
      bump(counters.queue_overflows);

    if (thru_on && !(type == 0xB0 && cc_is_mapped(event.data1)) && !(type == 0xC0 && block_pc)) {
      // The monitor plays what the synth would get, whether or not synth_out had room.
      if (monitor != nullptr) {
        if (monitor_count < monitor_events.size()) {
          monitor_events[monitor_count++] = MonitorEvent{ev.time, status, event.data1, event.data2};
          bump(counters.monitor_events);
        } else {
          bump(counters.monitor_dropped);
        }
      }
      // Events must be written in time order; input events already are.
      const jack_nframes_t t = std::max(ev.time, last_time);
      if (expected <= capacity && jack_midi_event_write(out_buf, t, ev.buffer, expected) == 0) {
        last_time = t;
        bump(counters.thru_out);
      } else {
        bump(counters.thru_dropped);
      }
    }
  }
}

void JackClient::Impl::write_output(void* out_buf, std::size_t capacity,
                                    jack_nframes_t time) {  // [rt]
  // Peek, write, then pop: a message that finds no room stays at the head.
  while (const OutMessage* msg = out_queue.peek()) {
    if (msg->size > capacity) {  // can never fit: count it for the non-rt side to report
      bump(counters.oversize_dropped);
      out_queue.pop();
      continue;
    }
    if (msg->size > jack_midi_max_event_size(out_buf)) {
      bump(counters.messages_deferred);
      return;
    }
    jack_midi_data_t* dst = jack_midi_event_reserve(out_buf, time, msg->size);
    if (dst == nullptr) {
      bump(counters.messages_deferred);
      return;
    }
    std::memcpy(dst, msg->bytes.data(), msg->size);
    bump(counters.messages_out);
    out_queue.pop();
  }
}

// ==== control thread / housekeeper ====================================================

bool JackClient::Impl::open_locked(std::string& error) {
  jack_status_t status{};
  jack_options_t opts = JackNoStartServer;
  if (!options.server_name.empty()) opts = static_cast<jack_options_t>(opts | JackServerName);
  jack_client_t* c = jack_client_open(options.client_name.c_str(), opts, &status,
                                      options.server_name.c_str());
  const std::string server = options.server_name.empty() ? "(default)" : options.server_name;
  if (c == nullptr) {
    error = "cannot open JACK client '" + options.client_name + "' on server '" + server +
            "': " + describe_status(status);
    return false;
  }
  jack_port_t* in = jack_port_register(c, kControlIn, JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
  jack_port_t* out = jack_port_register(c, kSynthOut, JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
  if (in == nullptr || out == nullptr) {
    jack_client_close(c);
    error = "cannot register MIDI ports on JACK server '" + server + "'";
    return false;
  }
  jack_port_t* audio = nullptr;
  if (monitor != nullptr) {
    audio = jack_port_register(c, kMonitorOut, JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    if (audio == nullptr) {
      jack_client_close(c);
      error = "cannot register the audio port " + std::string(kMonitorOut) + " on JACK server '" + server + "'";
      return false;
    }
    // Before activation, at this server's rate: the monitor instantiates here,
    // never on the process thread.
    try {
      monitor->prepare(jack_get_sample_rate(c), jack_get_buffer_size(c));
    } catch (const std::exception& e) {
      jack_client_close(c);
      error = std::string("the audio monitor could not start: ") + e.what();
      return false;
    }
  }
  if (jack_set_process_callback(c, &Impl::process_cb, this) != 0 ||
      jack_set_xrun_callback(c, &Impl::xrun_cb, this) != 0 ||
      jack_set_port_registration_callback(c, &Impl::port_registration_cb, this) != 0) {
    jack_client_close(c);
    error = "cannot install JACK callbacks on server '" + server + "'";
    return false;
  }
  jack_on_info_shutdown(c, &Impl::shutdown_cb, this);

  client = c;
  in_port = in;
  out_port = out;
  monitor_port = audio;
  client_name = jack_get_client_name(c);
  sample_rate.store(jack_get_sample_rate(c));
  period_frames.store(jack_get_buffer_size(c));
  server_lost.store(false);
  return true;
}

void JackClient::Impl::close_locked() {
  if (client == nullptr) return;
  if (running.load() && !server_lost.load()) jack_deactivate(client);
  running.store(false);
  jack_client_close(client);  // also frees a client whose server died
  client = nullptr;
  in_port = nullptr;
  out_port = nullptr;
  monitor_port = nullptr;
}

bool JackClient::Impl::activate_locked(std::string& error) {
  if (client == nullptr) {
    error = "JACK client is not open";
    return false;
  }
  if (running.load()) return true;
  if (jack_activate(client) != 0) {
    error = "JACK refused to activate client '" + client_name + "'";
    return false;
  }
  running.store(true);
  return true;
}

int JackClient::Impl::apply_connections_locked() {
  if (client == nullptr || server_lost.load()) return 0;
  const std::string own = client_name + ":";
  const std::string in_name = own + kControlIn;
  const std::string out_name = own + kSynthOut;
  int made = 0;
  auto connect_all = [&](const std::string& pattern, const std::regex& re, unsigned long flags,
                         jack_port_t* ours, const std::string& our_name, bool ours_is_dest,
                         const char* type = JACK_DEFAULT_MIDI_TYPE) {
    if (pattern.empty() || ours == nullptr) return;
    const char** ports = jack_get_ports(client, nullptr, type, flags);
    if (ports == nullptr) return;
    for (const char** p = ports; *p != nullptr; ++p) {
      const std::string name = *p;
      if (name.rfind(own, 0) == 0 || !std::regex_search(name, re)) continue;
      if (jack_port_connected_to(ours, name.c_str())) continue;
      const std::string& src = ours_is_dest ? name : our_name;
      const std::string& dst = ours_is_dest ? our_name : name;
      const int rc = jack_connect(client, src.c_str(), dst.c_str());
      if (rc == 0) {
        spdlog::info("JACK: connected {} -> {}", src, dst);
        ++made;
      } else if (rc != EEXIST) {  // EEXIST: made a moment ago, not yet visible
        spdlog::warn("JACK: could not connect {} -> {} (error {})", src, dst, rc);
      }
    }
    jack_free(ports);
  };
  connect_all(sources_pattern, sources_re, JackPortIsOutput, in_port, in_name, true);
  connect_all(destinations_pattern, destinations_re, JackPortIsInput, out_port, out_name, false);
  connect_all(monitor_pattern, monitor_re, JackPortIsInput, monitor_port, own + kMonitorOut, false,
              JACK_DEFAULT_AUDIO_TYPE);
  return made;
}

std::vector<JackPortInfo> JackClient::Impl::list_ports_locked() const {
  std::vector<JackPortInfo> out;
  if (client == nullptr || server_lost.load()) return out;
  const char** ports = jack_get_ports(client, nullptr, nullptr, 0);
  if (ports == nullptr) return out;
  for (const char** p = ports; *p != nullptr; ++p) {
    JackPortInfo info;
    info.name = *p;
    if (jack_port_t* port = jack_port_by_name(client, *p)) {
      const int flags = jack_port_flags(port);
      info.is_output = (flags & JackPortIsOutput) != 0;
      info.is_physical = (flags & JackPortIsPhysical) != 0;
      if (const char* type = jack_port_type(port)) info.type = type;
      if (const char** conns = jack_port_get_all_connections(client, port)) {
        for (const char** c = conns; *c != nullptr; ++c) info.connections.emplace_back(*c);
        jack_free(conns);
      }
    }
    out.push_back(std::move(info));
  }
  jack_free(ports);
  return out;
}

void JackClient::Impl::start_housekeeper() {
  if (housekeeper.joinable()) return;
  stop_housekeeper.store(false);
  housekeeper = std::thread([this] { housekeeping_loop(); });
}

void JackClient::Impl::stop_housekeeper_thread() {
  if (!housekeeper.joinable()) return;
  stop_housekeeper.store(true);
  wake.release();
  housekeeper.join();
}

void JackClient::Impl::housekeeping_loop() {
  // Reports what the process thread could only count. Each counter is logged when
  // it grows, at most once a second, so a storm gives a line a second, not one an event.
  struct Watched {
    const std::atomic<std::uint64_t>* counter;
    const char* what;
    std::uint64_t reported = 0;
  };
  Watched watched[] = {
      {&counters.oversize_dropped, "outgoing message(s) larger than synth_out can carry were dropped"},
      {&counters.queue_overflows, "incoming event(s) lost: the engine did not keep up (queue full)"},
      {&counters.thru_dropped, "thru message(s) found no room in synth_out"},
      {&counters.monitor_dropped, "thru message(s) beyond what the audio monitor takes in one period"},
      {&counters.sysex_in_ignored, "SysEx message(s) from the controller ignored"},
      {&counters.malformed_in, "malformed MIDI event(s) on control_in ignored"},
      {&counters.xruns, "JACK xrun(s)"},
  };
  auto last_report = std::chrono::steady_clock::now() - std::chrono::seconds(2);
  bool lost_reported = false;

  while (!stop_housekeeper.load()) {
    wake.try_acquire_for(std::chrono::milliseconds(100));
    if (stop_housekeeper.load()) break;

    if (ports_changed.exchange(false)) {
      std::lock_guard lock(mutex);
      if (running.load()) apply_connections_locked();
    }

    const bool lost = server_lost.load();
    if (lost && !lost_reported)
      spdlog::error("JACK: server '{}' is gone; waiting to reconnect",
                    options.server_name.empty() ? "(default)" : options.server_name);
    lost_reported = lost;

    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::seconds(1)) {
      bool any = false;
      for (auto& w : watched) {
        const std::uint64_t v = w.counter->load(std::memory_order_relaxed);
        if (w.counter == &counters.xruns && !options.report_xruns) continue;
        if (v != w.reported) {
          spdlog::warn("JACK: {} {} (total {})", v - w.reported, w.what, v);
          w.reported = v;
          any = true;
        }
      }
      if (any) last_report = now;
    }
  }
}

// ==== public API =======================================================================

JackClient::JackClient(JackClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  std::call_once(g_jack_log_once, [] {
    jack_set_error_function(&jack_error_to_log);
    jack_set_info_function(&jack_info_to_log);
  });
}

JackClient::~JackClient() { close(); }

void JackClient::open() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->client != nullptr) throw JackError("JACK client '" + impl_->client_name + "' is already open");
  std::string error;
  if (!impl_->open_locked(error)) throw JackError(error);
  spdlog::info("JACK: client '{}' open ({} Hz, {} frames a period)", impl_->client_name,
               impl_->sample_rate.load(), impl_->period_frames.load());
}

void JackClient::activate() {
  {
    std::lock_guard lock(impl_->mutex);
    std::string error;
    if (!impl_->activate_locked(error)) throw JackError(error);
    impl_->want_active = true;
    impl_->apply_connections_locked();
  }
  impl_->start_housekeeper();
}

void JackClient::close() {
  impl_->stop_housekeeper_thread();
  std::lock_guard lock(impl_->mutex);
  impl_->want_active = false;
  impl_->close_locked();
}

bool JackClient::is_open() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->client != nullptr;
}

bool JackClient::is_running() const { return impl_->running.load() && !impl_->server_lost.load(); }

bool JackClient::server_lost() const { return impl_->server_lost.load(); }

bool JackClient::reconnect(std::chrono::milliseconds timeout, const std::atomic<bool>* cancel,
                           std::chrono::milliseconds retry_interval) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  auto cancelled = [&] { return cancel != nullptr && cancel->load(); };
  std::unique_lock lock(impl_->mutex);
  std::string error;
  for (;;) {
    impl_->close_locked();
    bool ok = impl_->open_locked(error);
    if (ok && impl_->want_active) {
      ok = impl_->activate_locked(error);
      if (ok) {
        // Right after a server restart JACK2 now and then activates a client
        // whose process callback never runs: see it run before calling it back.
        const std::uint64_t start = impl_->counters.periods.load();
        lock.unlock();
        const auto until = clock::now() + std::chrono::seconds(1);  // even past `timeout`
        while (impl_->counters.periods.load() < start + 2 && clock::now() < until && !cancelled())
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        lock.lock();
        ok = impl_->counters.periods.load() >= start + 2 && !impl_->server_lost.load();
        if (!ok) error = "client '" + impl_->client_name + "' activated but its process callback does not run";
      }
    }
    if (ok) break;
    if (cancelled() || clock::now() >= deadline) {
      impl_->close_locked();
      // debug: callers retry in a loop while the server is down, and log themselves.
      spdlog::debug("JACK: reconnect gave up after {} ms: {}", timeout.count(), error);
      return false;
    }
    spdlog::debug("JACK: reconnect: {}", error);
    // Sleep without the lock so counters/list_ports callers are not held up.
    lock.unlock();
    const auto until = std::min(deadline, clock::now() + retry_interval);
    while (clock::now() < until && !cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lock.lock();
  }
  if (impl_->want_active) impl_->apply_connections_locked();
  spdlog::info("JACK: server back; client '{}' reconnected", impl_->client_name);
  return true;
}

std::string JackClient::client_name() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->client_name;
}
std::string JackClient::control_in_name() const { return client_name() + ":" + kControlIn; }
std::string JackClient::synth_out_name() const { return client_name() + ":" + kSynthOut; }
std::string JackClient::monitor_out_name() const { return client_name() + ":" + kMonitorOut; }

void JackClient::set_audio_monitor(std::shared_ptr<AudioMonitor> monitor, const std::string& connect_pattern) {
  std::regex re;
  try {
    if (!connect_pattern.empty()) re = std::regex(connect_pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw JackError("invalid monitor port pattern '" + connect_pattern + "': " + e.what());
  }
  std::lock_guard lock(impl_->mutex);
  // The port and prepare() belong to open(): a monitor set later would never run.
  if (impl_->client != nullptr) throw JackError("set_audio_monitor() after open()");
  impl_->monitor_owner = std::move(monitor);
  impl_->monitor = impl_->monitor_owner.get();
  impl_->monitor_pattern = connect_pattern;
  impl_->monitor_re = std::move(re);
}
std::uint32_t JackClient::sample_rate() const { return impl_->sample_rate.load(); }
std::uint32_t JackClient::period_frames() const { return impl_->period_frames.load(); }
std::size_t JackClient::max_event_size() const { return impl_->max_event_size.load(); }

void JackClient::connect_matching(const std::string& sources, const std::string& destinations) {
  std::regex src_re, dst_re;
  try {
    if (!sources.empty()) src_re = std::regex(sources, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw JackError("invalid source port pattern '" + sources + "': " + e.what());
  }
  try {
    if (!destinations.empty()) dst_re = std::regex(destinations, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw JackError("invalid destination port pattern '" + destinations + "': " + e.what());
  }
  std::lock_guard lock(impl_->mutex);
  impl_->sources_pattern = sources;
  impl_->destinations_pattern = destinations;
  impl_->sources_re = std::move(src_re);
  impl_->destinations_re = std::move(dst_re);
  if (impl_->running.load()) impl_->apply_connections_locked();
}

int JackClient::apply_connections() {
  std::lock_guard lock(impl_->mutex);
  return impl_->running.load() ? impl_->apply_connections_locked() : 0;
}

int JackClient::connection_count(bool synth_out) const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->client == nullptr || impl_->server_lost.load()) return 0;
  return jack_port_connected(synth_out ? impl_->out_port : impl_->in_port);
}

int JackClient::monitor_connection_count() const {
  std::lock_guard lock(impl_->mutex);
  if (impl_->client == nullptr || impl_->server_lost.load() || impl_->monitor_port == nullptr) return 0;
  return jack_port_connected(impl_->monitor_port);
}

std::vector<JackPortInfo> JackClient::list_ports() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->list_ports_locked();
}

std::vector<JackPortInfo> JackClient::list_ports(const std::string& server_name) {
  JackClientOptions opts;
  opts.client_name = "dxlatent-list";
  opts.server_name = server_name;
  opts.in_queue_capacity = opts.out_queue_capacity = 1;
  JackClient lister(opts);
  lister.open();
  auto ports = lister.list_ports();
  const std::string own = lister.client_name() + ":";
  std::erase_if(ports, [&](const JackPortInfo& p) { return p.name.rfind(own, 0) == 0; });
  return ports;
}

void JackClient::set_thru(bool on) { impl_->thru.store(on); }
void JackClient::reset_max_callback_ns() { impl_->counters.max_callback_ns.store(0, std::memory_order_relaxed); }
void JackClient::set_thru_blocks_program_change(bool on) { impl_->thru_blocks_program_change.store(on); }
bool JackClient::thru() const { return impl_->thru.load(); }
void JackClient::set_channel_filter(int channel) {
  impl_->channel_filter.store(channel >= 0 && channel < 16 ? channel : -1);
}
int JackClient::channel_filter() const { return impl_->channel_filter.load(); }

void JackClient::set_thru_blocked_ccs(const std::bitset<128>& ccs) {
  std::uint64_t lo = 0, hi = 0;
  for (std::size_t i = 0; i < 64; ++i) {
    if (ccs[i]) lo |= 1ull << i;
    if (ccs[i + 64]) hi |= 1ull << i;
  }
  impl_->mapped_lo.store(lo);
  impl_->mapped_hi.store(hi);
}

std::bitset<128> JackClient::thru_blocked_ccs() const {
  std::bitset<128> out;
  for (std::uint8_t cc = 0; cc < 128; ++cc) out[cc] = impl_->cc_is_mapped(cc);
  return out;
}

void JackClient::set_event_size_limit(std::size_t bytes) { impl_->event_size_limit.store(bytes); }

bool JackClient::send(const OutMessage& message) {
  if (message.size == 0 || message.size > kMaxOutMessage) return false;
  return impl_->out_queue.try_enqueue(message);
}

std::size_t JackClient::out_pending() const { return impl_->out_queue.size_approx(); }

bool JackClient::poll(MidiEvent& event) { return impl_->in_queue.try_dequeue(event); }

bool JackClient::wait_event(MidiEvent& event, std::chrono::microseconds timeout) {
  if (impl_->in_queue.try_dequeue(event)) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return impl_->in_queue.try_dequeue(event);
    impl_->in_ready.wait(left.count());
    // A post may be left over from a period whose events poll() already took.
    if (impl_->in_queue.try_dequeue(event)) return true;
    if (impl_->wait_interrupted.exchange(false)) return false;
  }
}

void JackClient::interrupt_wait() {
  impl_->wait_interrupted.store(true);
  impl_->in_ready.signal();
}

JackCounters JackClient::counters() const {
  const auto& c = impl_->counters;
  auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  JackCounters out;
  out.periods = r(c.periods);
  out.events_in = r(c.events_in);
  out.events_queued = r(c.events_queued);
  out.queue_overflows = r(c.queue_overflows);
  out.sysex_in_ignored = r(c.sysex_in_ignored);
  out.system_in_ignored = r(c.system_in_ignored);
  out.malformed_in = r(c.malformed_in);
  out.filtered_in = r(c.filtered_in);
  out.thru_out = r(c.thru_out);
  out.thru_dropped = r(c.thru_dropped);
  out.messages_out = r(c.messages_out);
  out.messages_deferred = r(c.messages_deferred);
  out.oversize_dropped = r(c.oversize_dropped);
  out.xruns = r(c.xruns);
  out.max_callback_ns = r(c.max_callback_ns);
  out.monitor_events = r(c.monitor_events);
  out.monitor_dropped = r(c.monitor_dropped);
  return out;
}

bool JackClient::poll_callback_ns(std::uint32_t& ns) { return impl_->timing_queue.try_dequeue(ns); }

void JackClient::set_process_hook(ProcessHook hook, void* user) {
  std::lock_guard lock(impl_->mutex);
  impl_->hook = hook;
  impl_->hook_user = user;
}

}  // namespace dxlatent
