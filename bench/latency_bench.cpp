// CC-in to SysEx-out latency of the live engine through a real JACK server on
// the dummy backend (48 kHz, 64 frames by default). A bench client sends one
// knob move at a time into dxlatent:control_in and records dxlatent:synth_out;
// both ends are stamped with JACK frame times, so the latency is what a synth
// on the graph would see. Each move waits for its voice, so every move is one
// decode (no coalescing) and, with the cache off, a real model call.
// Frame times stop advancing while a non-realtime dummy server skips late
// periods, so the wall-clock row (queued by the bench thread -> seen by it,
// polling every 50 us) is printed too; it includes up to a period of queueing
// on each side.
//
//   latency_bench [--moves N] [--model FILE] [--realtime] [--cache] [--period F] [--priority P]
// --realtime: jackd -R; --priority P: the engine's threads at SCHED_FIFO P ([engine] realtime_priority).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "dxlatent/engine/live_runner.hpp"
#include "dxlatent/engine/probe_client.hpp"
#include "dxlatent/midi_in/jack_client.hpp"
#include "dxlatent/model/model_path.hpp"
#include "dxlatent/model/torch_decoder.hpp"

using namespace dxlatent;
using namespace std::chrono_literals;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double idx = p * double(v.size() - 1);
  const auto lo = std::size_t(idx);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (idx - double(lo)) * (v[hi] - v[lo]);
}

void row(const char* name, const std::vector<double>& v, const char* unit, double scale = 1.0) {
  std::printf("  %-34s %9.3f %9.3f %9.3f %9.3f  %s\n", name, percentile(v, 0.5) * scale, percentile(v, 0.99) * scale,
              v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()) * scale,
              v.empty() ? 0.0 : [&] { double s = 0; for (double x : v) s += x; return s / double(v.size()) * scale; }(),
              unit);
}

}  // namespace

