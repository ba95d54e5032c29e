#include "dxlatent/midi_out/rtmidi_output.hpp"

#include <jack/jack.h>
#include <rtmidi/RtMidi.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>
#include <stdexcept>

namespace dxlatent {
namespace {

RtMidi::Api to_rtmidi(MidiApi api) {
  return api == MidiApi::Alsa ? RtMidi::LINUX_ALSA : RtMidi::UNIX_JACK;
}

// RtMidi calls this synchronously from inside the RtMidi call that failed, on
// the calling (writer) thread; the caller inspects the state right after.
// Warnings count too: RtMidi 5 reports a failed ALSA send as a WARNING.
void record_error(RtMidiError::Type /*type*/, const std::string& text, void* user) {
  spdlog::debug("rtmidi: {}", text);
  auto* err = static_cast<detail::RtMidiErrorState*>(user);
  err->seen = true;
  err->text = text;
}

std::vector<std::string> port_names(RtMidiOut& out) {
  std::vector<std::string> names;
  const unsigned n = out.getPortCount();
  names.reserve(n);
  for (unsigned i = 0; i < n; ++i) names.push_back(out.getPortName(i));
  return names;
}

std::string join(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "'" : ", '") + n + "'";
  return all;
}

}  // namespace

std::optional<MidiApi> parse_midi_api(std::string_view name) {
  if (name == "auto") return MidiApi::Auto;
  if (name == "alsa") return MidiApi::Alsa;
  if (name == "jack") return MidiApi::Jack;
  return std::nullopt;
}

std::string_view to_string(MidiApi api) {
  switch (api) {
    case MidiApi::Auto: return "auto";
    case MidiApi::Alsa: return "alsa";
    case MidiApi::Jack: return "jack";
  }
  return "?";
}

MidiApi RtMidiOutput::resolve(MidiApi api) {
  if (api != MidiApi::Auto) return api;
  try {
    // Opening the ALSA API opens /dev/snd/seq; without it RtMidi throws
    // (no error callback can be installed before construction).
    RtMidiOut probe(RtMidi::LINUX_ALSA, "dxlatent-probe");
    return MidiApi::Alsa;
  } catch (const RtMidiError&) {
    return MidiApi::Jack;
  }
}

std::vector<std::string> RtMidiOutput::list_ports(MidiApi api) {
  const MidiApi chosen = resolve(api);
  try {
    RtMidiOut out(to_rtmidi(chosen), "dxlatent-list");
    detail::RtMidiErrorState err;
    out.setErrorCallback(&record_error, &err);
    return port_names(out);
  } catch (const RtMidiError& e) {
    throw std::runtime_error("cannot open the RtMidi " + std::string(to_string(chosen)) +
                             " API: " + e.getMessage());
  }
}

