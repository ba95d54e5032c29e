#include "dxlatent/engine/live_runner.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "dxlatent/engine/snapshot.hpp"
#include "dxlatent/engine/state_store.hpp"
#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/midi_in/jack_client.hpp"
#include "dxlatent/midi_out/midi_output.hpp"
#include "dxlatent/model/voice_decoder.hpp"
#include "jack_output.hpp"

namespace dxlatent {

using namespace std::chrono_literals;

LiveRunner::LiveRunner(Config config, LiveOptions options, VoiceDecoder& decoder)
    : config_(std::move(config)), options_(std::move(options)) {
  if (!options_.log) options_.log = [](const std::string& s) { std::cerr << s << std::endl; };

  EngineSetup setup;
  setup.config = config_;
  setup.pacing = config_.pacing_profile();

  // Start voice and anchor: --anchor wins over the config.
  std::optional<VoiceRef> start = options_.anchor ? options_.anchor : config_.start_voice;
  if (start) {
    setup.start_voice = read_voice_ref(*start);
    log("start voice: " + start->describe() + " \"" + setup.start_voice->display_name() + "\", algorithm " +
        std::to_string(setup.start_voice->algorithm()));
    if (options_.anchor || config_.anchor) {
      setup.anchor = decoder.encode(*setup.start_voice);
      std::ostringstream z;
      for (float v : *setup.anchor) z << ' ' << v;
      log("knobs centred on that voice's latent point:" + z.str());
    }
  }

  store_ = std::make_unique<StateStore>(config_.effective_state_dir());
  // No start voice asked for: resume the voice the last run ended on, so that a
  // service restarted after a crash, a kill or a reboot sounds as it did.
  if (!start) {
    std::string error;
    if (auto z = store_->load_latent(&error)) {
      Voice resumed = decoder.decode(*z);
      name_generated_voice(resumed, VoiceOrigin::Live, 0);
      setup.start_voice = resumed;
      log("resuming the last voice (" + store_->latent_path().string() + "): \"" + resumed.display_name() +
          "\", algorithm " + std::to_string(resumed.algorithm()));
    } else if (!error.empty() && std::filesystem::exists(store_->latent_path())) {
      log("ignoring the saved latent: " + error);
    }
  }
  if (!config_.ccs.empty()) {
    for (auto cc : config_.ccs) setup.ccs.push_back(cc);
    learning_ = config_.ccs.size() < kLatentDims;
  } else {
    learning_ = true;
    std::string error;
    if (options_.relearn) {
      log("--relearn: learning the CC mapping afresh");
    } else if (auto saved = store_->load_cc_map(&error)) {
      setup.ccs.assign(saved->begin(), saved->end());
      log("using the saved CC mapping " + store_->cc_map_path().string() + " (--relearn forgets it)");
    } else if (!error.empty() && std::filesystem::exists(store_->cc_map_path())) {
      log("ignoring the saved CC mapping: " + error);
    }
  }

  JackClientOptions jo;
  jo.client_name = config_.client_name;
  jo.server_name = config_.server_name;
  jo.timing_capacity = options_.callback_timing;
  jack_ = std::make_unique<JackClient>(jo);
  jack_->open();
  if (options_.output) {
    output_ = std::move(options_.output);
  } else if (config_.output_kind == "jack") {
    output_ = std::make_unique<JackOutput>(*jack_);
  } else {
    throw std::runtime_error("output.kind = \"" + config_.output_kind + "\" needs an output this program was not given");
  }
  engine_ = std::make_unique<Engine>(std::move(setup), decoder, *jack_, *output_);
}

LiveRunner::~LiveRunner() { stop(); }

void LiveRunner::log(const std::string& line) {
  if (status_shown_) {
    std::fputs("\r\x1b[K", stdout);  // the status line gives way to the log line
    std::fflush(stdout);
  }
  options_.log(line);
  if (status_shown_) {
    std::fputs(last_status_text_.c_str(), stdout);
    std::fflush(stdout);
  }
}

void LiveRunner::start() {
  if (started_) return;
  jack_->activate();
  jack_->connect_matching(config_.connect_controller, config_.connect_synth);
  log("JACK client " + jack_->client_name() + " (" + std::to_string(jack_->sample_rate()) + " Hz, " +
      std::to_string(jack_->period_frames()) + " frames): " + jack_->control_in_name() + " <- controller, " +
      jack_->synth_out_name() + " -> synth; output " + output_->describe() + ", mode " +
      std::string(to_string(config_.mode)) + ", device channel " + std::to_string(config_.device_channel + 1));
  engine_->start();
  started_ = true;
  tick();
}

bool LiveRunner::controller_connected() const {
  const std::string own = jack_->control_in_name();
  for (const auto& p : jack_->list_ports())
    if (p.name == own) return !p.connections.empty();
  return false;
}

std::string LiveRunner::status_line(const EngineStatus& st) {
  char buf[256];
  std::string s = "z";
  for (float v : st.latent) {
    std::snprintf(buf, sizeof buf, " %+5.2f", double(v));
    s += buf;
  }
  if (st.target) {
    s += " | \"" + st.target->display_name() + "\" alg " + std::to_string(st.target->algorithm());
  }
  s += st.keys_held ? " | keys" : "";
  return s;
}

void LiveRunner::show_status(const EngineStatus& st) {
  const auto now = std::chrono::steady_clock::now();
  const std::string line = status_line(st);
  if (line == last_status_text_) return;
  if (options_.tty) {
    if (now - last_status_ < 50ms) return;
    last_status_text_ = line;
    last_status_ = now;
    std::fputs(("\r\x1b[K" + line).c_str(), stdout);
    std::fflush(stdout);
    status_shown_ = true;
  } else {
    // Plain log lines, at most one a second: a log is read later, not watched.
    if (now - last_status_ < 1s) return;
    last_status_text_ = line;
    last_status_ = now;
    options_.log(line);
  }
}

void LiveRunner::tick() {
  if (!started_) return;
  for (const auto& line : engine_->take_log()) log(line);
  const EngineStatus st = engine_->status();
  const auto now = std::chrono::steady_clock::now();

  if (engine_->take_mapping_changed() && learning_) {
    try {
      store_->save_cc_map(st.cc_numbers);
      log("mapping saved to " + store_->cc_map_path().string());
    } catch (const std::exception& e) {
      log("could not save the CC mapping: " + std::string(e.what()));
    }
  }
  for (int slot : engine_->take_snapshot_requests()) {
    if (!st.target) continue;
    const auto file = config_.effective_snapshot_file();
    try {
      const int used = save_snapshot(file, *st.target, slot);
      log("snapshot: \"" + st.target->display_name() + "\" saved to " + file.string() + " slot " + std::to_string(used));
    } catch (const std::exception& e) {
      log("snapshot failed: " + std::string(e.what()));
    }
  }
  if (st.target && st.target != saved_voice_ && now - last_voice_save_ >= 250ms) {
    try {
      save_current_voice(store_->dir(), *st.target);
      saved_voice_ = st.target;
      last_voice_save_ = now;
    } catch (const std::exception& e) {
      log("could not save the current voice: " + std::string(e.what()));
      last_voice_save_ = now;
    }
  }
  try {
    store_->save_latent_debounced(st.latent, now);
  } catch (const std::exception& e) {
    log("could not save the latent state: " + std::string(e.what()));
  }

  if (jack_->server_lost()) {
    // One line per event for the journal, however long the outage lasts.
    if (!jack_lost_logged_) log("JACK server lost; waiting for it to come back");
    jack_lost_logged_ = true;
    // Short attempts, so that a signal is still noticed between them.
    if (jack_->reconnect(200ms)) {
      log("JACK server back; ports reconnected");
      jack_lost_logged_ = false;
    }
  }
  show_status(st);
}

void LiveRunner::stop() {
  if (!started_) return;
  engine_->stop();
  for (const auto& line : engine_->take_log()) log(line);
  const EngineStatus st = engine_->status();
  try {
    if (st.target) save_current_voice(store_->dir(), *st.target);
    store_->flush_latent();
  } catch (const std::exception& e) {
    options_.log("could not save the state: " + std::string(e.what()));
  }
  jack_->close();
  if (status_shown_) {
    std::fputs("\n", stdout);
    std::fflush(stdout);
    status_shown_ = false;
  }
  started_ = false;
}

}  // namespace dxlatent
