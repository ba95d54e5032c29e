// `dxlatent demo`: the live engine with no controller and no synth attached.
// Starts a private JACK server on the dummy backend when none runs, runs the
// engine with the shipped model, turns its eight knobs through a scripted sweep
// from a second, real JACK client, records what reaches the synth port, prints
// each step, and writes the voices that arrived as a cartridge for Dexed.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>
#include <unistd.h>

#include "commands.hpp"
#include "dxlatent/engine/live_engine.hpp"
#include "dxlatent/rig/jack_server_process.hpp"
#include "dxlatent/rig/probe_client.hpp"
#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/sysex/parser.hpp"
#include "dxlatent/render/hexter_renderer.hpp"
#include "dxlatent/render/wav_file.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "live_tool.hpp"

namespace dxlatent::app {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct DemoArgs {
  std::string out = "demo.syx";
  std::string model;
  std::string mode = "voice";
  std::string server;
  int steps = 32;
};

constexpr std::uint8_t kFirstCc = 20;  // the demo's knobs: CC 20..27

// Step i of n: every knob on a sine, a quarter turn apart, so the sweep passes
// through many regions of the latent space and returns to its start.
KnobState sweep(int i, int n) {
  KnobState k;
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    const double phase = 2.0 * M_PI * double(i) / double(n) * double(1 + d % 3) + double(d) * M_PI / 4.0;
    k.values[d] = std::uint8_t(std::lround(63.5 + 63.5 * std::sin(phase)));
  }
  return k;
}

// What the synth holds after the messages that reached it (dumps and parameter changes).
struct SynthModel {
  std::optional<Voice> voice;
  std::size_t bad = 0;
  void apply(const ProbeMessage& m) {
    const auto parsed = sysex::parse(std::span<const std::uint8_t>(m.bytes.data(), m.size));
    bad += parsed.problems.size();
    for (const auto& msg : parsed.messages) {
      if (const auto* dump = std::get_if<sysex::SingleVoiceMessage>(&msg.body)) voice = dump->voice;
      else if (const auto* pc = std::get_if<sysex::ParamChangeFields>(&msg.body); pc && voice) sysex::apply(*voice, *pc);
    }
  }
};

// Issue 10 part 5a: the received voices, audible. Each step's voice plays a
// C-E-G arpeggio held together, 1 s per step, rendered offline by hexter (in
// this process: the JACK client has stopped). Without hexter the demo still
// succeeds and says so.
void write_demo_wav(const fs::path& wav, const std::vector<Voice>& voices) {
  try {
    render::HexterRenderer renderer({}, 44100);
    std::vector<float> all;
    const render::NoteEvent phrase[] = {{0, 60, 100}, {5292, 64, 100}, {10584, 67, 100},
                                        {26460, 60, 0}, {26460, 64, 0}, {26460, 67, 0}};
    for (const Voice& v : voices) {
      const auto s = renderer.render(v, phrase, 44100);
      all.insert(all.end(), s.begin(), s.end());
    }
    render::write_wav(wav, all, 44100);
    std::printf("%zu voices rendered with hexter to %s (1 s each: a C-E-G arpeggio)\n", voices.size(), wav.c_str());
  } catch (const std::exception& e) {  // render::PluginMissing names the package to install
    std::printf("no WAV written: %s\n", e.what());
  }
}