RtMidiOutput::RtMidiOutput(RtMidiOutputOptions options)
    : options_(std::move(options)), api_(MidiApi::Auto) {
  try {
    pattern_ = std::regex(options_.port_pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("invalid MIDI port pattern '" + options_.port_pattern +
                                "': " + e.what());
  }
  api_ = resolve(options_.api);
  if (options_.api == MidiApi::Auto && api_ == MidiApi::Jack)
    spdlog::info("no ALSA sequencer here: using RtMidi's JACK API for MIDI port output");
  // The first client is made here so an unusable API fails the start, not later.
  out_ = make_client();
  try_open(std::chrono::steady_clock::now());
}

RtMidiOutput::~RtMidiOutput() {
  drop_client();
  close_probe();
}

void RtMidiOutput::drop_client() const {
  if (!out_) return;
  if (api_ == MidiApi::Jack) {
    // RtMidi 5's JACK output frees its ring buffer in its destructor while a
    // process callback that began before closePort() may still be reading it
    // (crashes seen in jack_ringbuffer_peek, about 1 test run in 15). Closing
    // the port first and letting a few periods pass lets that callback end.
    out_->closePort();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out_.reset();
}

void RtMidiOutput::close_probe() const {
  if (probe_) jack_client_close(probe_);
  probe_ = nullptr;
}

bool RtMidiOutput::connection_live() const {
  if (api_ != MidiApi::Jack) return true;  // ALSA subscriptions are synchronous
  if (!probe_) {
    const std::string name = options_.client_name + "-probe";
    probe_ = jack_client_open(name.c_str(), JackNoStartServer, nullptr);
    if (!probe_) return false;
  }
  jack_port_t* target = jack_port_by_name(probe_, port_name_.c_str());
  if (!target) return false;
  const char** peers = jack_port_get_all_connections(probe_, target);
  if (!peers) return false;
  // RtMidi's client is options_.client_name, or JACK's renamed "<name>-01".
  bool ours = false;
  for (const char** p = peers; *p && !ours; ++p) {
    const std::string peer = *p;
    ours = peer.rfind(options_.client_name, 0) == 0 && peer.size() > 4 &&
           peer.compare(peer.size() - 4, 4, ":out") == 0;
  }
  jack_free(peers);
  return ours;
}

std::unique_ptr<RtMidiOut> RtMidiOutput::make_client() const {
  std::unique_ptr<RtMidiOut> out;
  try {
    out = std::make_unique<RtMidiOut>(to_rtmidi(api_), options_.client_name);
  } catch (const RtMidiError& e) {
    throw std::runtime_error("cannot open the RtMidi " + std::string(to_string(api_)) +
                             " API: " + e.getMessage());
  }
  out->setErrorCallback(&record_error, &error_);
  return out;
}

void RtMidiOutput::schedule_retry(Time now) const {
  backoff_ = std::clamp(backoff_ * 2, options_.retry_min, options_.retry_max);
  next_attempt_ = now + backoff_;
}

bool RtMidiOutput::try_open(Time now) const {
  if (now < next_attempt_) return false;
  try {
    if (!out_) out_ = make_client();
  } catch (const std::runtime_error& e) {
    spdlog::debug("{}", e.what());
    schedule_retry(now);
    return false;
  }
  error_ = {};
  const std::vector<std::string> names = port_names(*out_);
  const auto match = std::find_if(names.begin(), names.end(), [&](const std::string& n) {
    return std::regex_search(n, pattern_);
  });
  if (match == names.end()) {
    if (!absent_logged_ && !ever_connected_) {
      spdlog::warn("no MIDI output port matches '{}' ({} API; ports: {}); will keep looking",
                   options_.port_pattern, to_string(api_), join(names));
      absent_logged_ = true;
    }
    // A JACK client whose server went away stays dead: start afresh next time.
    if (api_ == MidiApi::Jack) drop_client();
    schedule_retry(now);
    return false;
  }
  error_ = {};
  out_->openPort(static_cast<unsigned>(match - names.begin()), "out");
  if (error_.seen || !out_->isPortOpen()) {
    spdlog::debug("opening MIDI port '{}' failed: {}", *match, error_.text);
    drop_client();
    schedule_retry(now);
    return false;
  }
  port_name_ = *match;
  live_ = false;
  opened_at_ = now;
  backoff_ = std::chrono::milliseconds{0};
  next_check_ = now + options_.check_interval;
  if (ever_connected_) {
    ++reconnects_;
    spdlog::info("MIDI port '{}' back; the current voice will be resent", port_name_);
  } else {
    spdlog::info("MIDI output connected to '{}' ({} API)", port_name_, to_string(api_));
  }
  ever_connected_ = true;
  loss_logged_ = false;
  return true;
}

bool RtMidiOutput::port_still_there() const {
  error_ = {};
  const std::vector<std::string> names = port_names(*out_);
  return std::find(names.begin(), names.end(), port_name_) != names.end();
}

void RtMidiOutput::lose(std::string_view why) const {
  if (!loss_logged_) {
    spdlog::warn("MIDI port '{}' lost ({}); retrying every {}..{} ms", port_name_, why,
                 options_.retry_min.count(), options_.retry_max.count());
    loss_logged_ = true;
  }
  // The old ALSA subscription or JACK connection died with the port: a fresh
  // client reopens cleanly, whatever number the port comes back under.
  drop_client();
  close_probe();  // a dead server leaves a dead query client too
  port_name_.clear();
  live_ = false;
  const Time now = std::chrono::steady_clock::now();
  backoff_ = options_.retry_min;
  next_attempt_ = now + backoff_;
}

bool RtMidiOutput::connected() const {
  const Time now = std::chrono::steady_clock::now();
  if (port_name_.empty() && !try_open(now)) return false;
  if (!live_) {
    if (!port_still_there()) {
      lose("it disappeared");
      return false;
    }
    live_ = connection_live();
    // A connection that never shows up (a refused or broken JACK graph) is
    // treated like a lost port: drop it and retry from scratch.
    if (!live_ && now - opened_at_ > std::chrono::seconds(2)) lose("the connection never became active");
    return live_;
  }
  if (now >= next_check_) {
    next_check_ = now + options_.check_interval;
    if (!port_still_there()) {
      lose("it disappeared");
      return false;
    }
  }
  return true;
}

bool RtMidiOutput::send(std::span<const std::uint8_t> message) {
  if (message.empty()) return false;
  if (!live_) {
    if (!connected()) return false;
  } else if (!port_still_there()) {
    lose("it disappeared");
    return false;
  }
  error_ = {};
  out_->sendMessage(message.data(), message.size());
  if (error_.seen) {
    lose("send failed: " + error_.text);
    return false;
  }
  return true;
}

std::string RtMidiOutput::describe() const {
  const std::string api = "rtmidi/" + std::string(to_string(api_)) + ":";
  if (!port_name_.empty()) return api + port_name_;
  return api + "(no port matching '" + options_.port_pattern + "')";
}

}  // namespace dxlatent
