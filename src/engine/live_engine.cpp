#include "dxlatent/engine/live_engine.hpp"

#include <filesystem>
#include <iostream>
#include <sstream>

#include "dxlatent/engine/snapshot.hpp"
#include "dxlatent/engine/state_store.hpp"
#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/output_factory.hpp"
#include "dxlatent/model/category.hpp"
#include "dxlatent/model/voice_decoder.hpp"
#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/sysex/sysex.hpp"

namespace dxlatent {

using namespace std::chrono_literals;

namespace {

std::string learned_line(const EngineNotice& n) {
  std::string s;
  for (std::size_t d = 0; d < kLatentDims; ++d)
    if ((n.learned & (1u << d)) && n.cc_numbers[d])
      s += "learned CC" + std::to_string(*n.cc_numbers[d]) + " -> dimension " + std::to_string(d + 1) + "; ";
  std::string mapping;
  for (std::size_t d = 0; d < kLatentDims; ++d)
    mapping += (d ? " dim" : "dim") + std::to_string(d + 1) + "=" +
               (n.cc_numbers[d] ? "CC" + std::to_string(*n.cc_numbers[d]) : std::string("?"));
  return s + "mapping: " + mapping;
}

}  // namespace

LiveEngine::LiveEngine(Config config, LiveOptions options, VoiceDecoder& decoder)
    : config_(std::move(config)), options_(std::move(options)), decoder_(decoder) {
  if (!options_.log) options_.log = [](const std::string& s) { std::cerr << s << std::endl; };

  EngineSetup setup;
  setup.config = config_;
  setup.pacing = config_.pacing_profile();
  setup.warm_up_decodes = options_.warm_up_decodes;

  // Start voice and anchor: --anchor wins over the config.
  std::optional<VoiceRef> start = options_.anchor ? options_.anchor : config_.start_voice;
  if (start) {
    std::vector<std::string> warnings;
    setup.start_voice = start->read(&warnings);
    for (const auto& w : warnings) log("warning: " + w);
    log("start voice: " + start->describe() + " \"" + setup.start_voice->display_name() + "\", algorithm " +
        std::to_string(setup.start_voice->algorithm()));
    // The sound starts at the voice's own latent point, so that a knob move
    // changes one dimension of it rather than jumping to the knobs' centre.
    setup.start_latent = decoder.encode(*setup.start_voice);
    if (options_.anchor || config_.anchor) {
      setup.anchor = setup.start_latent;
      std::ostringstream z;
      for (float v : *setup.anchor) z << ' ' << v;
      log("knobs centred on that voice's latent point:" + z.str() +
          "; at the centre it plays byte for byte (docs/steering.md)");
    }
  }

  if (!config_.category.empty()) {
    const auto regions = decoder.categories();
    const CategoryRegion* r = find_category(regions, config_.category);
    if (!r)
      throw ConfigError(config_.origin_of("control.category") + "category \"" + config_.category + "\" is not a kind of sound the model knows" +
                        (regions.empty() ? std::string(" (it has none)") : " (it knows " + category_names(regions) + ")"));
    setup.start_category = std::size_t(r - regions.data());
    log("knobs move within the \"" + r->name + "\" region (+-" + std::to_string(config_.map.category_width) +
        " standard deviations)");
  }
  setup.locks = config_.locks;
  setup.toggle_locks = config_.lock_toggle;
  if (config_.locks.any()) log("locked: " + describe_locks(config_.locks));

  try {
    store_ = std::make_unique<StateStore>(config_.effective_state_dir());
  } catch (const std::filesystem::filesystem_error& e) {
    const std::string why = e.code().message();
    throw ConfigError(config_.origin_of("state.dir") + "state directory " + config_.effective_state_dir().string() +
                      " cannot be used: " + why);
  }
  try {
    store_->lock_for_engine();  // one engine per state directory (it feeds one synth)
  } catch (const StateLockedError& e) {
    throw ConfigError(config_.origin_of("state.dir") + e.what());
  }
  // No start voice asked for: resume where the last run ended, so that a
  // service restarted after a crash, a kill or a reboot sounds as it did: the
  // voice it played (current.syx, byte for byte) at the point it was (latent.txt).
  if (!start) {
    std::string error;
    if (auto z = store_->load_latent(&error)) {
      Voice resumed;
      try {
        resumed = load_current_voice(store_->dir());
      } catch (const std::exception&) {
        resumed = decoder.decode(*z);
        name_generated_voice(resumed, VoiceOrigin::Live, 0);
      }
      setup.start_voice = resumed;
      setup.start_latent = *z;
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
  jo.report_xruns = options_.report_xruns;
  jack_ = std::make_unique<JackClient>(jo);
  // The output before the client opens: RtMidi's JACK API opens a client of its
  // own, and libjack wants it opened first.
  output_ = make_output(config_.output_settings(), *jack_);
  jack_->open();
  engine_ = std::make_unique<Engine>(std::move(setup), decoder, *jack_, *output_);
}

LiveEngine::~LiveEngine() { stop(); }

void LiveEngine::start() {
  if (started_) return;
  jack_->activate();
  jack_->connect_matching(config_.connect_controller, config_.connect_synth);
  log("JACK client " + jack_->client_name() + " (" + std::to_string(jack_->sample_rate()) + " Hz, " +
      std::to_string(jack_->period_frames()) + " frames): " + jack_->control_in_name() + " <- controller, " +
      jack_->synth_out_name() + " -> synth; output " + output_->describe() + ", mode " +
      std::string(to_string(config_.mode)) + ", device channel " + std::to_string(config_.device_channel + 1));
  engine_->start();
  if (!engine_->priority_error().empty()) log(engine_->priority_error());
  const auto st = engine_->status();
  EngineNotice mapping;
  mapping.cc_numbers = st.cc_numbers;
  bool complete = true;
  for (const auto& n : st.cc_numbers) complete = complete && n.has_value();
  log(learned_line(mapping) + (complete ? "" : " (turn knobs to assign the rest)"));
  // What else the controller does, so a performer need not open the config.
  std::string controls;
  if (config_.snapshot_cc) controls += "; CC" + std::to_string(*config_.snapshot_cc) + " saves a snapshot";
  if (config_.undo_cc) controls += "; CC" + std::to_string(*config_.undo_cc) + " goes back to the previous voice";
  if (config_.lock_cc)
    controls += "; CC" + std::to_string(*config_.lock_cc) + " locks/releases " + describe_locks(config_.lock_toggle);
  switch (config_.program_change) {
    case ProgramChangeUse::Store: controls += "; program change N saves into slot N+1"; break;
    case ProgramChangeUse::Recall: controls += "; program change N plays snapshot slot N+1"; break;
    case ProgramChangeUse::Category: controls += "; program change N selects category N (0: the whole space)"; break;
    case ProgramChangeUse::Thru: break;
  }
  log("takeover " + std::string(to_string(config_.takeover)) + controls);
  started_ = true;
  started_at_ = std::chrono::steady_clock::now();
  tick();
}

// Issue 14: with nothing on control_in a musician turns knobs and hears nothing,
// and the log only said that the synth port waits. After a short grace (auto-
// connection takes a moment) say so once, and how to connect one; say so again
// when one arrives or leaves.
void LiveEngine::tell_about_controller() {
  const bool connected = controller_connected();
  if (connected) {
    if (controller_said_ == ControllerSaid::Missing) log("a controller is connected to " + jack_->control_in_name());
    controller_said_ = ControllerSaid::Connected;
    return;
  }
  if (controller_said_ == ControllerSaid::Missing) return;
  if (controller_said_ == ControllerSaid::Nothing && std::chrono::steady_clock::now() - started_at_ < 2s) return;
  log("no controller is connected to " + jack_->control_in_name() + ": set [jack] connect_controller to a regex of " +
      "its port (" +
      (config_.connect_controller.empty() ? std::string("now empty") : "now \"" + config_.connect_controller + "\"") +
      "; `dxlatent run --list-ports` lists the ports, ALSA-only controllers appear through `a2jmidid -e`), " +
      "or connect one with a patchbay");
  controller_said_ = ControllerSaid::Missing;
}

bool LiveEngine::controller_connected() const { return jack_->connection_count(false) > 0; }

void LiveEngine::handle(const EngineNotice& n, const EngineStatus& st) {
  switch (n.kind) {
    case EngineNotice::Kind::Learned:
      log(learned_line(n));
      if (learning_) mapping_to_save_ = n.cc_numbers;  // saved once per tick, after the drain
      break;
    case EngineNotice::Kind::SynthReset:
      log("program change passed to the synth: resending the current voice");
      break;
    case EngineNotice::Kind::Snapshot: {
      if (!st.target) break;
      const auto file = config_.effective_snapshot_file();
      try {
        std::optional<Voice> replaced;
        std::string name;
        const int used = save_snapshot(file, *st.target, n.value, &replaced, &name);
        log("snapshot: \"" + name + "\" saved to " + file.string() + " slot " +
            std::to_string(used) +
            (replaced ? " (replacing \"" + replaced->display_name() + "\", which was there)" : std::string()));
      } catch (const std::exception& e) {
        log("snapshot failed: " + std::string(e.what()));
      }
      break;
    }
    case EngineNotice::Kind::DecodeFailed:
      log("decode failed, keeping the previous voice: " + n.message());
      break;
    case EngineNotice::Kind::OutputWaiting:
      log("output " + n.message() + " is not connected; waiting");
      break;
    case EngineNotice::Kind::OutputBack:
      log("output " + n.message() + " is back; resending the current voice");
      break;
    case EngineNotice::Kind::Recall: {
      const auto file = config_.effective_snapshot_file();
      try {
        const Voice v = VoiceRef{file, std::size_t(n.value)}.read();
        if (v == sysex::init_voice()) {
          log("snapshot slot " + std::to_string(n.value) + " of " + file.string() + " is empty; nothing recalled");
          break;
        }
        if (!engine_->recall(v)) log("recall of slot " + std::to_string(n.value) + " dropped: too many at once");
      } catch (const std::exception& e) {
        log("recall of snapshot slot " + std::to_string(n.value) + " failed: " + e.what());
      }
      break;
    }
    case EngineNotice::Kind::Recalled:
      log("recalled \"" + n.message() + "\"; the knobs take over as they reach it (takeover " +
          std::string(to_string(config_.takeover)) + ")");
      break;
    case EngineNotice::Kind::LockToggled:
      log(std::string(n.value ? "locked " : "released ") + describe_locks(config_.lock_toggle));
      break;
    case EngineNotice::Kind::Undone:
      log("back to the previous voice (" + std::to_string(n.value) + " more step" + (n.value == 1 ? "" : "s") +
          " to go back)");
      break;
    case EngineNotice::Kind::UndoEmpty:
      log("undo: no earlier voice in this run");
      break;
    case EngineNotice::Kind::RegionChanged: {
      const auto regions = decoder_.categories();
      const std::size_t i = std::size_t(n.value);
      log(i == 0 || i > regions.size() ? std::string("knobs move through the whole space")
                                       : "knobs move within the \"" + regions[i - 1].name + "\" region");
      break;
    }
  }
}

void LiveEngine::save_learned_mapping() {
  if (!mapping_to_save_) return;
  try {
    store_->save_cc_map(*mapping_to_save_);
    log("mapping saved to " + store_->cc_map_path().string());
  } catch (const std::exception& e) {
    log("could not save the CC mapping: " + std::string(e.what()));
  }
  mapping_to_save_.reset();
}

void LiveEngine::tick() {
  if (!started_) return;
  const EngineStatus st = engine_->status();
  EngineNotice n;
  while (engine_->poll_notice(n)) handle(n, st);
  save_learned_mapping();
  if (!jack_lost_) tell_about_controller();

  const auto now = std::chrono::steady_clock::now();
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
  // The latent is where the sound is, exactly: a resumed voice sits at its own
  // point (not the knobs' centre), so saving it any number of times keeps it.
  try {
    store_->save_latent_debounced(st.latent, now);
  } catch (const std::exception& e) {
    log("could not save the latent state: " + std::string(e.what()));
  }

  if (jack_->server_lost()) {
    // One line per event for the journal, however long the outage lasts.
    if (!jack_lost_) log("JACK server lost; waiting for it to come back");
    jack_lost_ = true;
    // Short attempts, so that a signal is still noticed between them.
    if (jack_->reconnect(200ms)) {
      log("JACK server back; ports reconnected");
      jack_lost_ = false;
    }
  }
}

void LiveEngine::stop() {
  if (!started_) return;
  engine_->stop();
  const EngineStatus st = engine_->status();
  EngineNotice n;
  while (engine_->poll_notice(n)) handle(n, st);
  save_learned_mapping();
  try {
    if (st.target) save_current_voice(store_->dir(), *st.target);
    store_->flush_latent();
  } catch (const std::exception& e) {
    log("could not save the state: " + std::string(e.what()));
  }
  jack_->close();
  started_ = false;
}

}  // namespace dxlatent
