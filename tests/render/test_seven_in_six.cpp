// The "7 bits in 6" encoding against a decoder written from hexter 1.1.1's
// decode_7in6() (dx7_voice_data.c): what hexter accepts, byte for byte.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "dxlatent/render/seven_in_six.hpp"

using dxlatent::render::encode_7in6;

namespace {

// hexter's decoder, restated: returns false where hexter returns 0.
bool decode_7in6(const std::string& s, int expected, std::vector<std::uint8_t>& data) {
  static const char base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (s.size() < 6) return false;
  char* p = nullptr;
  const long stated = std::strtol(s.c_str(), &p, 10);
  std::size_t in = static_cast<std::size_t>(p - s.c_str());
  if (in == 0 || s[in] != ' ' || stated != expected) return false;
  ++in;
  if (static_cast<long>(s.size() - in) < (expected * 7 + 5) / 6) return false;
  data.assign(static_cast<std::size_t>(expected), 0);
  int reg = 0, above = 0, below = 0, out = 0;
  unsigned sum = 0;
  while (true) {
    if (above == 7) {
      data[static_cast<std::size_t>(out)] = static_cast<std::uint8_t>(reg >> 6);
      sum += data[static_cast<std::size_t>(out)];
      reg &= 0x3f;
      above = 0;
      if (++out == expected) break;
    }
    if (below == 0) {
      const char* c = std::strchr(base64, s[in]);
      if (!c || !s[in]) return false;
      reg |= static_cast<int>(c - base64);
      below = 6;
      ++in;
    }
    int shift = 7 - above;
    if (below < shift) shift = below;
    reg <<= shift;
    above += shift;
    below -= shift;
  }
  if (s[in++] != ' ') return false;
  return std::strtoul(s.c_str() + in, nullptr, 10) == sum;
}

}  // namespace

TEST(SevenInSix, KnownSmallExample) {
  // 0x7F 0x00: bits 1111111 0000000 -> 111111 100000 00(0000) -> "/gA", sum 127.
  const std::uint8_t bytes[] = {0x7F, 0x00};
  EXPECT_EQ(encode_7in6(bytes), "2 /gA 127");
}

TEST(SevenInSix, HextersDecoderReadsBackWhatWasEncoded) {
  std::mt19937 rng(7);
  for (int len : {1, 5, 6, 7, 155, 160, 4096}) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(len));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() & 0x7F);
    std::vector<std::uint8_t> back;
    const std::string text = encode_7in6(bytes);
    ASSERT_TRUE(decode_7in6(text, len, back)) << "length " << len << ": " << text.substr(0, 40);
    EXPECT_EQ(back, bytes) << "length " << len;
    EXPECT_EQ(text.size(), std::to_string(len).size() + 1 + static_cast<std::size_t>((len * 7 + 5) / 6) + 1 +
                               std::to_string(std::accumulate(bytes.begin(), bytes.end(), 0u)).size());
  }
}

TEST(SevenInSix, HighBitIsDropped) {
  const std::uint8_t high[] = {0xFF, 0x80};
  const std::uint8_t low[] = {0x7F, 0x00};
  EXPECT_EQ(encode_7in6(high), encode_7in6(low));
}
