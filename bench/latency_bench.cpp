// CC-in to SysEx-out latency of the live engine through a real JACK server on
// the dummy backend (48 kHz, 64 frames by default). A controller client sends one
// knob move at a time into dxlatent:control_in and a synth client records
// dxlatent:synth_out, as a controller and Dexed would be connected (no feedback
// loop in the graph); both are stamped with JACK frame times, so the latency is
// what the synth sees. Each move waits for its voice, so every move is one decode
// (no coalescing) and, with the cache off, a real model call.
// --loop measures through one client that is both controller and synth: that
// closes a feedback loop in the JACK graph, which JACK breaks by running the
// client first, so every answer is read a period late (the old bench's rig).
// Frame times stop advancing while a non-realtime dummy server skips late
// periods, so the wall-clock row (queued by the bench thread -> seen by it,
// polling every 50 us) is printed too; it includes up to a period of queueing
// on each side.
// --first-moves: as a new user would try it: a fresh state directory, the CC
// mapping learned from the knobs, 300 moves 20 ms apart on random knobs; each of
// the first ten moves is printed, then the rest as p50/p99/max. Run it in a new
// process each time (LibTorch's first-use costs are per process).
//
//   latency_bench [--moves N] [--model FILE] [--realtime] [--cache] [--period F] [--priority P]
//                 [--loop] [--first-moves [--run DXLATENT]] [--no-warm-up] [--start FILE:SLOT]
// --start: begin with a cartridge voice, so nothing is decoded before the first move.
// --first-moves --run DXLATENT: the same moves against `DXLATENT run` itself, a
// child process with a config of defaults (auto mode, cache, learning) but the
// bench's server and ports: the program exactly as a user starts it.
// --realtime: jackd -R; --priority P: the engine's threads at SCHED_FIFO P ([engine] realtime_priority).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <vector>

#include "dxlatent/engine/live_engine.hpp"
#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/model/model_path.hpp"
#include "dxlatent/model/torch_decoder.hpp"
#include "dxlatent/rig/jack_server_process.hpp"
#include "dxlatent/rig/probe_client.hpp"

extern char** environ;

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

struct Options {
  int moves = 5000;
  std::string model;
  bool realtime = false, cache = false, loop = false, first_moves = false, warm_up = true;
  std::string run_bin;  ///< --run: measure `dxlatent run` as a child process
  std::string start;    ///< --start FILE:SLOT: the start voice (no decode at start)
  int priority = 0;
  std::uint32_t period = 64, rate = 48000;
};

// One knob move: sent by `ctl`, answered on `synth`. Latency in frames (and the
// bench thread's wall clock, us), or nullopt when no SysEx came within 2 s.
struct Answer {
  double frames;
  double wall_us;
};
std::optional<Answer> move(ProbeClient& ctl, ProbeClient& synth, std::uint8_t cc, std::uint8_t value) {
  const std::uint8_t msg[3] = {0xB0, cc, value};
  while (!ctl.send(msg)) std::this_thread::sleep_for(100us);
  const auto wall0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point wall1{};
  std::vector<ProbeMessage> sent, got;
  const auto deadline = wall0 + 2s;
  while ((sent.empty() || got.empty()) && std::chrono::steady_clock::now() < deadline) {
    for (auto& m : ctl.take_sent()) sent.push_back(m);
    for (auto& m : synth.take_received())
      if (m.size > 0 && m.bytes[0] == 0xF0) {
        if (got.empty()) wall1 = std::chrono::steady_clock::now();
        got.push_back(m);
      }
    if (sent.empty() || got.empty()) std::this_thread::sleep_for(50us);
  }
  if (sent.empty() || got.empty()) return std::nullopt;
  return Answer{double(std::int32_t(got.front().frame - sent.front().frame)),
                double(std::chrono::duration_cast<std::chrono::microseconds>(wall1 - wall0).count())};
}

// A new user's first run: 300 moves 20 ms apart on random knobs (the mapping is
// learned from them); prints the first ten one by one. Returns the moves lost.
std::size_t first_moves(ProbeClient& ctl, ProbeClient& synth, double frame_us, double period_us,
                        const std::function<void()>& tick) {
  std::mt19937 rng(std::random_device{}());
  KnobState knobs;
  std::vector<double> first, rest_ms;
  std::size_t lost = 0;
  for (int i = 0; i < 300; ++i) {
    const std::size_t d = rng() % kLatentDims;
    std::uint8_t v;
    do v = std::uint8_t(rng() % 128); while (v == knobs.values[d]);
    knobs.values[d] = v;
    const auto a = move(ctl, synth, std::uint8_t(20 + d), v);
    const double ms = a ? a->frames * frame_us / 1000.0 : -1.0;
    if (!a) ++lost;
    if (i < 10) first.push_back(ms);
    else if (a) rest_ms.push_back(ms);
    tick();
    std::this_thread::sleep_for(20ms);
  }
  std::string line;
  char buf[32];
  for (double ms : first) {
    std::snprintf(buf, sizeof buf, " %.2f", ms);
    line += buf;
  }
  const double first_max = *std::max_element(first.begin(), first.end());
  std::printf("  first ten (ms):%s\n  first ten max %.2f ms (%.1f periods); moves 11-300: p50 %.2f, p99 %.2f, "
              "max %.2f ms; lost %zu\n",
              line.c_str(), first_max, first_max * 1000.0 / period_us, percentile(rest_ms, 0.5),
              percentile(rest_ms, 0.99), rest_ms.empty() ? 0.0 : *std::max_element(rest_ms.begin(), rest_ms.end()),
              lost);
  return lost;
}

