// DX7 SysEx message encoders, the voice diff and the INIT VOICE (dx7-sysex.md 1-3).
#include "dxlatent/sysex/sysex.hpp"

#include <algorithm>
#include <stdexcept>

namespace dxlatent::sysex {
namespace {

constexpr std::uint8_t kSysEx = 0xF0, kEox = 0xF7, kYamaha = 0x43;

constexpr std::array<std::uint8_t, kVoiceBytes> kInitVoice = {
    // OP6 .. OP2: silent (output level 0); OP1 (last block): output level 99
    99, 99, 99, 99, 99, 99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
    99, 99, 99, 99, 99, 99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
    99, 99, 99, 99, 99, 99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
    99, 99, 99, 99, 99, 99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
    99, 99, 99, 99, 99, 99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
    99, 99, 99, 99, 99, 99, 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99, 0, 1, 0, 7,
    // pitch EG rates/levels, algorithm 1, feedback 0, osc sync on, LFO speed 35,
    // delay, PMD, AMD 0, LFO sync on, triangle, pitch mod sens 3, transpose C3
    99, 99, 99, 99, 50, 50, 50, 50, 0, 0, 1, 35, 0, 0, 0, 1, 0, 3, 24,
    'I', 'N', 'I', 'T', ' ', 'V', 'O', 'I', 'C', 'E'};

}  // namespace

std::uint8_t checksum(std::span<const std::uint8_t> data) {
  unsigned sum = 0;
  for (std::uint8_t b : data) sum += b;
  return static_cast<std::uint8_t>((128 - (sum & 0x7F)) & 0x7F);
}

SingleVoiceDump encode_single_voice(const Voice& voice, std::uint8_t channel) {
  SingleVoiceDump m{};
  m[0] = kSysEx;
  m[1] = kYamaha;
  m[2] = channel & 0x0F;
  m[3] = 0x00;  // format 0: one voice, VCED
  m[4] = 0x01;  // byte count 155 = 0x01 0x1B
  m[5] = 0x1B;
  for (std::size_t i = 0; i < kVoiceBytes; ++i) m[6 + i] = voice.bytes[i] & 0x7F;
  m[6 + kVoiceBytes] = checksum(std::span<const std::uint8_t>(m.data() + 6, kVoiceBytes));
  m[kSingleVoiceDumpBytes - 1] = kEox;
  return m;
}

ParamChange encode_param_change(std::uint8_t channel, std::uint16_t param, std::uint8_t value) {
  // Byte 3 is 0ggggghh: group 0 (voice) and the two high bits of the parameter number.
  return ParamChange{kSysEx,
                     kYamaha,
                     static_cast<std::uint8_t>(0x10 | (channel & 0x0F)),
                     static_cast<std::uint8_t>((param >> 7) & 0x03),
                     static_cast<std::uint8_t>(param & 0x7F),
                     static_cast<std::uint8_t>(value & 0x7F),
                     kEox};
}

std::vector<std::uint8_t> encode_bulk_dump(std::span<const Voice> voices, std::uint8_t channel) {
  if (voices.size() > kCartridgeVoices)
    throw std::invalid_argument("a cartridge holds 32 voices, got " + std::to_string(voices.size()));
  std::vector<std::uint8_t> m(kBulkDumpBytes);
  m[0] = kSysEx;
  m[1] = kYamaha;
  m[2] = channel & 0x0F;
  m[3] = 0x09;  // format 9: 32 voices, VMEM
  m[4] = 0x20;  // byte count 4096 = 0x20 0x00
  m[5] = 0x00;
  const Voice init = init_voice();
  for (std::size_t v = 0; v < kCartridgeVoices; ++v) {
    const PackedVoice p = pack(v < voices.size() ? voices[v] : init);
    for (std::size_t k = 0; k < kPackedVoiceBytes; ++k) m[6 + v * kPackedVoiceBytes + k] = p[k] & 0x7F;
  }
  constexpr std::size_t kData = kCartridgeVoices * kPackedVoiceBytes;
  m[6 + kData] = checksum(std::span<const std::uint8_t>(m.data() + 6, kData));
  m[kBulkDumpBytes - 1] = kEox;
  return m;
}

std::vector<ParamChange> diff(const Voice& a, const Voice& b, std::uint8_t channel) {
  std::vector<ParamChange> out;
  for (std::size_t i = 0; i < kVoiceBytes; ++i)
    if (a.bytes[i] != b.bytes[i])
      out.push_back(encode_param_change(channel, static_cast<std::uint16_t>(i), b.bytes[i]));
  return out;
}

std::optional<ParamChangeFields> decode_param_change(std::span<const std::uint8_t> m) {
  if (m.size() != kParamChangeBytes || m[0] != kSysEx || m[1] != kYamaha || (m[2] & 0xF0) != 0x10 ||
      m[6] != kEox)
    return std::nullopt;
  for (std::size_t i = 1; i < 6; ++i)
    if (m[i] >= 0x80) return std::nullopt;
  return ParamChangeFields{static_cast<std::uint8_t>(m[2] & 0x0F),
                           static_cast<std::uint8_t>((m[3] >> 2) & 0x1F),
                           static_cast<std::uint16_t>((m[3] & 0x03) << 7 | m[4]), m[5]};
}

bool apply(Voice& voice, const ParamChangeFields& change) {
  if (change.group != 0 || change.param >= kVoiceBytes) return false;
  voice.bytes[change.param] = change.value & 0x7F;
  return true;
}

bool apply(Voice& voice, const ParamChange& message) {
  const auto fields = decode_param_change(message);
  return fields && apply(voice, *fields);
}

Voice init_voice() {
  Voice v;
  v.bytes = kInitVoice;
  return v;
}

}  // namespace dxlatent::sysex
