// Proof that JackClient's process callback never allocates, locks or waits,
// against a real jackd. This binary replaces malloc & co. and the blocking
// pthread/semaphore/sleep calls process-wide; each replacement counts a call made
// while the calling thread is "armed", which only the process callback's test
// hook does (from its first to its last instruction), then forwards to glibc.
// The Deliberate* test proves the detector fires when the callback misbehaves.
// The Monitor* test runs the same traffic with the built-in audio monitor
// (hexter, output kind "hexter") hosted in the client and voice changes flowing
// through its writer-side output.

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/monitor_output.hpp"
#include "dxlatent/monitor/hexter_monitor.hpp"
#include "dxlatent/render/hexter_plugin.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "support/jack_test_server.hpp"
#include "support/test_midi_client.hpp"

extern "C" {
void* __libc_malloc(size_t);
void __libc_free(void*);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
}

namespace {

// initial-exec TLS in the executable: reading it never allocates.
thread_local bool t_armed = false;
std::atomic<std::uint64_t> g_allocs{0};  // malloc family, incl. operator new (it calls malloc)
std::atomic<std::uint64_t> g_locks{0};   // mutex locks that may wait
// pthread_mutex_trylock never waits, but it is counted apart so that only the
// one place that uses it is allowed it: hexter's run_synth on the monitor path.
std::atomic<std::uint64_t> g_trylocks{0};
std::atomic<std::uint64_t> g_waits{0};   // condition/semaphore waits, sleeps

inline void count(std::atomic<std::uint64_t>& c) {
  if (t_armed) c.fetch_add(1, std::memory_order_relaxed);
}

template <typename F>
F next_symbol(const char* name) {
  // dlsym may allocate; it runs unarmed (first use happens long before arming).
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

void* malloc(size_t n) {
  count(g_allocs);
  return __libc_malloc(n);
}
void free(void* p) {
  if (p != nullptr) count(g_allocs);
  __libc_free(p);
}
void* calloc(size_t n, size_t s) {
  count(g_allocs);
  return __libc_calloc(n, s);
}
void* realloc(void* p, size_t n) {
  count(g_allocs);
  return __libc_realloc(p, n);
}
void* memalign(size_t a, size_t n) {
  count(g_allocs);
  return __libc_memalign(a, n);
}
void* aligned_alloc(size_t a, size_t n) {
  count(g_allocs);
  return __libc_memalign(a, n);
}
int posix_memalign(void** out, size_t a, size_t n) {
  count(g_allocs);
  void* p = __libc_memalign(a, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

int pthread_mutex_lock(pthread_mutex_t* m) {
  static auto real = next_symbol<int (*)(pthread_mutex_t*)>("pthread_mutex_lock");
  count(g_locks);
  return real(m);
}
int pthread_mutex_trylock(pthread_mutex_t* m) {
  static auto real = next_symbol<int (*)(pthread_mutex_t*)>("pthread_mutex_trylock");
  count(g_trylocks);
  return real(m);
}
int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  static auto real = next_symbol<int (*)(pthread_rwlock_t*)>("pthread_rwlock_rdlock");
  count(g_locks);
  return real(l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  static auto real = next_symbol<int (*)(pthread_rwlock_t*)>("pthread_rwlock_wrlock");
  count(g_locks);
  return real(l);
}
int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  static auto real = next_symbol<int (*)(pthread_cond_t*, pthread_mutex_t*)>("pthread_cond_wait");
  count(g_waits);
  return real(c, m);
}
int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m, const struct timespec* t) {
  static auto real = next_symbol<int (*)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*)>(
      "pthread_cond_timedwait");
  count(g_waits);
  return real(c, m, t);
}
int sem_wait(sem_t* s) {
  static auto real = next_symbol<int (*)(sem_t*)>("sem_wait");
  count(g_waits);
  return real(s);
}
int sem_timedwait(sem_t* s, const struct timespec* t) {
  static auto real = next_symbol<int (*)(sem_t*, const struct timespec*)>("sem_timedwait");
  count(g_waits);
  return real(s, t);
}
int nanosleep(const struct timespec* req, struct timespec* rem) {
  static auto real = next_symbol<int (*)(const struct timespec*, struct timespec*)>("nanosleep");
  count(g_waits);
  return real(req, rem);
}
int clock_nanosleep(clockid_t clock, int flags, const struct timespec* req, struct timespec* rem) {
  static auto real = next_symbol<int (*)(clockid_t, int, const struct timespec*, struct timespec*)>(
      "clock_nanosleep");
  count(g_waits);
  return real(clock, flags, req, rem);
}

}  // extern "C"

