// Process-callback time of dxlatent's JACK client, per period, as a share of the
// period, over a private jackd on the dummy backend (48 kHz, 64 frames).
//
//   callback_bench [--seconds S] [--cc-per-period N] [--realtime]
//
// --realtime runs jackd with SCHED_FIFO (-R): on a busy machine this keeps other
// processes from preempting the callback, so the figures show its own cost.
//
// Scenarios: "idle" (no traffic) and "storm" (N CCs a period into control_in,
// half of them forwarded by MIDI thru, notes, active sensing, and a 163-byte
// voice dump out of synth_out whenever the previous one has left). The time is
// measured inside the callback (CLOCK_MONOTONIC, first to last instruction), so
// it is the client's own cost, not JACK's scheduling.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "dxlatent/jack/jack_client.hpp"
#include "support/jack_test_server.hpp"
#include "support/test_midi_client.hpp"

using namespace std::chrono_literals;
using dxlatent::JackClient;
using dxlatent::JackClientOptions;
using dxlatent::OutMessage;
using dxlatent::testing::JackTestServer;
using dxlatent::testing::TestMidiClient;
using dxlatent::testing::wait_until;

namespace {

struct Row {
  std::string name;
  std::vector<std::uint32_t> ns;
  dxlatent::JackCounters counters;
  std::size_t sink_received = 0;
  std::size_t max_event_size = 0;
};

double pct(std::vector<std::uint32_t>& v, double q) {
  if (v.empty()) return 0;
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

Row run(const std::string& name, double seconds, int cc_per_period, bool traffic) {
  JackClientOptions o;
  o.client_name = "dxl-bench";
  o.timing_capacity = 1 << 16;
  JackClient jc(o);
  jc.open();
  jc.connect_matching("^bench-src:out$", "^bench-sink:in$");
  jc.set_thru(true);
  std::bitset<128> mapped;
  for (int cc = 20; cc < 28; ++cc) mapped.set(cc);
  jc.set_thru_blocked_ccs(mapped);
  jc.activate();
  TestMidiClient src("bench-src", static_cast<std::size_t>(cc_per_period));
  TestMidiClient sink("bench-sink");
  wait_until([&] {
    std::size_t n = 0;
    for (const auto& p : jc.list_ports())
      if (p.name == jc.control_in_name() || p.name == jc.synth_out_name()) n += p.connections.size();
    return n == 2;
  });
  std::this_thread::sleep_for(200ms);  // past the activation xruns
  std::uint32_t skip;
  while (jc.poll_callback_ns(skip)) {
  }
  const auto start_counters = jc.counters();

  std::atomic<bool> stop{false};
  std::thread feeder, engine;
  if (traffic) {
    feeder = std::thread([&] {
      OutMessage dump;
      dump.size = 163;
      dump.bytes[0] = 0xF0;
      dump.bytes[162] = 0xF7;
      for (int i = 0; !stop; ++i) {
        while (src.pending() < static_cast<std::size_t>(cc_per_period) * 8) {
          const auto v = static_cast<std::uint8_t>(i & 0x7F);
          src.send({0xB0, static_cast<std::uint8_t>(20 + i % 8), v});  // mapped: queued
          src.send({0xB0, 74, v});                                      // unmapped: thru
          if (i % 16 == 0) src.send({0x90, 60, 100});
          if (i % 16 == 8) src.send({0x80, 60, 0});
          if (i % 32 == 0) src.send({0xFE});
          ++i;
        }
        if (jc.out_pending() == 0) {
          for (int b = 1; b < 162; ++b) dump.bytes[b] = static_cast<std::uint8_t>((b + i) & 0x7F);
          jc.send(dump);
        }
        std::this_thread::sleep_for(500us);
      }
    });
    engine = std::thread([&] {
      dxlatent::MidiEvent e;
      while (!stop) jc.wait_event(e, 5ms);
    });
  }

  Row row;
  row.name = name;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::uint32_t ns;
  while (std::chrono::steady_clock::now() < end) {
    while (jc.poll_callback_ns(ns)) row.ns.push_back(ns);
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  if (feeder.joinable()) feeder.join();
  if (engine.joinable()) engine.join();
  while (jc.poll_callback_ns(ns)) row.ns.push_back(ns);
  auto c = jc.counters();
  c.events_in -= start_counters.events_in;
  c.messages_out -= start_counters.messages_out;
  c.thru_out -= start_counters.thru_out;
  c.xruns -= start_counters.xruns;
  c.queue_overflows -= start_counters.queue_overflows;
  row.counters = c;
  row.sink_received = sink.received().size();
  row.max_event_size = jc.max_event_size();
  jc.close();
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  int cc_per_period = 20;
  bool realtime = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--cc-per-period" && i + 1 < argc) cc_per_period = std::atoi(argv[++i]);
    else if (a == "--realtime") realtime = true;
    else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--cc-per-period N] [--realtime]\n", argv[0]);
      return 2;
    }
  }
  JackTestServer server({}, 48000, 64, realtime);
  try {
    server.start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot start jackd: %s\n", e.what());
    return 1;
  }
  const double period_us = 64.0 / 48000.0 * 1e6;
  std::vector<Row> rows;
  rows.push_back(run("idle", seconds, cc_per_period, false));
  rows.push_back(run("storm", seconds, cc_per_period, true));
  server.stop();

  std::printf("callback_bench: jackd %s -d dummy -r 48000 -p 64 (period %.1f us), %.0f s per scenario, "
              "storm = %d CC/period (%d CC/s) + thru + a 163-byte SysEx out whenever the last left\n",
              realtime ? "-R" : "-r", period_us, seconds, cc_per_period, static_cast<int>(cc_per_period * 48000 / 64));
  std::printf("synth_out carries events up to %zu bytes a period (jack_midi_max_event_size, empty buffer)\n\n",
              rows[0].max_event_size);
  std::printf("| scenario | periods | p50 us | p99 us | max us | p50 %% | p99 %% | max %% | events in | thru out | SysEx out | overflows | xruns |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (auto& r : rows) {
    const double p50 = pct(r.ns, 0.50) / 1000.0, p99 = pct(r.ns, 0.99) / 1000.0,
                 mx = r.ns.empty() ? 0 : *std::max_element(r.ns.begin(), r.ns.end()) / 1000.0;
    std::printf("| %s | %zu | %.2f | %.2f | %.1f | %.2f | %.2f | %.1f | %llu | %llu | %llu | %llu | %llu |\n",
                r.name.c_str(), r.ns.size(), p50, p99, mx, 100 * p50 / period_us, 100 * p99 / period_us,
                100 * mx / period_us, static_cast<unsigned long long>(r.counters.events_in),
                static_cast<unsigned long long>(r.counters.thru_out),
                static_cast<unsigned long long>(r.counters.messages_out),
                static_cast<unsigned long long>(r.counters.queue_overflows),
                static_cast<unsigned long long>(r.counters.xruns));
  }
  return 0;
}
