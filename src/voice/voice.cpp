// Voice names, validation and clamping of the unpacked (VCED) voice.
#include "dxlatent/voice/voice.hpp"

#include <algorithm>

#include "param_limits.hpp"

namespace dxlatent {
namespace {

constexpr std::uint8_t kYen = 92, kRightArrow = 126, kLeftArrow = 127;

bool printable(std::uint8_t c) { return c >= 32 && c <= 126; }

}  // namespace

std::string Voice::name() const {
  std::string s(kNameLength, kNameBlank);
  for (std::size_t i = 0; i < kNameLength; ++i) {
    const std::uint8_t c = bytes[kNameOffset + i];
    if (printable(c)) s[i] = static_cast<char>(c);
  }
  return s;
}

std::string Voice::display_name() const {
  std::string s;
  s.reserve(kNameLength * 3);
  for (std::size_t i = 0; i < kNameLength; ++i) {
    const std::uint8_t c = bytes[kNameOffset + i];
    if (c == kYen) s += "\u00a5";
    else if (c == kRightArrow) s += "\u2192";
    else if (c == kLeftArrow) s += "\u2190";
    else s += printable(c) ? static_cast<char>(c) : kNameBlank;
  }
  return s;
}

void Voice::set_name(std::string_view text) {
  std::size_t out = 0;
  std::size_t i = 0;
  while (out < kNameLength && i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    // Length of this UTF-8 sequence; a stray continuation byte counts as one character.
    std::size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    len = std::min(len, text.size() - i);
    const std::string_view seq = text.substr(i, len);
    std::uint8_t c = kNameBlank;
    if (len == 1 && printable(lead)) c = lead;
    else if (seq == "\u00a5") c = kYen;
    else if (seq == "\u2192") c = kRightArrow;
    else if (seq == "\u2190") c = kLeftArrow;
    bytes[kNameOffset + out++] = c;
    i += len;
  }
  for (; out < kNameLength; ++out) bytes[kNameOffset + out] = kNameBlank;
}

std::string RangeError::describe() const {
  if (offset >= kNameOffset)
    return "name char " + std::to_string(offset - kNameOffset + 1) + " = " +
           std::to_string(value) + " (0-127)";
  const ParamInfo& p = param_table()[offset];
  return std::string(p.name) + " = " + std::to_string(value) + " (0-" + std::to_string(p.max) + ")";
}

std::vector<RangeError> validate(const Voice& voice) {
  std::vector<RangeError> errors;
  for (std::size_t i = 0; i < kSoundParams; ++i)
    if (voice.bytes[i] > detail::kParamMax[i])
      errors.push_back({static_cast<std::uint8_t>(i), voice.bytes[i]});
  for (std::size_t i = kNameOffset; i < kVoiceBytes; ++i)
    if (voice.bytes[i] >= 0x80) errors.push_back({static_cast<std::uint8_t>(i), voice.bytes[i]});
  return errors;
}

bool is_valid(const Voice& voice) {
  for (std::size_t i = 0; i < kSoundParams; ++i)
    if (voice.bytes[i] > detail::kParamMax[i]) return false;
  for (std::size_t i = kNameOffset; i < kVoiceBytes; ++i)
    if (voice.bytes[i] >= 0x80) return false;
  return true;
}

Voice clamped(const Voice& voice) {
  Voice v = voice;
  for (std::size_t i = 0; i < kSoundParams; ++i)
    v.bytes[i] = std::min(v.bytes[i], detail::kParamMax[i]);
  for (std::size_t i = kNameOffset; i < kVoiceBytes; ++i)
    if (!printable(v.bytes[i])) v.bytes[i] = kNameBlank;
  return v;
}

}  // namespace dxlatent
