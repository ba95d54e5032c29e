// `dxlatent run`: the live engine. Eight knobs on a MIDI controller move through
// the model's latent space; each new voice goes to the synth as SysEx.
#include <CLI/CLI.hpp>
#include <semaphore.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/live_runner.hpp"
#include "dxlatent/midi_in/jack_client.hpp"
#include "dxlatent/midi_out/rtmidi_output.hpp"
#include "dxlatent/model/model_path.hpp"
#include "dxlatent/model/torch_decoder.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "service_notify.hpp"

namespace dxlatent::app {

namespace {

// The signal handler only posts this semaphore (sem_post is async-signal-safe);
// the main loop notices it within one tick and shuts down in order.
sem_t g_stop;
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  g_signal = sig;
  sem_post(&g_stop);
}

struct RunArgs {
  std::string config;
  std::string model;
  std::string anchor;
  bool relearn = false;
  bool list_ports = false;
};

void list_ports(const Config& config) {
  std::printf("JACK ports (server %s):\n", config.server_name.empty() ? "default" : config.server_name.c_str());
  try {
    for (const auto& p : JackClient::list_ports(config.server_name)) {
      std::printf("  %-50s %-6s %s%s\n", p.name.c_str(), p.is_output ? "out" : "in", p.type.c_str(),
                  p.is_physical ? " (physical)" : "");
      for (const auto& c : p.connections) std::printf("      -> %s\n", c.c_str());
    }
  } catch (const std::exception& e) {
    std::printf("  (none: %s)\n", e.what());
  }
  const MidiApi api = RtMidiOutput::resolve(MidiApi::Auto);
  std::printf("MIDI output ports (RtMidi, %s):\n", std::string(to_string(api)).c_str());
  try {
    for (const auto& name : RtMidiOutput::list_ports(api)) std::printf("  %s\n", name.c_str());
  } catch (const std::exception& e) {
    std::printf("  (none: %s)\n", e.what());
  }
}

Config read_config(const std::string& path) {
  try {
    return path.empty() ? Config{} : load_config(path);
  } catch (const ConfigError& e) {
    throw BadInput(std::string("refusing the config: ") + e.what());
  }
}

void run(const RunArgs& args) {
  Config config = read_config(args.config);
  if (args.list_ports) {
    list_ports(config);
    return;
  }
  LiveOptions options;
  options.relearn = args.relearn;
  options.tty = ::isatty(STDOUT_FILENO);
  if (!args.anchor.empty()) {
    try {
      options.anchor = VoiceRef::parse(args.anchor);
    } catch (const std::invalid_argument& e) {
      throw CommandError(kExitUsage, std::string("--anchor: ") + e.what());
    }
  }
  if (config.output_kind == "midi-port") {
    RtMidiOutputOptions ro;
    ro.port_pattern = config.output_port;
    ro.api = parse_midi_api(config.output_api).value_or(MidiApi::Auto);
    ro.client_name = config.client_name + "-out";
    options.output = std::make_unique<RtMidiOutput>(ro);
  }

  const std::filesystem::path model = !args.model.empty() ? std::filesystem::path(args.model)
                                      : !config.model_path.empty() ? config.model_path
                                                                   : default_model_path();
  std::unique_ptr<TorchDecoder> decoder;
  try {
    decoder = std::make_unique<TorchDecoder>(model);
  } catch (const ModelError& e) {
    throw BadInput(e.what());
  }
  std::cerr << "model " << model.string() << " loaded" << std::endl;

  std::unique_ptr<LiveRunner> runner;
  try {
    runner = std::make_unique<LiveRunner>(config, std::move(options), *decoder);
    runner->start();
  } catch (const JackError& e) {
    throw BadInput(std::string(e.what()) +
                   "\n(is a JACK server running? `dxlatent demo` starts a private one to try things out)");
  } catch (const util::FileError& e) {
    throw BadInput(e.what());
  }

  sem_init(&g_stop, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = &on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  ServiceNotifier notifier;
  auto& engine = runner->engine();
  std::uint64_t last_inf = 0, last_wr = 0;
  notifier.ready("running: " + runner->jack().client_name(), [&, last_inf, last_wr]() mutable {
    // Healthy while both engine threads keep looping.
    const auto i = engine.inference_beats(), w = engine.writer_beats();
    const bool ok = i != last_inf && w != last_wr;
    last_inf = i;
    last_wr = w;
    return ok;
  });

  bool jack_lost = false;
  while (true) {
    timespec deadline{};
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 50'000'000;
    if (deadline.tv_nsec >= 1'000'000'000) {
      deadline.tv_nsec -= 1'000'000'000;
      ++deadline.tv_sec;
    }
    if (sem_timedwait(&g_stop, &deadline) == 0) break;
    // `systemctl status` shows the JACK outage while it lasts.
    if (const bool lost = runner->jack().server_lost(); lost != jack_lost) {
      jack_lost = lost;
      notifier.status(lost ? "JACK server lost; waiting for it to come back"
                           : "running: " + runner->jack().client_name());
    }
    runner->tick();
    if (jack_lost && !runner->jack().server_lost()) {
      jack_lost = false;
      notifier.status("running: " + runner->jack().client_name() + " (JACK reconnected)");
    }
  }
  notifier.stopping();
  std::cerr << (g_signal == SIGINT ? "\ninterrupted" : "terminated") << "; stopping" << std::endl;
  runner->stop();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // namespace

void register_run(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand("run", "Play the model live: 8 MIDI knobs -> latent -> DX7 voice as SysEx (JACK)");
  cmd->add_option("-c,--config", args->config, "TOML config (see config/dxlatent.toml); default: built-in defaults");
  cmd->add_option("-m,--model", args->model, "TorchScript model (default: the config's, else the shipped one)");
  cmd->add_option("--anchor", args->anchor, "FILE:SLOT: start from this voice and move the knobs around it");
  cmd->add_flag("--relearn", args->relearn, "forget the saved CC mapping and learn it again");
  cmd->add_flag("--list-ports", args->list_ports, "list JACK and MIDI ports and exit");
  cmd->callback([args] { run(*args); });
}

}  // namespace dxlatent::app
