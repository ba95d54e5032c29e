#include "dxlatent/voice/voice_ref.hpp"

#include <charconv>
#include <utility>

#include "dxlatent/voice/voice_file.hpp"

namespace dxlatent {

VoiceRef::VoiceRef(std::filesystem::path f, std::size_t s) : file(std::move(f)), slot(s), text(describe()) {}

VoiceRef VoiceRef::parse(std::string_view text) {
  const std::string t(text);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    throw VoiceRefError("'" + t + "' is not FILE:SLOT (e.g. rom1a.syx:3)");
  const std::string_view digits = text.substr(colon + 1);
  VoiceRef ref;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ref.slot);
  if (ec != std::errc() || end != digits.data() + digits.size() || ref.slot == 0)
    throw VoiceRefError("slot '" + std::string(digits) + "' in '" + t + "' is not a number from 1");
  ref.file = std::string(text.substr(0, colon));
  ref.text = t;
  return ref;
}

std::string VoiceRef::describe() const { return file.string() + ":" + std::to_string(slot); }

Voice VoiceRef::read(std::vector<std::string>* warnings) const {
  const VoiceRef& ref = *this;
  const VoiceFile f = read_voice_file(ref.file);
  if (warnings)
    for (const auto& p : f.problems) warnings->push_back(f.describe(p));
  if (ref.slot > f.voices.size())
    throw VoiceRefError(ref.file.string() + ": slot " + std::to_string(ref.slot) + " does not exist (the file has " +
                        std::to_string(f.voices.size()) + " voice" + (f.voices.size() == 1 ? "" : "s") + ")");
  return f.voices[ref.slot - 1].voice;
}

}  // namespace dxlatent
