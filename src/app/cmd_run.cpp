// `dxlatent run`: the live engine. Eight knobs on a MIDI controller move through
// the model's latent space; each new voice goes to the synth as SysEx.
// This file parses the arguments and prints; LiveEngine assembles and runs the
// engine from the config.
#include <CLI/CLI.hpp>
#include <semaphore.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <span>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/live_engine.hpp"
#include "dxlatent/model/category.hpp"
#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/rtmidi_output.hpp"
#include "dxlatent/render/hexter_plugin.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "live_tool.hpp"
#include "service_notify.hpp"

namespace dxlatent::app {

namespace {

using namespace std::chrono_literals;

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
  std::vector<std::string> locks;
  std::string takeover;
  std::string category;
  bool relearn = false;
  bool list_ports = false;
};

// Lists what a user may connect. Returns false when no JACK server answered: the
// RtMidi ports are still listed, but the command then fails (docs/exit-codes.md).
bool list_ports(const Config& config) {
  bool jack_ok = true;
  std::printf("JACK ports (server %s):\n", config.server_name.empty() ? "default" : config.server_name.c_str());
  try {
    for (const auto& p : JackClient::list_ports(config.server_name)) {
      std::printf("  %-50s %-6s %s%s\n", p.name.c_str(), p.is_output ? "out" : "in", p.type.c_str(),
                  p.is_physical ? " (physical)" : "");
      for (const auto& c : p.connections) std::printf("      -> %s\n", c.c_str());
    }
  } catch (const std::exception& e) {
    std::printf("  (none: %s)\n", e.what());
    jack_ok = false;
  }
  const MidiApi api = RtMidiOutput::resolve(MidiApi::Auto);
  std::printf("MIDI output ports (RtMidi, %s):\n", std::string(to_string(api)).c_str());
  try {
    for (const auto& name : RtMidiOutput::list_ports(api)) std::printf("  %s\n", name.c_str());
  } catch (const std::exception& e) {
    std::printf("  (none: %s)\n", e.what());
  }
  return jack_ok;
}

// On a terminal: one status line (latent, voice, algorithm) rewritten in place,
// log lines printed above it. Elsewhere (a service's journal): plain lines, the
// status at most once a second.
// Thread: log() from any thread (libjack's and the engine's housekeeping log
// through it); show() and end() from the main loop.
class StatusLine {
 public:
  StatusLine(bool tty, std::span<const CategoryRegion> categories) : tty_(tty), categories_(categories) {}

  bool tty() const { return tty_; }

  void log(const std::string& line) {
    std::lock_guard lk(mutex_);
    if (shown_) std::fputs("\r\x1b[K", stdout);  // the status line gives way to the log line
    std::fflush(stdout);
    std::cerr << line << std::endl;
    if (shown_) {
      std::fputs(("\r\x1b[K" + text_).c_str(), stdout);
      std::fflush(stdout);
    }
  }

