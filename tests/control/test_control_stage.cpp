// The control stage: folding, held keys, snapshot triggers, learning, and what
// thru must not pass. Pure: no model, no thread.
#include "dxlatent/control/control_stage.hpp"

#include <gtest/gtest.h>

#include "uniform_space.hpp"

using namespace dxlatent;
using namespace dxlatent::testing;

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
  ControlStage ctl{CcMap{std::nullopt, kPedal}, settings(100, true, true, {64}), uniform_space()};
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
  EXPECT_FALSE(n.synth_reset);  // a snapshot trigger is not passed thru: the synth kept its voice
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
  ControlStage no_thru{CcMap{}, settings(std::nullopt, false, false, {}), uniform_space()};
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

namespace {
MidiEvent cc_at(std::uint8_t number, std::uint8_t value, std::uint32_t frame) {
  return MidiEvent{0xB0, number, value, frame};
}
ControlStage buttons_stage(Takeover mode = Takeover::Jump) {
  ControlSettings s = settings(std::nullopt, false, true, {64});
  s.undo_cc = 90;
  s.lock_cc = 91;
  s.rest_frames = 1000;
  s.takeover = mode;
  const std::optional<std::uint8_t> ccs[] = {20, 21, 22, 23, 24, 25, 26, 27};
  const std::uint8_t ignored[] = {64, 90, 91};
  return ControlStage(CcMap::with_numbers(ccs, std::nullopt, ignored), s, uniform_space(mode));
}
}  // namespace

TEST(ControlStage, UndoGoesBackOneRestingPointAtATime) {
  ControlStage ctl = buttons_stage();
  const Latent centre = ctl.latent();
  // Gesture 1 (one turn, frames close together), then a rest, then gesture 2.
  for (std::uint8_t v = 64; v < 100; ++v) ctl.fold(cc_at(20, v, 10 + v));
  const Latent after1 = ctl.latent();
  for (std::uint8_t v = 64; v > 10; --v) ctl.fold(cc_at(21, v, 5000 + (64 - v)));
  EXPECT_EQ(ctl.history_size(), 2u);
  ctl.fold(cc(90, 127));
  ctl.fold(cc(90, 0));
  EXPECT_TRUE(ctl.take_news().undone);
  EXPECT_EQ(ctl.latent(), after1);
  ctl.fold(cc(90, 127));
  EXPECT_EQ(ctl.latent(), centre);
  ctl.fold(cc(90, 0));
  ctl.fold(cc(90, 127));
  EXPECT_TRUE(ctl.take_news().undo_empty);
  EXPECT_EQ(ctl.latent(), centre);
}

TEST(ControlStage, APlayedNoteMakesTheNextMoveANewUndoStep) {
  ControlStage ctl = buttons_stage();
  ctl.fold(cc_at(20, 90, 1));
  const Latent played = ctl.latent();
  ctl.fold(note_on(60, 100));
  ctl.fold(cc_at(20, 30, 2));  // no rest in frames, but a note was played
  ctl.fold(cc(90, 127));
  EXPECT_EQ(ctl.latent(), played);
}

TEST(ControlStage, TheLockButtonTogglesAndNeitherButtonReachesThruOrTheKnobs) {
  ControlStage ctl = buttons_stage();
  ctl.fold(cc(91, 127));
  auto n = ctl.take_news();
  EXPECT_TRUE(n.lock_toggled);
  EXPECT_TRUE(ctl.lock_on());
  ctl.fold(cc(91, 127));  // held: no second press
  EXPECT_FALSE(ctl.take_news().lock_toggled);
  ctl.fold(cc(91, 0));
  ctl.fold(cc(91, 100));
  EXPECT_FALSE(ctl.lock_on());
  const auto b = ctl.thru_blocked_ccs();
  EXPECT_TRUE(b[90] && b[91]);
  EXPECT_EQ(ctl.stats().knob_moves, 0u);
}

TEST(ControlStage, ProgramChangesHaveOneUseEach) {
  ControlSettings s = settings(std::nullopt, false, true, {64});
  s.program_change = ProgramChangeUse::Recall;
  ControlStage recall{CcMap{}, s, uniform_space()};
  recall.fold(MidiEvent{0xC0, 4, 0, 0});
  auto n = recall.take_news();
  EXPECT_EQ(n.recall_slot, 5);
  EXPECT_FALSE(n.synth_reset);  // not passed thru: the synth keeps our voice

  Latent centre{}, spread{};
  centre.fill(0.25f);
  spread.fill(0.1f);
  s.program_change = ProgramChangeUse::Category;
  ControlStage cat{CcMap{}, s, uniform_space(Takeover::PickUp, {LatentMap::region(uniform_quantiles(), {}, centre, spread)})};
  cat.fold(MidiEvent{0xC0, 1, 0, 0});
  n = cat.take_news();
  EXPECT_TRUE(n.map_changed);
  EXPECT_EQ(cat.latent(), centre);
  cat.fold(MidiEvent{0xC0, 7, 0, 0});  // no such region: ignored
  EXPECT_FALSE(cat.take_news().map_changed);
  cat.fold(MidiEvent{0xC0, 0, 0, 0});  // back to the whole space
  EXPECT_TRUE(cat.take_news().map_changed);
  EXPECT_EQ(cat.space().state().map, 0u);
}
