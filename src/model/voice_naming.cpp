#include "dxlatent/model/voice_naming.hpp"

#include <cstdint>

namespace dxlatent {

std::string voice_tag(const Voice& voice) {
  // FNV-1a: a few lines, stable forever, and dxlatent_core stays free of libraries.
  std::uint32_t h = 2166136261u;
  for (std::uint8_t b : voice.sound()) {
    h ^= b;
    h *= 16777619u;
  }
  h ^= h >> 20;  // fold the high bits in: FNV's low bits mix worst
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string tag(4, '0');
  for (int i = 3; i >= 0; --i) {
    tag[static_cast<std::size_t>(i)] = kCrockford[h & 31u];
    h >>= 5;
  }
  return tag;
}

std::string generated_name(VoiceOrigin origin, std::size_t serial, const Voice& voice) {
  std::string name(1, static_cast<char>(origin));
  const std::size_t n = serial % 10000;
  name += static_cast<char>('0' + n / 1000);
  name += static_cast<char>('0' + n / 100 % 10);
  name += static_cast<char>('0' + n / 10 % 10);
  name += static_cast<char>('0' + n % 10);
  name += ' ';
  name += voice_tag(voice);
  return name;
}

void name_generated_voice(Voice& voice, VoiceOrigin origin, std::size_t serial) {
  voice.set_name(generated_name(origin, serial, voice));
}

std::optional<std::size_t> generated_serial(const Voice& voice, VoiceOrigin origin, bool tag_of_this_sound) {
  const std::string n = voice.name();
  if (n.size() != 10 || n[0] != char(origin) || n[5] != ' ') return std::nullopt;
  std::size_t serial = 0;
  for (std::size_t i = 1; i < 5; ++i) {
    if (n[i] < '0' || n[i] > '9') return std::nullopt;
    serial = serial * 10 + std::size_t(n[i] - '0');
  }
  if (tag_of_this_sound && n.substr(6) != voice_tag(voice)) return std::nullopt;
  return serial;
}

}  // namespace dxlatent
