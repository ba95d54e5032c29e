#include "dxlatent/engine/config.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <toml.hpp>

#include "dxlatent/midi_out/output_factory.hpp"
#include "dxlatent/midi_out/pacer.hpp"

namespace dxlatent {

namespace fs = std::filesystem;

fs::path Config::effective_state_dir() const {
  if (!state_dir.empty()) return state_dir;
  if (const char* s = std::getenv("STATE_DIRECTORY"); s && *s) {
    // systemd may pass several, colon-separated; the first is ours.
    std::string dirs(s);
    return fs::path(dirs.substr(0, dirs.find(':')));
  }
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return fs::path(x) / "dxlatent";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".local/state/dxlatent";
  return fs::path(".dxlatent-state");
}

fs::path Config::effective_snapshot_file() const {
  return snapshot_file.empty() ? effective_state_dir() / "snapshots.syx" : snapshot_file;
}

PacingProfile Config::pacing_profile() const {
  PacingProfile p = PacingProfile::named(pacing);
  if (gap_after_param) p.gap_after_param = *gap_after_param;
  if (gap_after_voice) p.gap_after_voice = *gap_after_voice;
  return p;
}

namespace {

using Value = toml::value;

// One-line "FILE:LINE: reason" first (what a log or a test looks for), then
// toml11's excerpt of the line with a marker under the value.
[[noreturn]] void fail(const Value& v, const std::string& reason) {
  const auto loc = v.location();
  std::ostringstream s;
  s << loc.file_name() << ':' << loc.line() << ": " << reason << '\n'
    << toml::format_error("[error] " + reason, v, "here");
  throw ConfigError(s.str());
}

[[noreturn]] void fail_file(const std::string& name, const std::string& reason) {
  throw ConfigError(name + ": " + reason);
}

const std::map<std::string, std::set<std::string>>& known_keys() {
  static const std::map<std::string, std::set<std::string>> keys{
      {"jack", {"client_name", "server", "connect_controller", "connect_synth", "thru"}},
      {"control", {"channel", "ccs", "learn_ignore", "low_level", "high_level", "anchor_range", "cache_size",
                   "takeover", "lock", "lock_toggle", "lock_cc", "undo_cc", "category", "category_width",
                   "program_change"}},
      {"model", {"path"}},
      {"output", {"kind", "port", "api", "mode", "channel", "pacing", "gap_after_param_ms", "gap_after_voice_ms",
                  "monitor_connect"}},
      {"start", {"voice", "anchor"}},
      {"snapshot", {"file", "cc", "program_change"}},
      {"state", {"dir"}},
      {"engine", {"realtime_priority"}},
  };
  return keys;
}

// Every key must be known: a typo ("chanel") silently ignored would leave the
// performer wondering why the setting has no effect.
void check_keys(const Value& root) {
  for (const auto& [section, value] : root.as_table()) {
    const auto it = known_keys().find(section);
    if (it == known_keys().end()) {
      std::string names;
      for (const auto& [k, _] : known_keys()) names += (names.empty() ? "" : ", ") + k;
      fail(value, "unknown section [" + section + "] (known: " + names + ")");
    }
    if (!value.is_table()) fail(value, "'" + section + "' must be a table [" + section + "]");
    for (const auto& [key, v] : value.as_table())
      if (!it->second.count(key)) {
        std::string names;
        for (const auto& k : it->second) names += (names.empty() ? "" : ", ") + k;
        fail(v, "unknown key '" + key + "' in [" + section + "] (known: " + names + ")");
      }
  }
}

const Value* find(const Value& root, const char* section, const char* key) {
  if (!root.contains(section)) return nullptr;
  const auto& t = root.at(section);
  if (!t.contains(key)) return nullptr;
  return &t.at(key);
}

std::string dotted(const char* section, const char* key) { return std::string(section) + "." + key; }

void read(const Value& root, const char* s, const char* k, std::string& out) {
  if (const auto* v = find(root, s, k)) {
    if (!v->is_string()) fail(*v, dotted(s, k) + " must be a string");
    out = v->as_string().str;
  }
}

void read(const Value& root, const char* s, const char* k, bool& out) {
  if (const auto* v = find(root, s, k)) {
    if (!v->is_boolean()) fail(*v, dotted(s, k) + " must be true or false");
    out = v->as_boolean();
  }
}

std::optional<std::int64_t> read_int(const Value& root, const char* s, const char* k, std::int64_t lo,
                                     std::int64_t hi, const std::string& what) {
  const auto* v = find(root, s, k);
  if (!v) return std::nullopt;
  if (!v->is_integer()) fail(*v, dotted(s, k) + " must be an integer (" + what + ")");
  const auto n = v->as_integer();
  if (n < lo || n > hi) fail(*v, dotted(s, k) + " = " + std::to_string(n) + " is out of range: " + what);
  return n;
}

void read_float(const Value& root, const char* s, const char* k, float& out) {
  if (const auto* v = find(root, s, k)) {
    if (v->is_floating()) out = float(v->as_floating());
    else if (v->is_integer()) out = float(v->as_integer());
    else fail(*v, dotted(s, k) + " must be a number");
  }
}

std::vector<std::uint8_t> read_cc_list(const Value& root, const char* s, const char* k,
                                       std::size_t max_count) {
  std::vector<std::uint8_t> out;
  const auto* v = find(root, s, k);
  if (!v) return out;
  if (!v->is_array()) fail(*v, dotted(s, k) + " must be an array of CC numbers, e.g. [74, 71]");
  const auto& a = v->as_array();
  if (a.size() > max_count)
    fail(*v, dotted(s, k) + " has " + std::to_string(a.size()) + " entries; at most " +
                 std::to_string(max_count));
  for (const auto& e : a) {
    if (!e.is_integer()) fail(e, dotted(s, k) + " entries must be integers 0..119");
    const auto n = e.as_integer();
    if (n < 0 || n > 119)
      fail(e, dotted(s, k) + ": CC " + std::to_string(n) +
                  " cannot be a knob (0..119; 120..127 are channel mode messages)");
    for (auto prev : out)
      if (prev == n) fail(e, dotted(s, k) + ": CC " + std::to_string(n) + " is listed twice");
    out.push_back(std::uint8_t(n));
  }
  return out;
}

void check_regex(const Value& root, const char* s, const char* k, const std::string& pattern) {
  if (pattern.empty()) return;
  try {
    std::regex re(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    fail(*find(root, s, k), dotted(s, k) + " is not a valid regular expression: " + e.what());
  }
}

// A lock list: an array of names/groups or one comma-separated string.
ParamMask read_locks(const Value& root, const char* s, const char* k, ParamMask fallback) {
  const auto* v = find(root, s, k);
  if (!v) return fallback;
  std::vector<std::string> items;
  if (v->is_string()) {
    items.push_back(v->as_string().str);
  } else if (v->is_array()) {
    for (const auto& e : v->as_array()) {
      if (!e.is_string()) fail(e, dotted(s, k) + " entries must be strings, e.g. \"algorithm\", \"OP3 *\"");
      items.push_back(e.as_string().str);
    }
  } else {
    fail(*v, dotted(s, k) + " must be an array of parameter names or groups, e.g. [\"algorithm\", \"pitch-eg\"]");
  }
  try {
    return parse_locks(items);
  } catch (const LockError& e) {
    fail(*v, dotted(s, k) + ": " + e.what());
  }
}

std::optional<std::uint8_t> read_button(const Value& root, const char* s, const char* k) {
  if (auto cc = read_int(root, s, k, -1, 119, "-1 = off, or a CC number 0..119"); cc && *cc >= 0)
    return std::uint8_t(*cc);
  return std::nullopt;
}

fs::path resolve(const fs::path& base, const std::string& p) {
  if (p.empty()) return {};
  fs::path path(p);
  if (!p.empty() && p[0] == '~') {
    if (const char* h = std::getenv("HOME")) path = fs::path(h) / p.substr(p.size() > 1 ? 2 : 1);
  }
  return path.is_absolute() ? path : base / path;
}

Config from_toml(const Value& root, const std::string& name) {
  Config c;
  c.source = name;
  const fs::path base = fs::path(name).parent_path();
  if (!root.is_table()) fail_file(name, "not a TOML table");
  check_keys(root);
  for (const auto& [section, table] : root.as_table())
    for (const auto& [key, v] : table.as_table())
      c.origins[section + "." + key] = name + ":" + std::to_string(v.location().line());

  read(root, "jack", "client_name", c.client_name);
  if (c.client_name.empty() || c.client_name.size() > 63 || c.client_name.find(':') != std::string::npos)
    fail(*find(root, "jack", "client_name"), "jack.client_name must be 1..63 characters without ':'");
  read(root, "jack", "server", c.server_name);
  read(root, "jack", "connect_controller", c.connect_controller);
  read(root, "jack", "connect_synth", c.connect_synth);
  check_regex(root, "jack", "connect_controller", c.connect_controller);
  check_regex(root, "jack", "connect_synth", c.connect_synth);
  read(root, "jack", "thru", c.thru);

  if (auto ch = read_int(root, "control", "channel", 0, 16, "0 = every channel, or a MIDI channel 1..16"))
    c.control_channel = *ch == 0 ? std::nullopt : std::optional<std::uint8_t>(std::uint8_t(*ch - 1));
  c.ccs = read_cc_list(root, "control", "ccs", kLatentDims);
  if (find(root, "control", "learn_ignore")) c.learn_ignore = read_cc_list(root, "control", "learn_ignore", 120);
  read_float(root, "control", "low_level", c.map.low_level);
  read_float(root, "control", "high_level", c.map.high_level);
  read_float(root, "control", "anchor_range", c.map.anchor_range);
  try {
    c.map.check();
  } catch (const std::invalid_argument& e) {
    const char* key = !(c.map.low_level >= 0.0f && c.map.low_level < 0.5f) ? "low_level"
                      : !(c.map.high_level > 0.5f && c.map.high_level <= 1.0f) ? "high_level"
                                                                               : "anchor_range";
    fail(*find(root, "control", key), std::string("control.") + e.what());
  }
  if (auto n = read_int(root, "control", "cache_size", 0, 1'000'000, "0..1000000 voices"))
    c.cache_size = std::size_t(*n);
  read_float(root, "control", "category_width", c.map.category_width);
  if (!(c.map.category_width > 0.0f && c.map.category_width <= 10.0f))
    fail(*find(root, "control", "category_width"), "control.category_width must be in (0, 10] standard deviations");
  std::string takeover = "pick-up";
  read(root, "control", "takeover", takeover);
  if (auto t = parse_takeover(takeover)) c.takeover = *t;
  else
    fail(*find(root, "control", "takeover"),
         "control.takeover = \"" + takeover + "\" is not a takeover mode (" + std::string(takeover_names()) + ")");
  c.locks = read_locks(root, "control", "lock", c.locks);
  c.lock_toggle = read_locks(root, "control", "lock_toggle", c.lock_toggle);
  c.lock_cc = read_button(root, "control", "lock_cc");
  c.undo_cc = read_button(root, "control", "undo_cc");
  read(root, "control", "category", c.category);
  std::string pc = "thru";
  read(root, "control", "program_change", pc);
  if (pc == "thru") c.program_change = ProgramChangeUse::Thru;
  else if (pc == "store") c.program_change = ProgramChangeUse::Store;
  else if (pc == "recall") c.program_change = ProgramChangeUse::Recall;
  else if (pc == "category") c.program_change = ProgramChangeUse::Category;
  else
    fail(*find(root, "control", "program_change"),
         "control.program_change = \"" + pc + "\" is not a use (thru, store, recall, category)");

  std::string s;
  read(root, "model", "path", s);
  c.model_path = resolve(base, s);

  read(root, "output", "kind", c.output_kind);
  if (!is_output_kind(c.output_kind))
    fail(*find(root, "output", "kind"), "output.kind = \"" + c.output_kind + "\" is not an output kind (" +
                                            output_kinds_list() + ")");
  read(root, "output", "port", c.output_port);
  check_regex(root, "output", "port", c.output_port);
  read(root, "output", "api", c.output_api);
  if (c.output_api != "auto" && c.output_api != "alsa" && c.output_api != "jack")
    fail(*find(root, "output", "api"), "output.api = \"" + c.output_api + "\" is not a MIDI API (auto, alsa, jack)");
  if (c.output_kind == "midi-port" && c.output_port.empty())
    fail(*find(root, "output", "kind"), "output.kind = \"midi-port\" needs output.port (a port name pattern)");
  // The built-in monitor (kind "hexter") plays the notes thru forwards: without
  // thru it would stay silent, which no one asking for it wants.
  read(root, "output", "monitor_connect", c.monitor_connect);
  check_regex(root, "output", "monitor_connect", c.monitor_connect);
  if (c.output_kind == "hexter" && !c.thru)
    fail(*find(root, "output", "kind"), "output.kind = \"hexter\" plays the controller's notes through thru: "
                                        "set [jack] thru = true");
  std::string mode = "auto";
  read(root, "output", "mode", mode);
  if (auto m = parse_output_mode(mode)) c.mode = *m;
  else fail(*find(root, "output", "mode"), "output.mode = \"" + mode + "\" is not a mode (voice, params, auto)");
  if (auto ch = read_int(root, "output", "channel", 1, 16, "a MIDI channel 1..16"))
    c.device_channel = std::uint8_t(*ch - 1);
  read(root, "output", "pacing", c.pacing);
  try {
    (void)PacingProfile::named(c.pacing);
  } catch (const std::invalid_argument& e) {
    fail(*find(root, "output", "pacing"), std::string("output.pacing: ") + e.what());
  }
  // A DX7 resets its voices on every parameter change as on a dump, so one dump
  // per voice beats a burst of changes (docs/hardware-dx7.md): its default mode.
  if (c.pacing == "dx7" && !find(root, "output", "mode")) c.mode = OutputMode::Voice;
  if (auto ms = read_int(root, "output", "gap_after_param_ms", 0, 10'000, "0..10000 ms"))
    c.gap_after_param = std::chrono::milliseconds(*ms);
  if (auto ms = read_int(root, "output", "gap_after_voice_ms", 0, 10'000, "0..10000 ms"))
    c.gap_after_voice = std::chrono::milliseconds(*ms);

  s.clear();
  read(root, "start", "voice", s);
  if (!s.empty()) {
    try {
      auto ref = VoiceRef::parse(s);
      ref.file = resolve(base, ref.file.string());
      if (!fs::exists(ref.file))
        fail(*find(root, "start", "voice"), "start.voice: no such file: " + ref.file.string());
      c.start_voice = ref;
    } catch (const VoiceRefError& e) {
      fail(*find(root, "start", "voice"), std::string("start.voice: ") + e.what());
    }
  }
  read(root, "start", "anchor", c.anchor);
  if (c.anchor && !c.start_voice)
    fail(*find(root, "start", "anchor"), "start.anchor = true needs start.voice (the voice to centre the knobs on)");

  s.clear();
  read(root, "snapshot", "file", s);
  c.snapshot_file = resolve(base, s);
  c.snapshot_cc = read_button(root, "snapshot", "cc");
  // Each button is one CC of its own and never a knob.
  const std::pair<const char*, const char*> buttons[] = {{"snapshot", "cc"}, {"control", "undo_cc"}, {"control", "lock_cc"}};
  const std::optional<std::uint8_t> values[] = {c.snapshot_cc, c.undo_cc, c.lock_cc};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!values[i]) continue;
    const auto& where = *find(root, buttons[i].first, buttons[i].second);
    const std::string key = dotted(buttons[i].first, buttons[i].second);
    for (auto k : c.ccs)
      if (k == *values[i]) fail(where, key + " = " + std::to_string(*values[i]) + " is also a knob in control.ccs");
    for (std::size_t j = 0; j < i; ++j)
      if (values[j] == values[i])
        fail(where, key + " = " + std::to_string(*values[i]) + " is also " +
                        dotted(buttons[j].first, buttons[j].second));
  }
  // The older spelling of program_change = "store".
  bool store_by_program_change = false;
  read(root, "snapshot", "program_change", store_by_program_change);
  if (store_by_program_change && c.program_change != ProgramChangeUse::Thru &&
      c.program_change != ProgramChangeUse::Store)
    fail(*find(root, "snapshot", "program_change"),
         "snapshot.program_change = true (store) conflicts with control.program_change; program changes have one use");
  if (store_by_program_change) c.program_change = ProgramChangeUse::Store;

  if (auto p = read_int(root, "engine", "realtime_priority", 0, 89,
                        "0 = normal scheduling, or a SCHED_FIFO priority 1..89 (keep it below JACK's)"))
    c.realtime_priority = int(*p);

  s.clear();
  read(root, "state", "dir", s);
  c.state_dir = resolve(base, s);
  return c;
}

}  // namespace

Config parse_config(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  Value root;
  try {
    root = toml::parse(in, name);
  } catch (const toml::syntax_error& e) {
    throw ConfigError(name + ":" + std::to_string(e.location().line()) + ": TOML syntax error\n" + e.what());
  } catch (const toml::exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.location().line()) + ": " + e.what());
  }
  try {
    return from_toml(root, name);
  } catch (const toml::exception& e) {
    throw ConfigError(name + ":" + std::to_string(e.location().line()) + ": " + e.what());
  }
}

Config load_config(const fs::path& file) {
  // An ifstream opens a directory and reads nothing from it: that would run
  // with the defaults as if the config were empty (issue 14).
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw ConfigError(file.string() + ": is a directory, not a config file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot open the config file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file.string());
}

}  // namespace dxlatent