void demo(const DemoArgs& args) {
  if (args.steps < 1 || args.steps > 32) throw CommandError(kExitUsage, "--steps must be 1..32 (one cartridge)");
  const auto mode = parse_output_mode(args.mode);
  if (!mode) throw CommandError(kExitUsage, "--mode must be voice, params or auto");

  // A JACK server: the one that runs, else a private one on the dummy backend.
  std::unique_ptr<JackServerProcess> server;
  std::string server_name = args.server;
  if (!JackServerProcess::running(server_name)) {
    if (server_name.empty()) server_name = "dxlatent-demo";
    std::printf("no JACK server running: starting `jackd -r -n %s -d dummy -r 48000 -p 64`\n", server_name.c_str());
    try {
      server = std::make_unique<JackServerProcess>(server_name, 48000, 64);
    } catch (const std::exception& e) {
      throw BadInput(e.what());
    }
  } else {
    std::printf("using the running JACK server %s\n", server_name.empty() ? "(default)" : server_name.c_str());
  }

  const auto decoder = load_live_decoder(args.model, Config{});
  std::printf("model %s\n", decoder->path().string().c_str());

  // The demo's own controller and synth: one JACK client with an out and an in port.
  const std::string probe_name = "dxlatent-demo-rig";
  ProbeClient rig(probe_name, server_name);

  Config config;
  config.client_name = "dxlatent-demo";
  config.server_name = server_name;
  config.connect_controller = "^" + probe_name + ":out$";
  config.connect_synth = "^" + probe_name + ":in$";
  config.mode = *mode;
  for (std::uint8_t d = 0; d < kLatentDims; ++d) config.ccs.push_back(std::uint8_t(kFirstCc + d));
  // A private state directory: the demo must not touch a real setup's mapping.
  char tmpl[] = "/tmp/dxlatent-demo-XXXXXX";
  if (!::mkdtemp(tmpl)) throw BadInput("cannot create a temporary state directory");
  config.state_dir = tmpl;

  LiveOptions options;
  options.log = [](const std::string& s) { std::printf("  engine: %s\n", s.c_str()); };
  LiveEngine runner(config, std::move(options), *decoder);
  runner.start();
  std::printf("knobs: CC %d..%d on %s -> %s; voices: %s -> %s\n", kFirstCc, kFirstCc + 7, rig.out_port().c_str(),
              runner.jack().control_in_name().c_str(), runner.jack().synth_out_name().c_str(), rig.in_port().c_str());

  SynthModel synth;
  auto send_knobs = [&](const KnobState& k) {
    for (std::uint8_t d = 0; d < kLatentDims; ++d) {
      const std::uint8_t msg[3] = {0xB0, std::uint8_t(kFirstCc + d), k.values[d]};
      while (!rig.send(msg)) std::this_thread::sleep_for(1ms);
    }
  };
  // resend: a busy machine's dummy jackd drops a period's events in an xrun, so a
  // step whose knobs have not arrived after half a second is sent again (knob
  // values are absolute: sending one twice changes nothing).
  auto settle = [&](const KnobState& k, bool resend) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    auto next_resend = std::chrono::steady_clock::now() + 500ms;
    while (std::chrono::steady_clock::now() < deadline) {
      runner.tick();
      const auto st = runner.engine().status();
      if (st.knobs == k && st.target && st.synth && *st.synth == *st.target && runner.jack().out_pending() == 0) {
        std::this_thread::sleep_for(20ms);  // the last period reaches the rig
        return true;
      }
      if (resend && st.knobs != k && std::chrono::steady_clock::now() >= next_resend) {
        send_knobs(k);
        next_resend = std::chrono::steady_clock::now() + 500ms;
      }
      std::this_thread::sleep_for(2ms);
    }
    return false;
  };

  const auto connect_deadline = std::chrono::steady_clock::now() + 10s;
  while (!runner.controller_connected()) {
    if (std::chrono::steady_clock::now() > connect_deadline)
      throw BadInput(rig.out_port() + " was not connected to " + runner.jack().control_in_name());
    std::this_thread::sleep_for(5ms);
  }
  if (!settle(KnobState{}, false)) throw BadInput("the engine sent nothing to " + rig.in_port());
  std::size_t start_bytes = 0;
  for (const auto& m : rig.take_received()) {
    start_bytes += m.size;
    synth.apply(m);
  }
  std::printf("start voice \"%s\" (%zu bytes received)\n\n", synth.voice ? synth.voice->display_name().c_str() : "?",
              start_bytes);
  std::printf("step  knobs (CC %d..%d)            latent z1..z8                                     voice         alg  bytes\n",
              kFirstCc, kFirstCc + 7);

  std::vector<Voice> voices;
  for (int i = 0; i < args.steps; ++i) {
    const KnobState k = sweep(i + 1, args.steps);
    send_knobs(k);
    if (!settle(k, true)) throw BadInput("step " + std::to_string(i + 1) + ": the engine did not settle");
    std::size_t bytes = 0;
    for (const auto& m : rig.take_received()) {
      bytes += m.size;
      synth.apply(m);
    }
    if (!synth.voice) throw BadInput("no voice reached the synth port");
    const auto st = runner.engine().status();
    std::string knobs, z;
    char buf[32];
    for (auto v : k.values) {
      std::snprintf(buf, sizeof buf, "%4d", v);
      knobs += buf;
    }
    for (float v : st.latent) {
      std::snprintf(buf, sizeof buf, " %+5.2f", double(v));
      z += buf;
    }
    std::printf("%4d %s  %s  %-12s  %3d  %5zu\n", i + 1, knobs.c_str(), z.c_str(),
                ("\"" + synth.voice->display_name() + "\"").c_str(), synth.voice->algorithm(), bytes);
    std::fflush(stdout);
    voices.push_back(*synth.voice);
  }
  const auto counters = runner.jack().counters();
  runner.stop();
  fs::remove_all(config.state_dir);

  write_cartridge_syx(args.out, voices);
  std::printf("\n%zu voices that reached %s written to %s (a 32-voice cartridge: load it into Dexed)\n",
              voices.size(), rig.in_port().c_str(), args.out.c_str());
  std::printf("JACK: %llu events in, %llu messages out, %llu xruns; %zu bad dumps received\n",
              (unsigned long long)counters.events_in, (unsigned long long)counters.messages_out,
              (unsigned long long)counters.xruns, synth.bad);
  write_demo_wav(fs::path(args.out).replace_extension(".wav"), voices);
  if (synth.bad) throw BadInput("some voice dumps arrived with a bad checksum");
}

}  // namespace

void register_demo(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand("demo", "Try the live engine without a controller or synth (private JACK server)");
  cmd->add_option("-o,--output", args->out, "cartridge of the voices received (default demo.syx)");
  cmd->add_option("-m,--model", args->model, "TorchScript model (default: the shipped one)");
  cmd->add_option("--mode", args->mode, "output mode: voice, params or auto (default voice)");
  cmd->add_option("--server", args->server, "JACK server name (default: the running default server, else a private one)");
  cmd->add_option("-n,--steps", args->steps, "sweep steps, 1..32 (default 32)");
  cmd->callback([args] { demo(*args); });
}

}  // namespace dxlatent::app