namespace dxlatent {
namespace {

using dxlatent::testing::JackServerTest;
using dxlatent::testing::TestMidiClient;
using dxlatent::testing::wait_until;
using namespace std::chrono_literals;

enum class Misbehave { no, allocate, lock, sleep };

struct HookState {
  Misbehave misbehave = Misbehave::no;
  std::atomic<std::uint64_t> calls{0};
  std::mutex mutex;
};

void arm_hook(void* user, bool entering) {
  auto* state = static_cast<HookState*>(user);
  if (!entering) {
    t_armed = false;
    return;
  }
  state->calls.fetch_add(1, std::memory_order_relaxed);
  t_armed = true;
  // The deliberately broken callback of the detector's own test.
  switch (state->misbehave) {
    case Misbehave::allocate: {
      void* volatile p = std::malloc(64);
      std::free(p);
      break;
    }
    case Misbehave::lock: {
      std::lock_guard lock(state->mutex);
      break;
    }
    case Misbehave::sleep:
      std::this_thread::sleep_for(1us);
      break;
    case Misbehave::no:
      break;
  }
}

OutMessage voice_dump(int seed) {
  OutMessage m;
  m.size = 163;
  m.bytes[0] = 0xF0;
  for (int i = 1; i < 162; ++i) m.bytes[i] = static_cast<std::uint8_t>((i + seed) & 0x7F);
  m.bytes[162] = 0xF7;
  return m;
}

struct Traffic {
  std::uint64_t allocs, locks, trylocks, waits, hook_calls;
  JackCounters counters;
  std::size_t sink_received;
  std::uint64_t voices_to_monitor = 0;  ///< voice changes the monitor took
  std::uint64_t monitor_held = 0;       ///< messages a voice change held back a period
};

// Two voices far apart, key sync off (phases carried over: the worst case for
// the voice structures hexter reuses), for the monitor's writer side.
Voice voice_a() {
  Voice v = sysex::init_voice();
  v.bytes[136] = 0;
  return v;
}
Voice voice_b() {
  Voice v = voice_a();
  v.bytes[kAlgorithmOffset] = 21;
  v.bytes[135] = 7;
  for (std::size_t op = 0; op < 6; ++op) v.bytes[op * kOperatorBytes + 16] = 90;
  return v;
}

/// One second of traffic through every path of the callback: CCs and notes in
/// (queued and forwarded), SysEx/realtime in (ignored), voice dumps out. With
/// `monitor`, the client hosts a HexterMonitor (its audio port unconnected: it
/// renders all the same), and a second writer hands it a voice dump or a
/// parameter change every 3 ms through MonitorOutput, as the engine's writer would.
Traffic drive(Misbehave misbehave, bool monitor = false) {
  HookState state;
  state.misbehave = misbehave;
  JackClientOptions o;
  o.client_name = "dxl";
  JackClient jc(o);
  jc.set_process_hook(&arm_hook, &state);
  std::shared_ptr<HexterMonitor> hexter;
  if (monitor) {
    hexter = std::make_shared<HexterMonitor>();
    jc.set_audio_monitor(hexter, "");
  }
  jc.open();
  std::unique_ptr<MonitorOutput> to_monitor;
  if (hexter) to_monitor = std::make_unique<MonitorOutput>(hexter, jc);
  jc.connect_matching("^src:out$", "^sink:in$");
  jc.set_thru(true);
  std::bitset<128> mapped;
  for (int cc = 20; cc < 28; ++cc) mapped.set(cc);
  jc.set_thru_blocked_ccs(mapped);
  jc.activate();
  TestMidiClient src("src");
  TestMidiClient sink("sink");
  EXPECT_TRUE(wait_until([&] {
    std::size_t n = 0;
    for (const auto& p : jc.list_ports())
      if (p.name == "dxl:control_in" || p.name == "dxl:synth_out") n += p.connections.size();
    return n == 2;
  }));

  state.calls = 0;
  g_allocs = 0;
  g_locks = 0;
  g_trylocks = 0;
  g_waits = 0;
  std::atomic<bool> stop{false};
  std::thread engine([&] {  // consumer: wakes through the queue's semaphore
    MidiEvent e;
    while (!stop) jc.wait_event(e, 5ms);
  });
  std::thread writer([&] {  // producer: a voice dump every 2 ms, as fast as a knob storm
    for (int i = 0; !stop; ++i) {
      jc.send(voice_dump(i));
      std::this_thread::sleep_for(2ms);
    }
  });
  std::atomic<std::uint64_t> voices_to_monitor{0};
  std::thread monitor_writer([&] {  // the monitor's writer side: dumps and parameter changes
    if (!to_monitor) return;
    for (int i = 0; !stop; ++i) {
      bool ok;
      if (i % 3 == 2) {  // a parameter change: OP1's output level
        const auto pc = sysex::encode_param_change(0, 5 * kOperatorBytes + 16, static_cast<std::uint8_t>(i % 100));
        ok = to_monitor->send(std::span<const std::uint8_t>(pc.data(), pc.size()));
      } else {
        const auto d = sysex::encode_single_voice(i % 2 ? voice_b() : voice_a(), 0);
        ok = to_monitor->send(std::span<const std::uint8_t>(d.data(), d.size()));
      }
      if (ok) voices_to_monitor.fetch_add(1);
      std::this_thread::sleep_for(3ms);
    }
  });
  const auto end = std::chrono::steady_clock::now() + 1s;
  for (int i = 0; std::chrono::steady_clock::now() < end; ++i) {
    const auto v = static_cast<std::uint8_t>(i & 0x7F);
    src.send({0xB0, static_cast<std::uint8_t>(20 + i % 8), v});  // mapped: queued only
    src.send({0xB0, 74, v});                                      // unmapped: thru too
    if (i % 10 == 0) src.send({0x90, 60, 100});
    if (i % 10 == 5) src.send({0x80, 60, 0});
    if (i % 20 == 0) src.send({0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7});
    if (i % 5 == 0) src.send({0xFE});
    if (i % 3 == 0) src.send({0xF8});
    std::this_thread::sleep_for(1ms);
  }
  stop = true;
  engine.join();
  writer.join();
  monitor_writer.join();
  const std::uint64_t calls = state.calls.load();  // read first: a call counts itself before misbehaving
  Traffic t{g_allocs.load(), g_locks.load(), g_trylocks.load(), g_waits.load(), calls, jc.counters(),
            sink.received().size()};
  t.voices_to_monitor = voices_to_monitor.load();
  if (hexter) t.monitor_held = hexter->held_events();
  jc.close();
  return t;
}

class JackClientRtSafety : public JackServerTest {};

TEST_F(JackClientRtSafety, ProcessCallbackNeitherAllocatesNorLocksNorWaits) {
  const Traffic t = drive(Misbehave::no);
  // The traffic really went through every path.
  // (Thresholds allow for a loaded machine running ~300 of the 750 periods.)
  EXPECT_GT(t.hook_calls, 200u);
  EXPECT_GT(t.counters.events_queued, 500u);
  EXPECT_GT(t.counters.thru_out, 200u);
  EXPECT_GT(t.counters.messages_out, 50u);
  EXPECT_GT(t.counters.sysex_in_ignored, 5u);
  EXPECT_GT(t.counters.system_in_ignored, 50u);
  EXPECT_GT(t.sink_received, 250u);
  EXPECT_EQ(t.allocs, 0u) << "allocations on the process thread";
  EXPECT_EQ(t.locks, 0u) << "mutex locks on the process thread";
  EXPECT_EQ(t.trylocks, 0u) << "mutex trylocks on the process thread";
  EXPECT_EQ(t.waits, 0u) << "waits/sleeps on the process thread";
}

// The monitor path: notes reach hexter's run_synth in the same period while its
// voice changes many times a second. hexter's voices were allocated when the
// client opened (HexterMonitor::prepare); run_synth takes hexter's own voice-list
// mutex with one trylock a period, which nobody else holds (it never waits); the
// voice changes wait on the writer's side, never on the process thread.
TEST_F(JackClientRtSafety, MonitorPathNeitherAllocatesNorLocksNorWaits) {
  if (!std::filesystem::exists(render::HexterPlugin::default_path()))
    GTEST_SKIP() << render::HexterPlugin::default_path() << " not found (apt-get install hexter)";
  const Traffic t = drive(Misbehave::no, true);
  EXPECT_GT(t.hook_calls, 200u);
  EXPECT_GT(t.counters.thru_out, 200u);
  EXPECT_GT(t.counters.monitor_events, 200u) << "the notes did not reach the monitor";
  EXPECT_EQ(t.counters.monitor_dropped, 0u);
  EXPECT_GT(t.voices_to_monitor, 100u) << "the voice changes did not reach the monitor";
  EXPECT_EQ(t.allocs, 0u) << "allocations on the process thread";
  EXPECT_EQ(t.locks, 0u) << "mutex locks on the process thread";
  EXPECT_EQ(t.waits, 0u) << "waits/sleeps on the process thread";
  EXPECT_LE(t.trylocks, t.hook_calls) << "more than hexter's one trylock a period";
  std::cout << "periods " << t.hook_calls << ", notes etc. to the monitor " << t.counters.monitor_events
            << ", voice changes " << t.voices_to_monitor << ", messages held back by a voice change "
            << t.monitor_held << ", trylocks " << t.trylocks << "\n";
}

// The detector itself: a callback that misbehaves must be caught.
TEST_F(JackClientRtSafety, DeliberateAllocationIsDetected) {
  const Traffic t = drive(Misbehave::allocate);
  EXPECT_GT(t.hook_calls, 200u);
  EXPECT_GE(t.allocs + 2, 2 * t.hook_calls);  // a malloc and a free each time
}

TEST_F(JackClientRtSafety, DeliberateLockIsDetected) {
  const Traffic t = drive(Misbehave::lock);
  EXPECT_GE(t.locks + 1, t.hook_calls);
  EXPECT_GT(t.locks, 200u);
}

TEST_F(JackClientRtSafety, DeliberateSleepIsDetected) {
  const Traffic t = drive(Misbehave::sleep);
  EXPECT_GE(t.waits + 1, t.hook_calls);
  EXPECT_GT(t.waits, 200u);
}

}  // namespace
}  // namespace dxlatent
