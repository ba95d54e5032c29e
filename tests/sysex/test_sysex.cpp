// Checksum against hand-worked vectors, the three encoders byte by byte, and
// diff + apply reproducing the target voice exactly.
#include <gtest/gtest.h>

#include <random>

#include "dxlatent/sysex/sysex.hpp"

using namespace dxlatent;
using namespace dxlatent::sysex;

namespace {

Voice random_voice(std::mt19937& rng) {
  Voice v;
  for (const ParamInfo& p : param_table())
    v.bytes[p.offset] = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, p.max)(rng));
  for (std::size_t i = kNameOffset; i < kVoiceBytes; ++i)
    v.bytes[i] = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(32, 127)(rng));
  return v;
}

}  // namespace

TEST(Checksum, HandWorkedVectors) {
  // 0x01 + 0x02 + 0x7F = 130; 130 & 0x7F = 2; (128 - 2) & 0x7F = 126 = 0x7E.
  // Check: 130 + 126 = 256 = 0 mod 128.
  const std::uint8_t a[] = {0x01, 0x02, 0x7F};
  EXPECT_EQ(checksum(a), 0x7E);
  // Sum 0 (or any multiple of 128): (128 - 0) & 0x7F = 0, not 128.
  EXPECT_EQ(checksum({}), 0x00);
  const std::uint8_t b[] = {0x40, 0x40};
  EXPECT_EQ(checksum(b), 0x00);
  // 0x7F alone: (128 - 127) = 1.
  const std::uint8_t c[] = {0x7F};
  EXPECT_EQ(checksum(c), 0x01);
}

TEST(SingleVoiceDump, InitVoiceByHand) {
  // INIT VOICE data sum, worked by hand:
  //   operators: 7 x 99 (rates, levels 1-3) + 1 (coarse) + 7 (detune) = 701 each,
  //              OP1 adds output level 99: 5 x 701 + 800 = 4305
  //   globals:   4 x 99 + 4 x 50 + (osc sync 1 + LFO speed 35 + LFO sync 1
  //              + PMS 3 + transpose 24 = 64) = 660
  //   name:      I N I T ' ' V O I C E = 73+78+73+84+32+86+79+73+67+69 = 714
  //   total 5679 = 44 x 128 + 47, checksum (128 - 47) = 81 = 0x51.
  const SingleVoiceDump m = encode_single_voice(init_voice(), 2);
  EXPECT_EQ(m.size(), 163u);
  EXPECT_EQ(m[0], 0xF0);
  EXPECT_EQ(m[1], 0x43);
  EXPECT_EQ(m[2], 0x02);
  EXPECT_EQ(m[3], 0x00);
  EXPECT_EQ(m[4], 0x01);
  EXPECT_EQ(m[5], 0x1B);
  EXPECT_EQ(m[6 + 134], 0);  // algorithm 1
  EXPECT_EQ(m[6 + 145], 'I');
  EXPECT_EQ(m[161], 0x51);
  EXPECT_EQ(m[162], 0xF7);
}

TEST(ParamChange, Encoding) {
  // Parameter 130 (pitch EG level 1) is sent as 0g=01, pp=02 (dx7-sysex.md 3).
  const ParamChange m = encode_param_change(2, 130, 50);
  const ParamChange want = {0xF0, 0x43, 0x12, 0x01, 0x02, 50, 0xF7};
  EXPECT_EQ(m, want);
  const auto f = decode_param_change(m);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->channel, 2);
  EXPECT_EQ(f->group, 0);
  EXPECT_EQ(f->param, 130);
  EXPECT_EQ(f->value, 50);
  EXPECT_EQ(encode_param_change(0, 5, 99)[3], 0x00);
  EXPECT_EQ(encode_param_change(0, 155, 0x3F)[4], 155 - 128);
  const std::uint8_t notpc[] = {0xF0, 0x43, 0x02, 0x01, 0x02, 50, 0xF7};
  EXPECT_FALSE(decode_param_change(notpc).has_value());
}

TEST(BulkDump, LayoutAndChecksum) {
  std::mt19937 rng(11);
  std::vector<Voice> voices;
  for (int i = 0; i < 32; ++i) voices.push_back(random_voice(rng));
  const auto m = encode_bulk_dump(voices, 15);
  ASSERT_EQ(m.size(), 4104u);
  const std::vector<std::uint8_t> head = {0xF0, 0x43, 0x0F, 0x09, 0x20, 0x00};
  EXPECT_TRUE(std::equal(head.begin(), head.end(), m.begin()));
  EXPECT_EQ(m.back(), 0xF7);
  unsigned sum = 0;
  for (std::size_t i = 6; i < 6 + 4096 + 1; ++i) sum += m[i];  // data + checksum
  EXPECT_EQ(sum % 128, 0u);
  for (int v = 0; v < 32; ++v) {
    const PackedVoice p = pack(voices[v]);
    EXPECT_TRUE(std::equal(p.begin(), p.end(), m.begin() + 6 + v * 128)) << "voice " << v;
  }
}

TEST(Diff, AppliedToAReproducesB) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 500; ++trial) {
    const Voice a = trial == 0 ? init_voice() : random_voice(rng);
    Voice b = random_voice(rng);
    if (trial % 3 == 0) b = a, b.bytes[trial % kVoiceBytes] ^= 1;  // near-identical pairs too
    const auto msgs = diff(a, b, static_cast<std::uint8_t>(trial % 16));
    std::size_t differing = 0;
    for (std::size_t i = 0; i < kVoiceBytes; ++i) differing += a.bytes[i] != b.bytes[i];
    ASSERT_EQ(msgs.size(), differing);
    Voice x = a;
    for (const ParamChange& m : msgs) ASSERT_TRUE(sysex::apply(x, m));
    ASSERT_EQ(x, b) << "trial " << trial;
  }
  EXPECT_TRUE(diff(init_voice(), init_voice(), 0).empty());
}

TEST(Apply, IgnoresWhatIsNotAVoiceByte) {
  Voice v = init_voice();
  const Voice before = v;
  EXPECT_FALSE(sysex::apply(v, encode_param_change(0, 155, 0x3F)));  // operator on/off mask
  ParamChange function = encode_param_change(0, 3, 1);
  function[3] = 0x08;  // group 2: function parameter
  EXPECT_FALSE(sysex::apply(v, function));
  EXPECT_EQ(v, before);
  EXPECT_TRUE(sysex::apply(v, encode_param_change(0, 134, 21)));
  EXPECT_EQ(v.algorithm(), 22);
}

TEST(InitVoice, IsValidAndNamed) {
  const Voice v = init_voice();
  EXPECT_TRUE(is_valid(v));
  EXPECT_EQ(v.name(), "INIT VOICE");
  EXPECT_EQ(v.algorithm(), 1);
  EXPECT_EQ(v.bytes[105 + 16], 99);  // OP1 output level
  EXPECT_EQ(v.bytes[16], 0);         // OP6 silent
}
