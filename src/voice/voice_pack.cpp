// VCED (155 bytes) <-> VMEM (128 bytes), dx7-sysex.md sections 4 and 5.
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {
namespace {

constexpr std::size_t kPackedOperatorBytes = 17;
constexpr std::size_t kPackedGlobal = 6 * kPackedOperatorBytes;  // 102
constexpr std::size_t kUnpackedGlobal = 6 * kOperatorBytes;     // 126

}  // namespace

PackedVoice pack(const Voice& voice) {
  const auto& u = voice.bytes;
  PackedVoice p{};
  for (std::size_t op = 0; op < 6; ++op) {
    const std::size_t s = op * kPackedOperatorBytes, d = op * kOperatorBytes;
    for (std::size_t k = 0; k < 11; ++k) p[s + k] = u[d + k];  // rates, levels, bp, depths
    p[s + 11] = static_cast<std::uint8_t>((u[d + 12] & 0x03) << 2 | (u[d + 11] & 0x03));
    p[s + 12] = static_cast<std::uint8_t>((u[d + 20] & 0x0F) << 3 | (u[d + 13] & 0x07));
    p[s + 13] = static_cast<std::uint8_t>((u[d + 15] & 0x07) << 2 | (u[d + 14] & 0x03));
    p[s + 14] = u[d + 16];
    p[s + 15] = static_cast<std::uint8_t>((u[d + 18] & 0x1F) << 1 | (u[d + 17] & 0x01));
    p[s + 16] = u[d + 19];
  }
  for (std::size_t k = 0; k < 8; ++k) p[kPackedGlobal + k] = u[kUnpackedGlobal + k];  // pitch EG
  p[110] = u[134] & 0x1F;
  p[111] = static_cast<std::uint8_t>((u[136] & 0x01) << 3 | (u[135] & 0x07));
  for (std::size_t k = 0; k < 4; ++k) p[112 + k] = u[137 + k];  // LFO speed, delay, PMD, AMD
  p[116] = static_cast<std::uint8_t>((u[143] & 0x07) << 4 | (u[142] & 0x07) << 1 | (u[141] & 0x01));
  p[117] = u[144];
  for (std::size_t k = 0; k < kNameLength; ++k) p[118 + k] = u[kNameOffset + k];
  return p;
}

Voice unpack(std::span<const std::uint8_t, kPackedVoiceBytes> p) {
  Voice v;
  auto& u = v.bytes;
  for (std::size_t op = 0; op < 6; ++op) {
    const std::size_t s = op * kPackedOperatorBytes, d = op * kOperatorBytes;
    for (std::size_t k = 0; k < 11; ++k) u[d + k] = p[s + k];
    u[d + 11] = p[s + 11] & 0x03;         // left curve
    u[d + 12] = (p[s + 11] >> 2) & 0x03;  // right curve
    u[d + 13] = p[s + 12] & 0x07;         // rate scaling
    u[d + 20] = (p[s + 12] >> 3) & 0x0F;  // detune
    u[d + 14] = p[s + 13] & 0x03;         // amp mod sens
    u[d + 15] = (p[s + 13] >> 2) & 0x07;  // key vel sens
    u[d + 16] = p[s + 14];                // output level
    u[d + 17] = p[s + 15] & 0x01;         // osc mode
    u[d + 18] = (p[s + 15] >> 1) & 0x1F;  // freq coarse
    u[d + 19] = p[s + 16];                // freq fine
  }
  for (std::size_t k = 0; k < 8; ++k) u[kUnpackedGlobal + k] = p[kPackedGlobal + k];
  u[134] = p[110] & 0x1F;         // algorithm
  u[135] = p[111] & 0x07;         // feedback
  u[136] = (p[111] >> 3) & 0x01;  // osc key sync
  for (std::size_t k = 0; k < 4; ++k) u[137 + k] = p[112 + k];
  u[141] = p[116] & 0x01;         // LFO key sync
  u[142] = (p[116] >> 1) & 0x07;  // LFO wave
  u[143] = (p[116] >> 4) & 0x07;  // pitch mod sens
  u[144] = p[117];                // transpose
  for (std::size_t k = 0; k < kNameLength; ++k) u[kNameOffset + k] = p[118 + k];
  return v;
}

}  // namespace dxlatent
