#include "dxlatent/render/seven_in_six.hpp"

namespace dxlatent::render {

std::string encode_7in6(std::span<const std::uint8_t> bytes) {
  static constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = std::to_string(bytes.size()) + ' ';
  unsigned long sum = 0;
  unsigned reg = 0;  // pending bits, right-aligned
  int pending = 0;   // how many
  for (std::uint8_t b : bytes) {
    const unsigned v = b & 0x7Fu;
    sum += v;
    reg = (reg << 7) | v;
    pending += 7;
    while (pending >= 6) {
      pending -= 6;
      out += kBase64[(reg >> pending) & 0x3Fu];
    }
    reg &= (1u << pending) - 1u;  // keep only the bits not yet written
  }
  if (pending > 0) out += kBase64[(reg << (6 - pending)) & 0x3Fu];  // last group zero-padded
  out += ' ';
  out += std::to_string(sum);
  return out;
}

}  // namespace dxlatent::render
