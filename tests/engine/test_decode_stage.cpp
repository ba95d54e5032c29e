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
  ControlStage ctl{CcMap{std::nullopt, kPedal}, ControlSettings{}, KnobSpace({LatentMap{decoder.quantiles()}}, Takeover::Jump)};
  DecodeStage dec{decoder, 16};
};
}  // namespace

TEST(DecodeStage, ABurstCoalescesIntoOneDecodeOfTheNewestState) {
  Fixture f;
  (void)f.dec.initial_voice(f.ctl.latent(), std::nullopt);
  EXPECT_EQ(f.decoder.calls, 1);
  // 10,000 moves across the eight learned knobs, all pending before the decode.
  for (int i = 0; i < 10000; ++i) f.ctl.fold(cc(std::uint8_t(20 + i % 8), std::uint8_t(i % 128)));
  auto v = f.dec.decode_if_changed(f.ctl.latent());
  ASSERT_TRUE(v);
  EXPECT_EQ(f.decoder.calls, 2);
  KnobState expect;
  for (int i = 10000 - 8; i < 10000; ++i) expect.values[std::size_t(i % 8)] = std::uint8_t(i % 128);
  EXPECT_EQ(f.ctl.knobs(), expect);
  // The voice is the decode of exactly the final state (names aside).
  Voice direct = ToyDecoder{}.decode(LatentMap{f.decoder.quantiles()}.latent(expect));
  EXPECT_TRUE(std::equal(direct.bytes.begin(), direct.bytes.begin() + kSoundParams, v->bytes.begin()));
  EXPECT_FALSE(f.dec.decode_if_changed(f.ctl.latent()));  // nothing new: nothing decoded
  EXPECT_EQ(f.decoder.calls, 2);
}

TEST(DecodeStage, LiveVoicesAreNamedAndTheCacheAnswersRepeatedStates) {
  Fixture f;
  (void)f.dec.initial_voice(f.ctl.latent(), std::nullopt);
  f.ctl.fold(cc(20, 10));
  auto a = f.dec.decode_if_changed(f.ctl.latent());
  f.ctl.fold(cc(20, 90));
  auto b = f.dec.decode_if_changed(f.ctl.latent());
  f.ctl.fold(cc(20, 10));  // back to a's state
  auto a2 = f.dec.decode_if_changed(f.ctl.latent());
  ASSERT_TRUE(a && b && a2);
  EXPECT_EQ(f.decoder.calls, 3);  // start, a, b; a2 came from the cache
  EXPECT_EQ(f.dec.stats().cache_hits, 1u);
  EXPECT_EQ(*a, *a2);
  EXPECT_EQ(a->name().substr(0, 1), "L");
  EXPECT_NE(a->name(), b->name());
}

TEST(DecodeStage, ABurstThatEndsWhereItStartedDecodesNothing) {
  Fixture f;
  (void)f.dec.initial_voice(f.ctl.latent(), std::nullopt);
  f.ctl.fold(cc(20, 64));  // learns CC20, value unchanged
  for (int v = 0; v < 128; ++v) f.ctl.fold(cc(20, std::uint8_t(v)));
  f.ctl.fold(cc(20, 64));
  EXPECT_FALSE(f.dec.needs_decode(f.ctl.latent()));
  EXPECT_EQ(f.decoder.calls, 1);
}


TEST(DecodeStage, WarmUpCallsTheModelButCountsAndCachesNothing) {
  Fixture f;
  f.dec.warm_up(5);
  EXPECT_EQ(f.decoder.calls, 5);
  EXPECT_EQ(f.dec.stats().decodes, 0u);
  EXPECT_TRUE(f.dec.needs_decode(f.ctl.latent()));
  (void)f.dec.initial_voice(f.ctl.latent(), std::nullopt);
  EXPECT_EQ(f.decoder.calls, 6);
  EXPECT_EQ(f.dec.stats().decodes, 1u);
}

namespace {
Voice anchor_voice() {
  Voice v = sysex::init_voice();
  for (std::size_t p = 0; p < kSoundParams; ++p) v.bytes[p] = std::uint8_t((p * 7 + 3) % 32);
  v.bytes[kAlgorithmOffset] = 4;
  v.set_name("MY ANCHOR");
  return v;
}
}  // namespace

TEST(DecodeStage, AnAnchorPlaysByteForByteAtItsPointAndAMoveReplacesOnlyWhatTheMoveChanges) {
  ToyDecoder decoder;
  const Latent at{0.1f, 0.2f, -0.3f, 0.4f, 0.0f, 0.5f, -0.6f, 0.7f};
  SteeringSetup steering;
  steering.anchor = std::pair{at, anchor_voice()};
  DecodeStage dec(decoder, 16, steering);
  const Voice first = dec.initial_voice(at, anchor_voice());
  EXPECT_EQ(first, anchor_voice());  // name included
  Latent moved = at;
  moved[2] += 0.5f;  // the toy decoder: latent 2 drives byte 2 only
  const auto v = dec.decode_if_changed(moved);
  ASSERT_TRUE(v);
  for (std::size_t p = 0; p < kSoundParams; ++p)
    if (p == 2) {
      EXPECT_NE(v->bytes[p], anchor_voice().bytes[p]);
    } else {
      EXPECT_EQ(v->bytes[p], anchor_voice().bytes[p]) << "parameter " << p;
    }
  EXPECT_EQ(v->name(), anchor_voice().name());
  const auto back = dec.decode_if_changed(at);
  EXPECT_EQ(*back, anchor_voice());
}

TEST(DecodeStage, LockedParametersKeepTheReferenceAndTheButtonLocksTheCurrentTarget) {
  ToyDecoder decoder;
  SteeringSetup steering;
  steering.locks = parse_locks("OP6 EG rate 1");  // VCED byte 0: the toy's latent 0
  steering.toggle_locks = parse_locks("OP6 EG rate 2");  // byte 1: latent 1
  DecodeStage dec(decoder, 16, steering);
  const Latent z0{};
  const Voice start = dec.initial_voice(z0, std::nullopt);
  Latent z1 = z0;
  z1[0] = 0.8f;
  z1[1] = 0.8f;
  auto v = dec.decode_if_changed(z1);
  EXPECT_EQ(v->bytes[0], start.bytes[0]);  // locked
  EXPECT_NE(v->bytes[1], start.bytes[1]);  // free
  dec.set_toggle_lock(true);               // locks byte 1 at its value now
  const std::uint8_t held = v->bytes[1];
  Latent z2 = z1;
  z2[1] = -0.8f;
  v = dec.decode_if_changed(z2);
  EXPECT_EQ(v->bytes[1], held);
  dec.set_toggle_lock(false);
  EXPECT_TRUE(dec.needs_decode(z2));  // releasing re-decodes the same point
  v = dec.decode_if_changed(z2);
  EXPECT_NE(v->bytes[1], held);
}

TEST(DecodeStage, ARecalledVoiceIsPinnedToItsPoint) {
  ToyDecoder decoder;
  DecodeStage dec(decoder, 16);
  (void)dec.initial_voice(Latent{}, std::nullopt);
  const Latent z{0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0.3f};
  dec.recall(z, anchor_voice());
  EXPECT_EQ(*dec.decode_if_changed(z), anchor_voice());
  (void)dec.decode_if_changed(Latent{});
  EXPECT_EQ(*dec.decode_if_changed(z), anchor_voice());  // and again on return (undo)
}
