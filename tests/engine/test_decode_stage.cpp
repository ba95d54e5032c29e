// The decode stage: coalescing, the cache, naming and the warm-up, with the
// ToyDecoder (a counting stand-in for the model).
#include "dxlatent/engine/decode_stage.hpp"

#include <gtest/gtest.h>

#include "dxlatent/control/control_stage.hpp"
#include "toy_decoder.hpp"

using namespace dxlatent;
using dxlatent::testing::ToyDecoder;

namespace {
MidiEvent cc(std::uint8_t number, std::uint8_t value, std::uint8_t channel = 0) {
  return MidiEvent{std::uint8_t(0xB0 | channel), number, value, 0};
}
[[maybe_unused]] MidiEvent note_on(std::uint8_t key, std::uint8_t vel, std::uint8_t channel = 0) {
  return MidiEvent{std::uint8_t(0x90 | channel), key, vel, 0};
}
[[maybe_unused]] MidiEvent note_off(std::uint8_t key) { return MidiEvent{0x80, key, 0, 0}; }

const std::uint8_t kPedal[] = {64};

struct Fixture {
  ToyDecoder decoder;
  ControlStage ctl{CcMap{std::nullopt, kPedal}, ControlSettings{100, true, true, {64}}};
  DecodeStage dec{decoder, LatentMap{decoder.quantiles()}, 16};
};
}  // namespace

TEST(DecodeStage, ABurstCoalescesIntoOneDecodeOfTheNewestState) {
  Fixture f;
  (void)f.dec.initial_voice(f.ctl.knobs(), std::nullopt);
  EXPECT_EQ(f.decoder.calls, 1);
  // 10,000 moves across the eight learned knobs, all pending before the decode.
  for (int i = 0; i < 10000; ++i) f.ctl.fold(cc(std::uint8_t(20 + i % 8), std::uint8_t(i % 128)));
  auto v = f.dec.decode_if_changed(f.ctl.knobs());
  ASSERT_TRUE(v);
  EXPECT_EQ(f.decoder.calls, 2);
  KnobState expect;
  for (int i = 10000 - 8; i < 10000; ++i) expect.values[std::size_t(i % 8)] = std::uint8_t(i % 128);
  EXPECT_EQ(f.ctl.knobs(), expect);
  // The voice is the decode of exactly the final state (names aside).
  Voice direct = ToyDecoder{}.decode(LatentMap{f.decoder.quantiles()}.latent(expect));
  EXPECT_TRUE(std::equal(direct.bytes.begin(), direct.bytes.begin() + kSoundParams, v->bytes.begin()));
  EXPECT_FALSE(f.dec.decode_if_changed(f.ctl.knobs()));  // nothing new: nothing decoded
  EXPECT_EQ(f.decoder.calls, 2);
}

TEST(DecodeStage, LiveVoicesAreNamedAndTheCacheAnswersRepeatedStates) {
  Fixture f;
  (void)f.dec.initial_voice(f.ctl.knobs(), std::nullopt);
  f.ctl.fold(cc(20, 10));
  auto a = f.dec.decode_if_changed(f.ctl.knobs());
  f.ctl.fold(cc(20, 90));
  auto b = f.dec.decode_if_changed(f.ctl.knobs());
  f.ctl.fold(cc(20, 10));  // back to a's state
  auto a2 = f.dec.decode_if_changed(f.ctl.knobs());
  ASSERT_TRUE(a && b && a2);
  EXPECT_EQ(f.decoder.calls, 3);  // start, a, b; a2 came from the cache
  EXPECT_EQ(f.dec.stats().cache_hits, 1u);
  EXPECT_EQ(*a, *a2);
  EXPECT_EQ(a->name().substr(0, 1), "L");
  EXPECT_NE(a->name(), b->name());
}

TEST(DecodeStage, ABurstThatEndsWhereItStartedDecodesNothing) {
  Fixture f;
  (void)f.dec.initial_voice(f.ctl.knobs(), std::nullopt);
  f.ctl.fold(cc(20, 64));  // learns CC20, value unchanged
  for (int v = 0; v < 128; ++v) f.ctl.fold(cc(20, std::uint8_t(v)));
  f.ctl.fold(cc(20, 64));
  EXPECT_FALSE(f.dec.needs_decode(f.ctl.knobs()));
  EXPECT_EQ(f.decoder.calls, 1);
}


TEST(DecodeStage, WarmUpCallsTheModelButCountsAndCachesNothing) {
  Fixture f;
  f.dec.warm_up(5);
  EXPECT_EQ(f.decoder.calls, 5);
  EXPECT_EQ(f.dec.stats().decodes, 0u);
  EXPECT_TRUE(f.dec.needs_decode(f.ctl.knobs()));
  (void)f.dec.initial_voice(f.ctl.knobs(), std::nullopt);
  EXPECT_EQ(f.decoder.calls, 6);
  EXPECT_EQ(f.dec.stats().decodes, 1u);
}
