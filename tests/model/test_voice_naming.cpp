#include "dxlatent/model/voice_naming.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

using namespace dxlatent;

namespace {
Voice random_voice(std::mt19937& rng) {
  Voice v;
  for (std::size_t p = 0; p < kSoundParams; ++p)
    v.bytes[p] = static_cast<std::uint8_t>(rng() % (param_table()[p].max + 1u));
  v.set_name("");
  return v;
}
}  // namespace

TEST(VoiceNaming, NameIsTenDisplaySafeCharacters) {
  std::mt19937 rng(1);
  for (int i = 0; i < 500; ++i) {
    const Voice v = random_voice(rng);
    const std::string n = generated_name(VoiceOrigin::Sample, i + 1, v);
    ASSERT_EQ(n.size(), kNameLength);
    for (char c : n) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == ' ') << n;
    for (char c : voice_tag(v)) EXPECT_EQ(std::string("ILOU").find(c), std::string::npos) << n;
  }
}

TEST(VoiceNaming, SchemeIsOriginSerialTag) {
  std::mt19937 rng(2);
  const Voice v = random_voice(rng);
  EXPECT_EQ(generated_name(VoiceOrigin::Sample, 33, v), "S0033 " + voice_tag(v));
  EXPECT_EQ(generated_name(VoiceOrigin::Morph, 1, v), "M0001 " + voice_tag(v));
  EXPECT_EQ(generated_name(VoiceOrigin::Live, 10001, v), "L0001 " + voice_tag(v));
}

TEST(VoiceNaming, TagDependsOnTheSoundOnly) {
  std::mt19937 rng(3);
  Voice a = random_voice(rng);
  Voice b = a;
  b.set_name("OTHER NAME");
  EXPECT_EQ(voice_tag(a), voice_tag(b));
  b.bytes[70] = static_cast<std::uint8_t>((b.bytes[70] + 1) % 100);  // one EG rate/level step
  EXPECT_NE(voice_tag(a), voice_tag(b));
}

TEST(VoiceNaming, TagsOfDifferentSoundsRarelyCollide) {
  // 20 bits: among 1,000 sounds about 0.5 collisions are expected.
  std::mt19937 rng(4);
  std::set<std::string> tags;
  for (int i = 0; i < 1000; ++i) tags.insert(voice_tag(random_voice(rng)));
  EXPECT_GE(tags.size(), 997u);
}

TEST(VoiceNaming, NamedVoiceStaysValidAndReadsBack) {
  std::mt19937 rng(5);
  Voice v = random_voice(rng);
  name_generated_voice(v, VoiceOrigin::Morph, 7);
  EXPECT_TRUE(is_valid(v));
  EXPECT_EQ(v.name(), "M0007 " + voice_tag(v));
}
