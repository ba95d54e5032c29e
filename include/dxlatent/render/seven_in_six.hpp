#pragma once
// DSSI's "7 bits in 6" text encoding, the value format of hexter's "edit_buffer"
// and "patchesN" configure keys (../shared/docs/hexter.md): "<byte count>
// <chars> <sum>", the bytes' 7 low bits as one MSB-first bit stream cut into
// 6-bit groups, each a base64 character, the last group zero-padded; <sum> is
// the decimal sum of the 7-bit byte values.
// Thread safety: pure; any thread (it allocates the string, so not the JACK thread).

#include <cstdint>
#include <span>
#include <string>

namespace dxlatent::render {

/// Encodes `bytes` (each masked to its 7 low bits) as hexter's decode_7in6() reads it.
std::string encode_7in6(std::span<const std::uint8_t> bytes);

}  // namespace dxlatent::render
