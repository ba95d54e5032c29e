#include "dxlatent/engine/voice_cache.hpp"

#include <gtest/gtest.h>

#include "dxlatent/sysex/sysex.hpp"

using namespace dxlatent;

namespace {
DecodeKey knobs(std::uint8_t v) {
  DecodeKey k;
  k.z[3] = float(v);
  return k;
}
Voice voice(std::uint8_t v) {
  Voice x = sysex::init_voice();
  x.bytes[0] = v;
  return x;
}
}  // namespace

TEST(VoiceCache, EvictsTheLeastRecentlyUsedState) {
  VoiceCache cache(2);
  cache.insert(knobs(1), voice(1));
  cache.insert(knobs(2), voice(2));
  EXPECT_EQ(cache.find(knobs(1)), voice(1));  // 1 is now the most recent
  cache.insert(knobs(3), voice(3));           // evicts 2
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.find(knobs(2)));
  EXPECT_EQ(cache.find(knobs(1)), voice(1));
  EXPECT_EQ(cache.find(knobs(3)), voice(3));
  cache.insert(knobs(3), voice(33));  // same state again: replaced, not duplicated
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find(knobs(3)), voice(33));
}

TEST(VoiceCache, TheAlgorithmADecodeWasGivenIsPartOfTheKey) {
  VoiceCache cache(4);
  DecodeKey given = knobs(1);
  given.condition = 5;
  cache.insert(knobs(1), voice(1));
  cache.insert(given, voice(2));
  EXPECT_EQ(cache.find(knobs(1)), voice(1));
  EXPECT_EQ(cache.find(given), voice(2));
}

TEST(VoiceCache, ZeroCapacityCachesNothing) {
  VoiceCache cache(0);
  cache.insert(knobs(1), voice(1));
  EXPECT_FALSE(cache.find(knobs(1)));
  EXPECT_EQ(cache.size(), 0u);
}