// `dxlatent run --config FILE` as a child, its output in `log`.
pid_t spawn_run(const std::string& bin, const std::string& config, const std::string& log) {
  const char* argv[] = {bin.c_str(), "run", "--config", config.c_str(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, bin.c_str(), &fa, nullptr, const_cast<char* const*>(argv), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + bin + ": " + std::strerror(rc));
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--moves" && i + 1 < argc) o.moves = std::atoi(argv[++i]);
    else if (a == "--model" && i + 1 < argc) o.model = argv[++i];
    else if (a == "--period" && i + 1 < argc) o.period = std::uint32_t(std::atoi(argv[++i]));
    else if (a == "--realtime") o.realtime = true;
    else if (a == "--priority" && i + 1 < argc) o.priority = std::atoi(argv[++i]);
    else if (a == "--cache") o.cache = true;
    else if (a == "--loop") o.loop = true;
    else if (a == "--first-moves") o.first_moves = true;
    else if (a == "--no-warm-up") o.warm_up = false;
    else if (a == "--run" && i + 1 < argc) o.run_bin = argv[++i];
    else if (a == "--start" && i + 1 < argc) o.start = argv[++i];
    else {
      std::fprintf(stderr, "usage: latency_bench [--moves N] [--model FILE] [--realtime] [--cache] [--period F] "
                           "[--priority P] [--loop] [--first-moves [--run DXLATENT]] [--no-warm-up] [--start FILE:SLOT]\n");
      return 2;
    }
  }
  try {
    const std::string server_name = "dxl-bench-" + std::to_string(::getpid());
    JackServerProcess server(server_name, o.rate, o.period, o.realtime);
    const std::filesystem::path model_path = o.model.empty() ? default_model_path() : std::filesystem::path(o.model);
    const double frame_us = 1e6 / double(o.rate);
    const double period_us = double(o.period) * frame_us;
    const char* jackd = o.realtime ? "realtime (-R)" : "no realtime (-r)";
    const std::string threads = o.priority > 0 ? "SCHED_FIFO " + std::to_string(o.priority) : "normal";

    if (o.first_moves && !o.run_bin.empty()) {
      // The program itself, as a user starts it: only the server, the ports and
      // a fresh state directory differ from the defaults.
      ProbeClient ctl("bench-ctl", server_name);
      ProbeClient synth("bench-synth", server_name);
      const auto dir = std::filesystem::temp_directory_path() / server_name;
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      const std::string cfg = (dir / "dxlatent.toml").string(), log = (dir / "run.log").string();
      std::ofstream(cfg) << "[jack]\nserver = \"" << server_name << "\"\nconnect_controller = \"^bench-ctl:out$\"\n"
                         << "connect_synth = \"^bench-synth:in$\"\n[model]\npath = \"" << model_path.string()
                         << "\"\n[engine]\nrealtime_priority = " << o.priority << "\n[state]\ndir = \""
                         << (dir / "state").string() << "\"\n";
      const pid_t pid = spawn_run(o.run_bin, cfg, log);
      const auto t0 = std::chrono::steady_clock::now();
      while (synth.take_received().empty()) {
        if (std::chrono::steady_clock::now() - t0 > 30s) {
          ::kill(pid, SIGKILL);
          ::waitpid(pid, nullptr, 0);
          throw std::runtime_error("no start voice from " + o.run_bin + " within 30 s (see " + log + ")");
        }
        std::this_thread::sleep_for(1ms);
      }
      std::this_thread::sleep_for(300ms);  // both connections in the graph
      (void)ctl.take_sent();
      std::printf("dxlatent first moves: `%s run` (defaults: auto mode, cache, learning; fresh state dir), "
                  "300 moves 20 ms apart, jackd %s, engine threads %s\n",
                  o.run_bin.c_str(), jackd, threads.c_str());
      const std::size_t lost = first_moves(ctl, synth, frame_us, period_us, [] {});
      ::kill(pid, SIGTERM);
      int st = 0;
      ::waitpid(pid, &st, 0);
      std::filesystem::remove_all(dir);
      return lost == 0 ? 0 : 1;
    }

    TorchDecoder decoder(model_path);
    // The controller and the synth: two clients (controller -> dxlatent -> synth),
    // or with --loop one client that is both.
    ProbeClient ctl(o.loop ? "bench" : "bench-ctl", server_name);
    std::unique_ptr<ProbeClient> synth_client;
    if (!o.loop) synth_client = std::make_unique<ProbeClient>("bench-synth", server_name);
    ProbeClient& synth = o.loop ? ctl : *synth_client;

    Config config;
    config.client_name = "dxlatent";
    config.server_name = server_name;
    config.connect_controller = o.loop ? "^bench:out$" : "^bench-ctl:out$";
    config.connect_synth = o.loop ? "^bench:in$" : "^bench-synth:in$";
    config.mode = OutputMode::Voice;
    config.cache_size = o.cache ? 4096 : 0;
    config.realtime_priority = o.priority;
    // --first-moves: learn the mapping from the knobs, as a new user's first run does.
    if (!o.first_moves)
      for (std::uint8_t d = 0; d < kLatentDims; ++d) config.ccs.push_back(std::uint8_t(20 + d));
    config.state_dir = std::filesystem::temp_directory_path() / server_name;
    std::filesystem::remove_all(config.state_dir);
    if (!o.start.empty()) config.start_voice = VoiceRef::parse(o.start);
    // Every move must answer with a voice: with a start voice, pick-up (the
    // default takeover) would ignore a knob until it reached the voice's point.
    config.takeover = Takeover::Jump;
    LiveOptions options;
    options.log = [](const std::string& line) {
      if (line.find("refused") != std::string::npos) std::fprintf(stderr, "%s\n", line.c_str());
    };
    options.callback_timing = 1 << 16;
    options.warm_up_decodes = o.warm_up ? 8 : 0;
    LiveEngine live(config, std::move(options), decoder);
    live.start();
    auto& engine = live.engine();
    auto& jack = live.jack();

    // The start voice, then a clean slate.
    const auto t_start = std::chrono::steady_clock::now();
    bool start_voice = false;
    while (!(start_voice = start_voice || !synth.take_received().empty()) || !live.controller_connected()) {
      if (std::chrono::steady_clock::now() - t_start > 10s) throw std::runtime_error("no start voice arrived");
      std::this_thread::sleep_for(1ms);
    }
    std::uint32_t ns;
    while (jack.poll_callback_ns(ns)) {}
    (void)ctl.take_sent();
    const auto counters0 = jack.counters();

    if (o.first_moves) {
      std::printf("dxlatent first moves: fresh state dir, CC mapping learned, 300 moves 20 ms apart, jackd %s, "
                  "engine threads %s, warm-up %s\n", jackd, threads.c_str(), o.warm_up ? "on" : "off");
      const std::size_t lost = first_moves(ctl, synth, frame_us, period_us, [&] { live.tick(); });
      live.stop();
      std::filesystem::remove_all(config.state_dir);
      return lost == 0 ? 0 : 1;
    }

    std::mt19937 rng(42);
    KnobState knobs;
    std::vector<double> latency_us, latency_periods, wall_us, decode_us, share, callback_us;
    std::size_t lost = 0;
    std::uint64_t decode_ns_before = engine.status().decode_ns_total;
    for (int i = 0; i < o.moves; ++i) {
      const std::size_t d = rng() % kLatentDims;
      std::uint8_t v;
      do v = std::uint8_t(rng() % 128); while (v == knobs.values[d]);
      knobs.values[d] = v;
      const auto a = move(ctl, synth, std::uint8_t(20 + d), v);
      if (!a) {
        ++lost;
        continue;
      }
      latency_us.push_back(a->frames * frame_us);
      latency_periods.push_back(a->frames / double(o.period));
      wall_us.push_back(a->wall_us);
      const auto st = engine.status();
      const double dec = double(st.decode_ns_total - decode_ns_before) / 1000.0;
      decode_ns_before = st.decode_ns_total;
      decode_us.push_back(dec);
      share.push_back(a->frames > 0 ? dec / (a->frames * frame_us) : 0.0);
      while (jack.poll_callback_ns(ns)) callback_us.push_back(double(ns) / 1000.0);
      if ((i + 1) % 1000 == 0) std::fprintf(stderr, "%d moves\n", i + 1);
      live.tick();
    }
    const auto counters1 = jack.counters();
    live.stop();
    std::filesystem::remove_all(config.state_dir);

    std::vector<double> callback_share;
    for (double c : callback_us) callback_share.push_back(c / period_us * 100.0);
    double dec_sum = 0, lat_sum = 0;
    for (double x : decode_us) dec_sum += x;
    for (double x : latency_us) lat_sum += x;

    std::printf("dxlatent latency bench: %d knob moves, jackd dummy %u Hz / %u frames (period %.3f ms), %s, "
                "cache %s, engine threads %s, %s, model %s\n",
                o.moves, o.rate, o.period, period_us / 1000.0, jackd, o.cache ? "on" : "off", threads.c_str(),
                o.loop ? "one client for controller and synth (a feedback loop)" : "controller -> dxlatent -> synth",
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
