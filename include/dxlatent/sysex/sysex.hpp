#pragma once
// DX7 SysEx messages (../shared/docs/dx7-sysex.md): checksum, single voice dump,
// 32-voice bulk dump, voice parameter change, and the diff between two voices.
// All functions are pure. The encode_*_into variants write into a caller-owned
// buffer and never allocate, so they are [rt-safe]; the others return vectors.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dxlatent/voice/voice.hpp"

namespace dxlatent::sysex {

inline constexpr std::size_t kSingleVoiceDumpBytes = 163;
inline constexpr std::size_t kBulkDumpBytes = 4104;
inline constexpr std::size_t kParamChangeBytes = 7;
inline constexpr std::size_t kCartridgeVoices = 32;

/// (128 - (sum & 0x7F)) & 0x7F over the data bytes.
std::uint8_t checksum(std::span<const std::uint8_t> data);

using SingleVoiceDump = std::array<std::uint8_t, kSingleVoiceDumpBytes>;
using ParamChange = std::array<std::uint8_t, kParamChangeBytes>;

/// F0 43 0n 00 01 1B <155> <sum> F7. channel is 0..15 (masked). Data bytes are
/// masked to 7 bits so the message stays legal; validate or clamp first. [rt-safe]
SingleVoiceDump encode_single_voice(const Voice& voice, std::uint8_t channel);
/// F0 43 1n 0g pp vv F7 with g = 0 (voice parameter). param 0..155, value < 128. [rt-safe]
ParamChange encode_param_change(std::uint8_t channel, std::uint16_t param, std::uint8_t value);
/// A 4104-byte cartridge; fewer than 32 voices are padded with the DX7's INIT VOICE,
/// more than 32 is a std::invalid_argument. Packed bytes are masked to 7 bits.
std::vector<std::uint8_t> encode_bulk_dump(std::span<const Voice> voices, std::uint8_t channel);

/// The parameter changes (in offset order, name bytes included) that turn a into b.
/// Values are sent as 7-bit data bytes, so b must be SysEx-representable (every
/// byte < 128, true of any voice read from SysEx or passing validate()).
std::vector<ParamChange> diff(const Voice& a, const Voice& b, std::uint8_t channel);

/// A decoded parameter-change message.
struct ParamChangeFields {
  std::uint8_t channel;  ///< 0..15
  std::uint8_t group;    ///< 0 = voice parameter, 2 = function parameter
  std::uint16_t param;   ///< 0..511 as addressed; voice parameters are 0..155
  std::uint8_t value;    ///< 0..127
};
/// Reads F0 43 1n 0g pp vv F7; nullopt if the bytes are not such a message. [rt-safe]
std::optional<ParamChangeFields> decode_param_change(std::span<const std::uint8_t> message);

/// Applies one parameter change to a voice as the DX7 edit buffer does: voice
/// parameters 0..154 are written; function parameters and 155 (the operator
/// on/off mask, not part of Voice) are ignored. The channel is not checked: the
/// caller filters. Returns whether a byte of the voice was addressed. [rt-safe]
/// Call it qualified, sysex::apply(...): ParamChange is a std::array, so an
/// unqualified call also finds std::apply by argument-dependent lookup.
bool apply(Voice& voice, const ParamChangeFields& change);
bool apply(Voice& voice, const ParamChange& message);

/// The DX7's INIT VOICE (algorithm 1, OP1 at full level, the others silent), as
/// hexter and current Dexed have it (break point 0 = A-1; old Dexed used 39).
Voice init_voice();

}  // namespace dxlatent::sysex