  /// xruns: shown on a terminal, where a log line per xrun would break the status line.
  void show(const EngineStatus& st, std::uint64_t xruns) {
    std::lock_guard lk(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const std::string line = format(st, tty_ ? xruns : 0);
    if (line == text_) return;
    if (now - last_ < (tty_ ? std::chrono::milliseconds(50) : std::chrono::milliseconds(1000))) return;
    text_ = line;
    last_ = now;
    if (!tty_) {
      std::cerr << line << std::endl;
      return;
    }
    std::fputs(("\r\x1b[K" + line).c_str(), stdout);
    std::fflush(stdout);
    shown_ = true;
  }

  void end() {
    std::lock_guard lk(mutex_);
    if (!shown_) return;
    std::fputs("\n", stdout);
    std::fflush(stdout);
    shown_ = false;
  }

 private:
  std::string format(const EngineStatus& st, std::uint64_t xruns) const {
    char buf[32];
    std::string s = "z";
    for (float v : st.latent) {
      std::snprintf(buf, sizeof buf, " %+5.2f", double(v));
      s += buf;
    }
    if (st.target) s += " | \"" + st.target->display_name() + "\" alg " + std::to_string(st.target->algorithm());
    if (st.region > 0 && st.region <= categories_.size()) s += " | in " + categories_[st.region - 1].name;
    if (const auto* c = likely_category(categories_, st.latent)) s += " | like " + c->name;
    // Knobs that have not taken over yet, and where the sound is on their travel.
    std::string waiting;
    for (std::size_t d = 0; d < kLatentDims; ++d)
      if (!(st.engaged & (1u << d))) waiting += " " + std::to_string(d + 1) + "@" + std::to_string(int(st.positions[d] + 0.5f));
    if (!waiting.empty()) s += " | turn to" + waiting;
    if (st.lock_on) s += " | LOCK";
    if (xruns) s += " | xruns " + std::to_string(xruns);
    return s + (st.keys_held ? " | keys" : "");
  }

  bool tty_;
  std::span<const CategoryRegion> categories_;
  std::mutex mutex_;
  bool shown_ = false;
  std::string text_;
  std::chrono::steady_clock::time_point last_{};
};

// --lock, --takeover and --category: the config's settings, from the command line.
void apply_run_options(const RunArgs& args, Config& config) {
  try {
    config.locks |= parse_locks(args.locks);
  } catch (const LockError& e) {
    throw CommandError(kExitUsage, std::string("--lock: ") + e.what());
  }
  if (!args.takeover.empty()) {
    const auto t = parse_takeover(args.takeover);
    if (!t)
      throw CommandError(kExitUsage, "--takeover " + args.takeover + ": not a takeover mode (" +
                                         std::string(takeover_names()) + ")");
    config.takeover = *t;
  }
  if (!args.category.empty()) {
    config.category = args.category;
    config.origins.erase("control.category");  // no longer the file's value
  }
}

// spdlog's lines, through the status line.
class StatusSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StatusSink(std::shared_ptr<StatusLine> line) : line_(std::move(line)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string text(buf.data(), buf.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    line_->log(text);
  }
  void flush_() override {}

 private:
  std::shared_ptr<StatusLine> line_;
};

void run(const RunArgs& args) {
  Config config = read_config(args.config);
  if (args.list_ports) {
    if (!list_ports(config))
      throw BadInput("no JACK server answered (server " +
                     (config.server_name.empty() ? std::string("default") : config.server_name) +
                     "): start jackd, or name the server in [jack] server");
    return;
  }
  apply_run_options(args, config);
  const auto decoder = load_live_decoder(args.model, config);
  std::cerr << "model " << decoder->path().string() << " loaded" << std::endl;
  // On the command line an unknown category is usage, as for `sample` (in the
  // config it is the file's error: LiveEngine names the line).
  if (!args.category.empty() && !find_category(decoder->categories(), args.category))
    throw CommandError(kExitUsage, "--category: no category '" + args.category + "' in " + decoder->path().string() +
                                       "; it knows " + category_names(decoder->categories()));
  auto status_line = std::make_shared<StatusLine>(::isatty(STDOUT_FILENO), decoder->categories());
  // Library log lines (libjack, the JACK edge's housekeeping) go above the
  // status line too, instead of through it.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("dxlatent", std::make_shared<StatusSink>(status_line)));
  LiveOptions options;
  options.report_xruns = !status_line->tty();
  options.relearn = args.relearn;
  options.log = [status_line](const std::string& s) { status_line->log(s); };
  if (!args.anchor.empty()) {
    try {
      options.anchor = VoiceRef::parse(args.anchor);
    } catch (const VoiceRefError& e) {
      throw CommandError(kExitUsage, std::string("--anchor: ") + e.what());
    }
  }
  std::unique_ptr<LiveEngine> live;
  try {
    live = std::make_unique<LiveEngine>(config, std::move(options), *decoder);
    live->start();
  } catch (const JackError& e) {
    throw BadInput(std::string(e.what()) +
                   "\n(is a JACK server running? `dxlatent demo` starts a private one to try things out)");
  } catch (const util::FileError& e) {
    throw BadInput(e.what());
  } catch (const VoiceFileError& e) {
    throw BadInput(e.what());
  } catch (const VoiceRefError& e) {
    throw BadInput(e.what());
  } catch (const ConfigError& e) {
    throw BadInput(e.what());
  } catch (const render::PluginMissing& e) {  // [output] kind = "hexter" without hexter
    throw BadInput(e.what());
  }

  sem_init(&g_stop, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = &on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  ServiceNotifier notifier;
  const Engine& engine = live->engine();
  const std::string running = "running: " + live->jack().client_name();
  std::uint64_t last_decode = 0, last_writer = 0;
  notifier.ready(running, [&engine, last_decode, last_writer]() mutable {
    // Healthy while both engine threads keep looping.
    const auto d = engine.decode_beats(), w = engine.writer_beats();
    const bool ok = d != last_decode && w != last_writer;
    last_decode = d;
    last_writer = w;
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
    live->tick();
    // `systemctl status` shows the JACK outage while it lasts.
    if (live->jack_lost() != jack_lost) {
      jack_lost = live->jack_lost();
      notifier.status(jack_lost ? "JACK server lost; waiting for it to come back" : running + " (JACK reconnected)");
    }
    status_line->show(engine.status(), live->jack().counters().xruns);
  }
  notifier.stopping();
  status_line->end();
  std::cerr << (g_signal == SIGINT ? "interrupted" : "terminated") << "; stopping" << std::endl;
  live->stop();
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
  cmd->add_option("--lock", args->locks,
                  "parameters that keep the start voice's value, added to [control] lock: names or groups "
                  "(algorithm, feedback, transpose, tuning, op1..op6, pitch-eg, lfo, envelopes, levels); repeatable");
  cmd->add_option("--takeover", args->takeover,
                  "what a knob does where the sound is not: jump, pick-up (default) or scale ([control] takeover)");
  cmd->add_option("--category", args->category,
                  "the knobs move within this kind of sound's region, e.g. bass ([control] category; "
                  "`dxlatent sample --list-categories` lists them)");
  cmd->add_flag("--relearn", args->relearn, "forget the saved CC mapping and learn it again");
  cmd->add_flag("--list-ports", args->list_ports, "list JACK and MIDI ports and exit");
  cmd->callback([args] { run(*args); });
}

}  // namespace dxlatent::app
