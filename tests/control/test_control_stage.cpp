// The control stage: folding, held keys, snapshot triggers, learning, and what
// thru must not pass. Pure: no model, no thread.
#include "dxlatent/control/control_stage.hpp"

#include <gtest/gtest.h>

using namespace dxlatent;

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
  ControlStage ctl{CcMap{std::nullopt, kPedal}, ControlSettings{100, true, true, {64}}};
};
}  // namespace

TEST(ControlStage, TracksHeldKeysThroughEveryWayOfReleasingThem) {
  Fixture f;
  f.ctl.fold(note_on(60, 100));
  EXPECT_TRUE(f.ctl.take_news().keys_changed);
  EXPECT_TRUE(f.ctl.keys_held());
  f.ctl.fold(note_on(60, 0));  // velocity 0 = note off
  EXPECT_FALSE(f.ctl.keys_held());
  f.ctl.fold(note_on(61, 1));
  f.ctl.fold(note_on(62, 1));
  f.ctl.fold(note_off(61));
  EXPECT_TRUE(f.ctl.keys_held());
  f.ctl.fold(cc(123, 0));  // all notes off
  EXPECT_FALSE(f.ctl.keys_held());
  f.ctl.fold(note_on(64, 1, 3));
  f.ctl.fold(cc(120, 0, 3));  // all sound off
  EXPECT_FALSE(f.ctl.keys_held());
  f.ctl.fold(cc(64, 127));  // sustain pedal down keeps notes sounding
  EXPECT_TRUE(f.ctl.keys_held());
  f.ctl.fold(cc(64, 0));
  EXPECT_FALSE(f.ctl.keys_held());
  // Channel-mode and pedal messages never become knobs.
  for (const auto& n : f.ctl.cc_map().numbers()) EXPECT_FALSE(n.has_value());
}

TEST(ControlStage, SnapshotTriggersAndProgramChanges) {
  Fixture f;
  f.ctl.fold(cc(100, 127));
  f.ctl.fold(cc(100, 127));  // held button: one press
  EXPECT_EQ(f.ctl.take_news().snapshot_slots, std::vector<int>{0});
  f.ctl.fold(cc(100, 0));
  EXPECT_TRUE(f.ctl.take_news().snapshot_slots.empty());
  // Several requests folded in one batch are all kept, in order.
  f.ctl.fold(cc(100, 127));
  f.ctl.fold(cc(100, 0));
  f.ctl.fold(MidiEvent{0xC0, 4, 0, 0});
  const auto n = f.ctl.take_news();
  EXPECT_EQ(n.snapshot_slots, (std::vector<int>{0, 5}));
  EXPECT_TRUE(n.synth_reset);
  EXPECT_FALSE(f.ctl.cc_map().numbers()[0].has_value());  // the trigger is no knob
}

TEST(ControlStage, LearnedDimensionsAreReported) {
  Fixture f;
  f.ctl.fold(cc(74, 1));
  f.ctl.fold(cc(71, 1));
  EXPECT_EQ(f.ctl.take_news().learned, 0b11);
  f.ctl.fold(cc(74, 2));
  EXPECT_EQ(f.ctl.take_news().learned, 0);
}

TEST(ControlStage, AProgramChangeOnlyResetsTheSynthWhenThruPassesItOn) {
  ControlStage no_thru{CcMap{}, ControlSettings{std::nullopt, false, false, {}}};
  no_thru.fold(MidiEvent{0xC0, 4, 0, 0});
  const auto n = no_thru.take_news();
  EXPECT_FALSE(n.synth_reset);
  EXPECT_TRUE(n.snapshot_slots.empty());
}

TEST(ControlStage, ThruBlocksEveryLearnableCcWhileLearningThenOnlyTheKnobsAndTheTrigger) {
  Fixture f;
  auto b = f.ctl.thru_blocked_ccs();
  EXPECT_TRUE(b[20]);
  EXPECT_FALSE(b[64]);   // the pedal is never learned: thru passes it
  EXPECT_FALSE(b[121]);  // channel mode messages are never knobs
  EXPECT_TRUE(b[100]);   // the snapshot trigger
  for (std::uint8_t n = 20; n < 28; ++n) f.ctl.fold(cc(n, 1));
  EXPECT_EQ(f.ctl.take_news().learned, 0xFF);
  b = f.ctl.thru_blocked_ccs();
  EXPECT_EQ(b.count(), 9u);  // eight knobs and the trigger
  EXPECT_TRUE(b[27] && b[100] && !b[30]);
}
