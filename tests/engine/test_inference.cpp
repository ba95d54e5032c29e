// The inference thread's logic without the thread: folding, coalescing, the
// cache, held keys and triggers. Uses the ToyDecoder (a counting stand-in).
#include "dxlatent/engine/inference.hpp"

#include <gtest/gtest.h>

#include "toy_decoder.hpp"

using namespace dxlatent;
using dxlatent::testing::ToyDecoder;

namespace {
MidiEvent cc(std::uint8_t number, std::uint8_t value, std::uint8_t channel = 0) {
  return MidiEvent{std::uint8_t(0xB0 | channel), number, value, 0};
}
MidiEvent note_on(std::uint8_t key, std::uint8_t vel, std::uint8_t channel = 0) {
  return MidiEvent{std::uint8_t(0x90 | channel), key, vel, 0};
}
MidiEvent note_off(std::uint8_t key) { return MidiEvent{0x80, key, 0, 0}; }

const std::uint8_t kPedal[] = {64};

struct Fixture {
  ToyDecoder decoder;
  Inference inf{decoder, CcMap{std::nullopt, kPedal}, LatentMap{decoder.quantiles()},
                InferenceSettings{16, 100, true}};
};
}  // namespace

TEST(Inference, ABurstCoalescesIntoOneDecodeOfTheNewestState) {
  Fixture f;
  (void)f.inf.initial_voice(std::nullopt);
  EXPECT_EQ(f.decoder.calls, 1);
  // 10,000 moves across the eight learned knobs, all pending before the decode.
  for (int i = 0; i < 10000; ++i) f.inf.fold(cc(std::uint8_t(20 + i % 8), std::uint8_t(i % 128)));
  auto v = f.inf.decode_newest();
  ASSERT_TRUE(v);
  EXPECT_EQ(f.decoder.calls, 2);
  KnobState expect;
  for (int i = 10000 - 8; i < 10000; ++i) expect.values[std::size_t(i % 8)] = std::uint8_t(i % 128);
  EXPECT_EQ(f.inf.knobs(), expect);
  // The voice is the decode of exactly the final state (names aside).
  Voice direct = ToyDecoder{}.decode(LatentMap{f.decoder.quantiles()}.latent(expect));
  EXPECT_TRUE(std::equal(direct.bytes.begin(), direct.bytes.begin() + kSoundParams, v->bytes.begin()));
  EXPECT_FALSE(f.inf.decode_newest());  // nothing new: nothing decoded
  EXPECT_EQ(f.decoder.calls, 2);
}

TEST(Inference, LiveVoicesAreNamedAndTheCacheAnswersRepeatedStates) {
  Fixture f;
  (void)f.inf.initial_voice(std::nullopt);
  f.inf.fold(cc(20, 10));
  auto a = f.inf.decode_newest();
  f.inf.fold(cc(20, 90));
  auto b = f.inf.decode_newest();
  f.inf.fold(cc(20, 10));  // back to a's state
  auto a2 = f.inf.decode_newest();
  ASSERT_TRUE(a && b && a2);
  EXPECT_EQ(f.decoder.calls, 3);  // start, a, b; a2 came from the cache
  EXPECT_EQ(f.inf.stats().cache_hits, 1u);
  EXPECT_EQ(*a, *a2);
  EXPECT_EQ(a->name().substr(0, 1), "L");
  EXPECT_NE(a->name(), b->name());
}

TEST(Inference, ABurstThatEndsWhereItStartedDecodesNothing) {
  Fixture f;
  (void)f.inf.initial_voice(std::nullopt);
  f.inf.fold(cc(20, 64));  // learns CC20, value unchanged
  for (int v = 0; v < 128; ++v) f.inf.fold(cc(20, std::uint8_t(v)));
  f.inf.fold(cc(20, 64));
  EXPECT_FALSE(f.inf.needs_decode());
  EXPECT_EQ(f.decoder.calls, 1);
}

TEST(Inference, TracksHeldKeysThroughEveryWayOfReleasingThem) {
  Fixture f;
  f.inf.fold(note_on(60, 100));
  EXPECT_TRUE(f.inf.take_news().keys_changed);
  EXPECT_TRUE(f.inf.keys_held());
  f.inf.fold(note_on(60, 0));  // velocity 0 = note off
  EXPECT_FALSE(f.inf.keys_held());
  f.inf.fold(note_on(61, 1));
  f.inf.fold(note_on(62, 1));
  f.inf.fold(note_off(61));
  EXPECT_TRUE(f.inf.keys_held());
  f.inf.fold(cc(123, 0));  // all notes off
  EXPECT_FALSE(f.inf.keys_held());
  f.inf.fold(note_on(64, 1, 3));
  f.inf.fold(cc(120, 0, 3));  // all sound off
  EXPECT_FALSE(f.inf.keys_held());
  f.inf.fold(cc(64, 127));  // sustain pedal down keeps notes sounding
  EXPECT_TRUE(f.inf.keys_held());
  f.inf.fold(cc(64, 0));
  EXPECT_FALSE(f.inf.keys_held());
  // Channel-mode and pedal messages never become knobs.
  for (const auto& n : f.inf.cc_map().numbers()) EXPECT_FALSE(n.has_value());
}

TEST(Inference, SnapshotTriggersAndProgramChanges) {
  Fixture f;
  f.inf.fold(cc(100, 127));
  f.inf.fold(cc(100, 127));  // held button: one press
  EXPECT_EQ(f.inf.take_news().snapshot_slots, std::vector<int>{0});
  f.inf.fold(cc(100, 0));
  EXPECT_TRUE(f.inf.take_news().snapshot_slots.empty());
  // Several requests folded in one batch are all kept, in order.
  f.inf.fold(cc(100, 127));
  f.inf.fold(cc(100, 0));
  f.inf.fold(MidiEvent{0xC0, 4, 0, 0});
  const auto n = f.inf.take_news();
  EXPECT_EQ(n.snapshot_slots, (std::vector<int>{0, 5}));
  EXPECT_TRUE(n.synth_reset);
  EXPECT_FALSE(f.inf.cc_map().numbers()[0].has_value());  // the trigger is no knob
}

TEST(Inference, LearnedDimensionsAreReported) {
  Fixture f;
  f.inf.fold(cc(74, 1));
  f.inf.fold(cc(71, 1));
  EXPECT_EQ(f.inf.take_news().learned, 0b11);
  f.inf.fold(cc(74, 2));
  EXPECT_EQ(f.inf.take_news().learned, 0);
}

TEST(Inference, AProgramChangeOnlyResetsTheSynthWhenThruPassesItOn) {
  ToyDecoder decoder;
  Inference no_thru{decoder, CcMap{}, LatentMap{decoder.quantiles()}, InferenceSettings{16, std::nullopt, false, false}};
  no_thru.fold(MidiEvent{0xC0, 4, 0, 0});
  const auto n = no_thru.take_news();
  EXPECT_FALSE(n.synth_reset);
  EXPECT_TRUE(n.snapshot_slots.empty());
}
