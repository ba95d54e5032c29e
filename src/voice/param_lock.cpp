#include "dxlatent/voice/param_lock.hpp"

#include <cctype>

namespace dxlatent {
namespace {

// Offsets within one operator's 21-byte block (param_table.cpp, VCED order).
constexpr std::size_t kOpEgFirst = 0, kOpEgLast = 7;  // EG rate 1..4, EG level 1..4
constexpr std::size_t kOpOutputLevel = 16;
constexpr std::size_t kOpOscMode = 17, kOpDetune = 20;  // osc mode, coarse, fine, detune
constexpr std::size_t kGlobal = 6 * kOperatorBytes;     // 126: pitch EG rate 1
constexpr std::size_t kPitchEgLast = kGlobal + 7;
constexpr std::size_t kAlgorithm = 134, kFeedback = 135, kLfoFirst = 137, kPitchModSens = 143, kTranspose = 144;

// Lower case; '-', '_' and blanks become one blank; no blank at either end.
std::string normalise(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool blank = c == '-' || c == '_' || std::isspace(static_cast<unsigned char>(c));
    if (blank) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::size_t op_base(int op) { return static_cast<std::size_t>(6 - op) * kOperatorBytes; }  // OP6 first

void set_each_op(ParamMask& m, std::size_t first, std::size_t last) {
  for (int op = 1; op <= 6; ++op)
    for (std::size_t i = first; i <= last; ++i) m.set(op_base(op) + i);
}

// "op3", "op 3", "op3 *" -> 3; else 0.
int operator_group(const std::string& n) {
  std::string s;
  for (char c : n)
    if (c != ' ') s += c;
  if (s.size() == 4 && s.back() == '*') s.pop_back();
  if (s.size() == 3 && s[0] == 'o' && s[1] == 'p' && s[2] >= '1' && s[2] <= '6') return s[2] - '0';
  return 0;
}

bool group(const std::string& n, ParamMask& m) {
  if (n == "algorithm") {
    m.set(kAlgorithm);
  } else if (n == "feedback") {
    m.set(kFeedback);
  } else if (n == "transpose") {
    m.set(kTranspose);
  } else if (n == "tuning") {
    set_each_op(m, kOpOscMode, kOpDetune);
    m.set(kTranspose);
  } else if (n == "pitch eg") {
    for (std::size_t i = kGlobal; i <= kPitchEgLast; ++i) m.set(i);
  } else if (n == "lfo") {
    for (std::size_t i = kLfoFirst; i <= kPitchModSens; ++i) m.set(i);
  } else if (n == "envelopes") {
    set_each_op(m, kOpEgFirst, kOpEgLast);
  } else if (n == "levels") {
    set_each_op(m, kOpOutputLevel, kOpOutputLevel);
  } else if (int op = operator_group(n)) {
    for (std::size_t i = 0; i < kOperatorBytes; ++i) m.set(op_base(op) + i);
  } else {
    return false;
  }
  return true;
}

std::string unknown_message(std::string_view item) {
  std::string msg = "unknown parameter or group '" + std::string(item) + "'; groups: ";
  for (const auto& g : lock_group_names()) msg += (g == lock_group_names().front() ? "" : ", ") + g;
  return msg + " (also \"OP3 *\"); or one parameter by name, e.g. \"OP3 EG rate 2\", \"osc key sync\"";
}

}  // namespace

const std::vector<std::string>& lock_group_names() {
  static const std::vector<std::string> names = {"algorithm", "feedback", "transpose", "tuning", "pitch-eg",
                                                 "lfo",       "envelopes", "levels",   "op1",    "op2",
                                                 "op3",       "op4",       "op5",      "op6"};
  return names;
}

ParamMask parse_locks(std::string_view list) {
  ParamMask m;
  std::size_t at = 0;
  while (at <= list.size()) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    const std::string_view item = list.substr(at, comma - at);
    at = comma + 1;
    const std::string n = normalise(item);
    if (n.empty() || group(n, m)) continue;
    bool found = false;
    for (const ParamInfo& p : param_table())
      if (normalise(p.name) == n) {
        m.set(p.offset);
        found = true;
        break;
      }
    if (!found) throw LockError(unknown_message(item));
  }
  return m;
}

ParamMask parse_locks(std::span<const std::string> lists) {
  ParamMask m;
  for (const auto& l : lists) m |= parse_locks(l);
  return m;
}

void apply_locks(Voice& voice, const Voice& reference, const ParamMask& mask) {
  for (std::size_t p = 0; p < kSoundParams; ++p)
    if (mask.test(p)) voice.bytes[p] = reference.bytes[p];
}

std::string describe_locks(const ParamMask& mask, std::size_t max) {
  std::string s;
  std::size_t shown = 0;
  for (std::size_t p = 0; p < kSoundParams; ++p) {
    if (!mask.test(p)) continue;
    if (shown == max) return s + " and " + std::to_string(mask.count() - max) + " more";
    s += (shown ? ", " : "") + std::string(param_table()[p].name);
    ++shown;
  }
  return s;
}

}  // namespace dxlatent
