// pack/unpack: hand-placed bit fields, and a round trip over the whole corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice.hpp"

using namespace dxlatent;

namespace {

// The bits of each packed byte that carry a field (dx7-sysex.md section 5),
// written out from the table rather than derived from the code under test.
PackedVoice packed_masks() {
  PackedVoice m;
  m.fill(0xFF);  // whole-byte fields keep all 8 bits
  for (int op = 0; op < 6; ++op) {
    m[op * 17 + 11] = 0x0F;  // RC<<2 | LC
    m[op * 17 + 12] = 0x7F;  // DET<<3 | RS
    m[op * 17 + 13] = 0x1F;  // KVS<<2 | AMS
    m[op * 17 + 15] = 0x3F;  // FC<<1 | M
  }
  m[110] = 0x1F;  // algorithm
  m[111] = 0x0F;  // OKS<<3 | FB
  m[116] = 0x7F;  // LPMS<<4 | LFW<<1 | LKS
  return m;
}

std::vector<PackedVoice> read_corpus() {
  const std::filesystem::path path = std::filesystem::path(DXLATENT_SHARED_DATA) / "collection.bin";
  std::vector<PackedVoice> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out.resize(raw.size() / kPackedVoiceBytes);
  for (std::size_t i = 0; i < out.size(); ++i)
    for (std::size_t k = 0; k < kPackedVoiceBytes; ++k)
      out[i][k] = static_cast<std::uint8_t>(raw[i * kPackedVoiceBytes + k]);
  return out;
}

}  // namespace

TEST(VoicePack, BitFieldsLandWhereTheSpecSays) {
  Voice v = sysex::init_voice();
  // OP6 is the first block of both layouts.
  v.bytes[11] = 1;   // OP6 left curve
  v.bytes[12] = 2;   // OP6 right curve
  v.bytes[13] = 5;   // OP6 rate scaling
  v.bytes[20] = 14;  // OP6 detune
  v.bytes[14] = 3;   // OP6 AMS
  v.bytes[15] = 6;   // OP6 KVS
  v.bytes[17] = 1;   // OP6 osc mode fixed
  v.bytes[18] = 31;  // OP6 coarse
  // OP1 is the last block: unpacked 105.., packed 85..
  v.bytes[105 + 16] = 77;  // OP1 output level
  v.bytes[134] = 31;       // algorithm 32
  v.bytes[135] = 5;        // feedback
  v.bytes[136] = 1;        // osc key sync
  v.bytes[141] = 1;        // LFO key sync
  v.bytes[142] = 4;        // LFO wave sine
  v.bytes[143] = 6;        // pitch mod sens
  v.bytes[144] = 48;       // transpose
  const PackedVoice p = pack(v);
  EXPECT_EQ(p[11], (2 << 2) | 1);
  EXPECT_EQ(p[12], (14 << 3) | 5);
  EXPECT_EQ(p[13], (6 << 2) | 3);
  EXPECT_EQ(p[15], (31 << 1) | 1);
  EXPECT_EQ(p[85 + 14], 77);
  EXPECT_EQ(p[110], 31);
  EXPECT_EQ(p[111], (1 << 3) | 5);
  EXPECT_EQ(p[116], (6 << 4) | (4 << 1) | 1);
  EXPECT_EQ(p[117], 48);
  EXPECT_EQ(p[118], 'I');
  EXPECT_EQ(p[127], 'E');
  EXPECT_EQ(unpack(p), v);
}

TEST(VoicePack, JunkBitsAreDroppedWholeBytesKept) {
  PackedVoice p = pack(sysex::init_voice());
  p[11] |= 0xF0;  // junk above the curves
  p[110] |= 0x60; // junk above the algorithm
  p[1] = 197;     // OP6 EG rate 2: a whole-byte field keeps its value
  const Voice v = unpack(p);
  EXPECT_EQ(v.bytes[11], 0);
  EXPECT_EQ(v.bytes[12], 0);
  EXPECT_EQ(v.bytes[134], 0);
  EXPECT_EQ(v.bytes[1], 197);
  const auto errors = validate(v);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].describe(), "OP6 EG rate 2 = 197 (0-99)");
}

TEST(VoicePack, RoundTripOverTheCorpus) {
  const auto corpus = read_corpus();
  if (corpus.empty())
    GTEST_SKIP() << DXLATENT_SHARED_DATA "/collection.bin not found: corpus round trip skipped";
  const PackedVoice masks = packed_masks();
  std::size_t valid = 0, mismatches = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const PackedVoice& p = corpus[i];
    const Voice v = unpack(p);
    PackedVoice masked;
    for (std::size_t k = 0; k < kPackedVoiceBytes; ++k) masked[k] = p[k] & masks[k];
    if (pack(v) != masked && ++mismatches < 5) ADD_FAILURE() << "pack(unpack(p)) != masked p, voice " << i;
    if (is_valid(v)) {
      ++valid;
      if (unpack(pack(v)) != v && ++mismatches < 5) ADD_FAILURE() << "unpack(pack(v)) != v, voice " << i;
    }
    EXPECT_EQ(is_valid(v), validate(v).empty()) << "voice " << i;
  }
  EXPECT_EQ(mismatches, 0u);
  // The figures of ../shared/data/README.md, measured independently of this code.
  EXPECT_EQ(corpus.size(), 29830u);
  EXPECT_EQ(valid, 26799u);
}