int main(int argc, char** argv) {
  int moves = 5000;
  std::string model;
  bool realtime = false, cache = false;
  int priority = 0;
  std::uint32_t period = 64, rate = 48000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--moves" && i + 1 < argc) moves = std::atoi(argv[++i]);
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a == "--period" && i + 1 < argc) period = std::uint32_t(std::atoi(argv[++i]));
    else if (a == "--realtime") realtime = true;
    else if (a == "--priority" && i + 1 < argc) priority = std::atoi(argv[++i]);
    else if (a == "--cache") cache = true;
    else {
      std::fprintf(stderr, "usage: latency_bench [--moves N] [--model FILE] [--realtime] [--cache] [--period F] [--priority P]\n");
      return 2;
    }
  }
  try {
    const std::string server_name = "dxl-bench-" + std::to_string(::getpid());
    JackServerProcess server(server_name, rate, period, realtime);
    const std::filesystem::path model_path = model.empty() ? default_model_path() : std::filesystem::path(model);
    TorchDecoder decoder(model_path);
    ProbeClient rig("bench", server_name);

    Config config;
    config.client_name = "dxlatent";
    config.server_name = server_name;
    config.connect_controller = "^bench:out$";
    config.connect_synth = "^bench:in$";
    config.mode = OutputMode::Voice;
    config.cache_size = cache ? 4096 : 0;
    config.realtime_priority = priority;
    for (std::uint8_t d = 0; d < kLatentDims; ++d) config.ccs.push_back(std::uint8_t(20 + d));
    config.state_dir = std::filesystem::temp_directory_path() / server_name;
    LiveOptions options;
    options.log = [](const std::string& line) {
      if (line.find("refused") != std::string::npos) std::fprintf(stderr, "%s\n", line.c_str());
    };
    options.callback_timing = 1 << 16;
    LiveRunner runner(config, std::move(options), decoder);
    runner.start();
    auto& engine = runner.engine();
    auto& jack = runner.jack();

    // The start voice, then a clean slate.
    const auto t_start = std::chrono::steady_clock::now();
    bool start_voice = false;
    while (!(start_voice = start_voice || !rig.take_received().empty()) || !runner.controller_connected()) {
      if (std::chrono::steady_clock::now() - t_start > 10s) throw std::runtime_error("no start voice arrived");
      std::this_thread::sleep_for(1ms);
    }
    std::uint32_t ns;
    while (jack.poll_callback_ns(ns)) {}
    (void)rig.take_sent();
    const auto counters0 = jack.counters();
    const double frame_us = 1e6 / double(rate);

    std::mt19937 rng(42);
    KnobState knobs;
    std::vector<double> latency_us, latency_periods, wall_us, decode_us, share, callback_us;
    std::size_t lost = 0;
    std::uint64_t decode_ns_before = engine.status().decode_ns_total;
    for (int i = 0; i < moves; ++i) {
      const std::size_t d = rng() % kLatentDims;
      std::uint8_t v;
      do v = std::uint8_t(rng() % 128); while (v == knobs.values[d]);
      knobs.values[d] = v;
      const std::uint8_t msg[3] = {0xB0, std::uint8_t(20 + d), v};
      while (!rig.send(msg)) std::this_thread::sleep_for(100us);
      const auto wall0 = std::chrono::steady_clock::now();
      std::chrono::steady_clock::time_point wall1{};
      std::vector<ProbeMessage> sent, got;
      const auto deadline = std::chrono::steady_clock::now() + 2s;
      while ((sent.empty() || got.empty()) && std::chrono::steady_clock::now() < deadline) {
        for (auto& m : rig.take_sent()) sent.push_back(m);
        for (auto& m : rig.take_received())
          if (m.size > 0 && m.bytes[0] == 0xF0) {
            if (got.empty()) wall1 = std::chrono::steady_clock::now();
            got.push_back(m);
          }
        if (sent.empty() || got.empty()) std::this_thread::sleep_for(50us);
      }
      if (sent.empty() || got.empty()) {
        ++lost;
        continue;
      }
      const double frames = double(std::int32_t(got.front().frame - sent.front().frame));
      latency_us.push_back(frames * frame_us);
      latency_periods.push_back(frames / double(period));
      wall_us.push_back(double(std::chrono::duration_cast<std::chrono::microseconds>(wall1 - wall0).count()));
      const auto st = engine.status();
      const double dec = double(st.decode_ns_total - decode_ns_before) / 1000.0;
      decode_ns_before = st.decode_ns_total;
      decode_us.push_back(dec);
      share.push_back(frames > 0 ? dec / (frames * frame_us) : 0.0);
      while (jack.poll_callback_ns(ns)) callback_us.push_back(double(ns) / 1000.0);
      if ((i + 1) % 1000 == 0) std::fprintf(stderr, "%d moves\n", i + 1);
      runner.tick();
    }
    const auto counters1 = jack.counters();
    runner.stop();
    std::filesystem::remove_all(config.state_dir);

    const double period_us = double(period) * frame_us;
    std::vector<double> callback_share;
    for (double c : callback_us) callback_share.push_back(c / period_us * 100.0);
    double dec_sum = 0, lat_sum = 0;
    for (double x : decode_us) dec_sum += x;
    for (double x : latency_us) lat_sum += x;

    std::printf("dxlatent latency bench: %d knob moves, jackd dummy %u Hz / %u frames (period %.3f ms), %s, "
                "cache %s, engine threads %s, model %s\n",
                moves, rate, period, period_us / 1000.0, realtime ? "realtime (-R)" : "no realtime (-r)",
                cache ? "on" : "off", priority > 0 ? ("SCHED_FIFO " + std::to_string(priority)).c_str() : "normal",
                model_path.string().c_str());
    std::printf("  %-34s %9s %9s %9s %9s\n", "", "p50", "p99", "max", "mean");
    row("CC in -> SysEx out", latency_us, "ms", 1e-3);
    row("CC in -> SysEx out", latency_periods, "periods");
    row("  same, wall clock (bench thread)", wall_us, "ms", 1e-3);
    row("decode (model call) per move", decode_us, "ms", 1e-3);
    row("decode / latency, per move", share, "%", 100.0);
    row("process callback", callback_us, "us");
    row("process callback / period", callback_share, "%");
    std::printf("  moves answered %zu, lost %zu; decode share of total latency %.1f%%; xruns %llu; "
                "queue overflows %llu\n",
                latency_us.size(), lost, lat_sum > 0 ? dec_sum / lat_sum * 100.0 : 0.0,
                (unsigned long long)(counters1.xruns - counters0.xruns),
                (unsigned long long)(counters1.queue_overflows - counters0.queue_overflows));
    return lost == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "latency_bench: %s\n", e.what());
    return 1;
  }
}
