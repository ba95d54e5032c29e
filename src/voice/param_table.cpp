// The 145 sound parameters of the unpacked (VCED) voice, built once from the
// 21-byte operator block and the 19 global bytes of dx7-sysex.md section 4.
#include <string>

#include "dxlatent/voice/voice.hpp"
#include "param_limits.hpp"

namespace dxlatent {
namespace {

// VCED offsets 0..20 of one operator. Names match models/dx7.py (param_names).
constexpr const char* kOperatorNames[kOperatorBytes] = {
    "EG rate 1",    "EG rate 2",   "EG rate 3",    "EG rate 4",    "EG level 1",
    "EG level 2",   "EG level 3",  "EG level 4",   "break point",  "left depth",
    "right depth",  "left curve",  "right curve",  "rate scaling", "amp mod sens",
    "key vel sens", "output level", "osc mode",    "freq coarse",  "freq fine",
    "detune",
};

constexpr std::size_t kGlobalOffset = 6 * kOperatorBytes;  // 126
constexpr const char* kGlobalNames[kSoundParams - kGlobalOffset] = {
    "pitch EG rate 1",  "pitch EG rate 2",  "pitch EG rate 3",     "pitch EG rate 4",
    "pitch EG level 1", "pitch EG level 2", "pitch EG level 3",    "pitch EG level 4",
    "algorithm",        "feedback",         "osc key sync",        "LFO speed",
    "LFO delay",        "LFO pitch mod depth", "LFO amp mod depth", "LFO key sync",
    "LFO wave",         "pitch mod sens",   "transpose",
};

struct Table {
  std::array<std::string, kSoundParams> names;  // owns the text param_table() points at
  std::array<ParamInfo, kSoundParams> params{};

  Table() {
    for (std::size_t i = 0; i < kSoundParams; ++i) {
      const bool global = i >= kGlobalOffset;
      // Operator 6 comes first in memory: block 0 is OP6, block 5 is OP1.
      const int op = global ? 0 : 6 - static_cast<int>(i / kOperatorBytes);
      names[i] = global ? std::string(kGlobalNames[i - kGlobalOffset])
                        : "OP" + std::to_string(op) + " " + kOperatorNames[i % kOperatorBytes];
      params[i] = ParamInfo{static_cast<std::uint8_t>(i), detail::kParamMax[i],
                            static_cast<std::int8_t>(op), std::string_view(names[i])};
    }
  }
};

const Table& table() {
  static const Table t;  // thread-safe first use (magic static)
  return t;
}

}  // namespace

const std::array<ParamInfo, kSoundParams>& param_table() { return table().params; }

const ParamInfo* find_param(std::string_view name) {
  for (const ParamInfo& p : param_table())
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace dxlatent
