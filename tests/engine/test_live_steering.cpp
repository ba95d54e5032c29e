// Steering and state through the whole live engine, against a real jackd and the
// real model (issues 12 and 14): takeover after a resume, undo, recalling a
// snapshot, locks (config and button), category regions (config and program
// change) and the exact anchor. Each test plays the controller into
// dxl:control_in and judges what reached dxl:synth_out.
#include "live_engine_fixture.hpp"

#include <functional>
#include <random>

#include "dxlatent/engine/snapshot.hpp"
#include "dxlatent/model/category.hpp"

namespace {

class LiveSteeringTest : public LiveEngineTest {
 protected:
  // A CC can be lost when the loaded test machine misses a period: send again
  // until the engine shows the knobs, as a musician turns a knob again.
  void turn(const KnobState& want, const std::vector<std::array<std::uint8_t, 3>>& ccs) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      for (const auto& m : ccs) ASSERT_TRUE(probe_->send({m[0], m[1], m[2]}));
      if (wait_until([&] {
            runner_->tick();
            return runner_->engine().status().knobs == want;
          }, 2s))
        break;
    }
    settle(want);
  }
  // Stops the engine (saving its state) and starts a new one on the same state.
  void restart(const Config& c) {
    runner_.reset();
    probe_->clear();
    start(c);
  }
  // `steps` moves of all eight knobs to random positions (seeded), each settled.
  void turn_at_random(unsigned seed, int steps) {
    std::mt19937 rng(seed);
    for (int step = 0; step < steps; ++step) {
      KnobState k;
      std::vector<std::array<std::uint8_t, 3>> msgs;
      for (std::uint8_t d = 0; d < kLatentDims; ++d) {
        k.values[d] = std::uint8_t(rng() % 128);
        msgs.push_back({0xB0, std::uint8_t(20 + d), k.values[d]});
      }
      turn(k, msgs);
    }
  }
  // Presses a button (value 127 then 0) until `done` says it acted.
  void press(std::uint8_t cc, const std::function<bool()>& done) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      ASSERT_TRUE(probe_->send({0xB0, cc, 127}));
      ASSERT_TRUE(probe_->send({0xB0, cc, 0}));
      if (wait_until([&] {
            runner_->tick();
            return done();
          }, 2s))
        return;
    }
    FAIL() << "button CC" << int(cc) << " had no effect";
  }
  // Waits until the synth holds what the engine wants (the writer is done).
  Voice settled_target() {
    EXPECT_TRUE(wait_until([&] {
      runner_->tick();
      const auto st = runner_->engine().status();
      return st.target && st.synth && *st.synth == *st.target && runner_->jack().out_pending() == 0;
    }, 10s));
    std::this_thread::sleep_for(30ms);
    return *runner_->engine().status().target;
  }
  std::vector<Voice> dumps() {
    std::vector<Voice> out;
    for (const auto& m : sysex_only(probe_->received())) out.push_back(dump_voice(m, 0));
    return out;
  }
  Latent latent() { return runner_->engine().status().latent; }
};

}  // namespace

// Issue 14: after a resume, nudging one knob made the other seven dimensions
// jump to the median. Now a knob moves only its own dimension, in every mode.
TEST_F(LiveSteeringTest, AfterAResumeOneKnobMovesOnlyItsDimension) {
  Config c = config(OutputMode::Voice, 0);
  c.takeover = Takeover::Jump;
  start(c);
  KnobState k;
  k.values[1] = 99;
  k.values[5] = 7;
  turn(k, {{0xB0, 21, 99}, {0xB0, 25, 7}});
  const Latent before = latent();
  restart(c);
  EXPECT_EQ(latent(), before) << "the resumed point is not the saved one";
  KnobState nudge;
  nudge.values[2] = 80;
  turn(nudge, {{0xB0, 22, 80}});
  const Latent after = latent();
  for (std::size_t d = 0; d < kLatentDims; ++d)
    if (d == 2) {
      EXPECT_NE(after[d], before[d]);
    } else {
      EXPECT_EQ(after[d], before[d]) << "dimension " << d + 1 << " jumped";
    }
}

// Issue 14: pick-up (the default): a knob far from the resumed sound does
// nothing until it passes the sound's value, then takes over.
TEST_F(LiveSteeringTest, PickUpWaitsForTheKnobToReachTheResumedSound) {
  Config c = config(OutputMode::Voice, 0);
  ASSERT_EQ(c.takeover, Takeover::PickUp);
  start(c);
  KnobState k;
  k.values[0] = 100;
  turn(k, {{0xB0, 20, 100}});
  const Voice resumed_voice = *runner_->engine().status().target;
  const Latent resumed = latent();
  restart(c);
  const auto st = runner_->engine().status();
  EXPECT_FALSE(st.engaged & 1u) << "knob 1 cannot know where the resumed sound is";
  EXPECT_NEAR(st.positions[0], 100.0f, 0.01f);
  ASSERT_TRUE(st.target && same_sound(*st.target, resumed_voice)) << "the status does not show the resumed voice";
  KnobState low;
  low.values[0] = 10;
  turn(low, {{0xB0, 20, 10}});
  EXPECT_EQ(latent(), resumed) << "a knob far below the sound moved it";
  KnobState up;
  up.values[0] = 110;  // passes 100 on the way: takes over
  turn(up, {{0xB0, 20, 60}, {0xB0, 20, 110}});
  EXPECT_NE(latent()[0], resumed[0]);
  EXPECT_TRUE(runner_->engine().status().engaged & 1u);
}

// Issue 14: scale: the first touch only says where the knob is; turning it
// then moves the sound towards that end in proportion, and they meet there.
TEST_F(LiveSteeringTest, ScaleMovesTheResumedSoundInProportionAndMeetsTheKnobAtTheEnd) {
  Config c = config(OutputMode::Voice, 0);
  c.takeover = Takeover::Scale;
  start(c);
  KnobState k;
  k.values[2] = 90;
  turn(k, {{0xB0, 22, 90}});  // a fresh start: engaged, so this moves dimension 3
  restart(c);
  const Latent resumed = latent();
  KnobState at30;
  at30.values[2] = 30;
  turn(at30, {{0xB0, 22, 30}});
  EXPECT_EQ(latent(), resumed) << "scale moved the sound on the first touch";
  const float before = runner_->engine().status().positions[2];
  KnobState at80 = at30;
  at80.values[2] = 80;
  turn(at80, {{0xB0, 22, 80}});
  const float mid = runner_->engine().status().positions[2];
  EXPECT_NEAR(mid, before + 50.0f * (127.0f - before) / (127.0f - 30.0f), 0.01f);
  KnobState top = at80;
  top.values[2] = 127;
  turn(top, {{0xB0, 22, 127}});
  const auto st = runner_->engine().status();
  EXPECT_EQ(st.positions[2], 127.0f);
  EXPECT_TRUE(st.engaged & 4u) << "knob and sound did not meet at the end";
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    if (d != 2) {
      EXPECT_EQ(st.latent[d], resumed[d]) << "dimension " << d + 1 << " moved";
    }
  }
}

// Issue 14: a "previous voice" button.
TEST_F(LiveSteeringTest, TheUndoButtonGoesBackToThePreviousVoice) {
  Config c = config(OutputMode::Voice, 0);
  c.undo_cc = 90;
  start(c);
  KnobState a;
  a.values[3] = 20;
  turn(a, {{0xB0, 23, 20}});
  const Voice first = settled_target();
  std::this_thread::sleep_for(700ms);  // the knobs rest: the next move is a new step
  KnobState b = a;
  b.values[4] = 120;
  turn(b, {{0xB0, 24, 120}});
  const Voice second = settled_target();
  ASSERT_FALSE(same_sound(first, second));
  press(90, [&] { return runner_->engine().status().history < 2; });
  EXPECT_TRUE(same_sound(settled_target(), first));
  EXPECT_TRUE(same_sound(dumps().back(), first)) << "the synth did not get the previous voice back";
  EXPECT_TRUE(logged("back to the previous voice"));
}

// Issue 14: recalling a saved snapshot while playing, by program change.
TEST_F(LiveSteeringTest, AProgramChangeRecallsASnapshotExactlyAndUndoLeavesIt) {
  Config c = config(OutputMode::Voice, 0);
  c.snapshot_cc = 100;
  c.undo_cc = 90;
  c.program_change = ProgramChangeUse::Recall;
  c.thru = true;
  start(c);
  KnobState a;
  a.values[1] = 30;
  turn(a, {{0xB0, 21, 30}});
  const Voice stored = settled_target();
  const fs::path cart = state_ / "snapshots.syx";
  press(100, [&] { return fs::exists(cart); });
  KnobState b = a;
  b.values[1] = 110;
  turn(b, {{0xB0, 21, 110}});
  const Voice away = settled_target();
  ASSERT_FALSE(same_sound(stored, away));
  ASSERT_TRUE(probe_->send({0xC0, 0}));  // program 0: slot 1
  ASSERT_TRUE(wait_until([&] {
    runner_->tick();
    const auto st = runner_->engine().status();
    return st.target && same_sound(*st.target, stored);
  }, 5s)) << "slot 1 was not recalled";
  EXPECT_TRUE(same_sound(settled_target(), stored));
  EXPECT_TRUE(same_sound(dumps().back(), stored)) << "the synth did not get the recalled voice";
  for (const auto& m : probe_->received()) EXPECT_NE(m.bytes[0] & 0xF0, 0xC0) << "the program change went thru";
  EXPECT_TRUE(logged("recalled"));
  press(90, [&] { return !same_sound(*runner_->engine().status().target, stored); });
  EXPECT_TRUE(same_sound(settled_target(), away)) << "undo did not return to the voice before the recall";
}

// Issue 12: what is locked in the config never changes in what reaches the synth.
TEST_F(LiveSteeringTest, ConfigLocksNeverChangeInWhatReachesTheSynth) {
  Config c = config(OutputMode::Voice, 0);
  c.locks = parse_locks("algorithm, transpose, feedback, OP1 *");
  c.takeover = Takeover::Jump;
  start(c);
  const Voice first = dumps().front();
  turn_at_random(12, 12);
  const auto got = dumps();
  ASSERT_GT(got.size(), 6u);
  const ParamMask mask = c.locks;
  for (const auto& v : got)
    for (std::size_t p = 0; p < kSoundParams; ++p)
      if (mask[p]) {
        ASSERT_EQ(v.bytes[p], first.bytes[p]) << param_table()[p].name << " moved";
      }
}

// Issue 12: a lock button engages the algorithm lock at the current voice's
// algorithm and releases it; locked, the decoder is given that algorithm.
TEST_F(LiveSteeringTest, TheLockButtonHoldsTheAlgorithmWhileEngaged) {
  Config c = config(OutputMode::Voice, 0);
  c.lock_cc = 91;
  c.takeover = Takeover::Jump;
  start(c);
  press(91, [&] { return runner_->engine().status().lock_on; });
  const int algorithm = settled_target().algorithm();
  const std::size_t before = dumps().size();
  turn_at_random(3, 12);
  const auto got = dumps();
  ASSERT_GT(got.size(), before + 6);
  for (std::size_t i = before; i < got.size(); ++i) EXPECT_EQ(got[i].algorithm(), algorithm) << "dump " << i;
  EXPECT_TRUE(logged("locked algorithm"));
  press(91, [&] { return !runner_->engine().status().lock_on; });
  EXPECT_TRUE(logged("released algorithm"));
}

// Issue 12: a config value and a program change select a category region.
TEST_F(LiveSteeringTest, TheKnobsMoveWithinACategoryFromTheConfigOrAProgramChange) {
  const auto regions = decoder_->categories();
  const CategoryRegion* bass = find_category(regions, "bass");
  ASSERT_NE(bass, nullptr);
  const std::size_t index = std::size_t(bass - regions.data());
  Config c = config(OutputMode::Voice, 0);
  c.category = "bass";
  c.program_change = ProgramChangeUse::Category;
  c.takeover = Takeover::Jump;
  start(c);
  auto st = runner_->engine().status();
  EXPECT_EQ(st.region, index + 1);
  EXPECT_EQ(st.latent, bass->mean) << "the knobs' centre is not the region's centre";
  EXPECT_EQ(likely_category(regions, st.latent), bass);
  KnobState k;
  k.values[0] = 127;
  turn(k, {{0xB0, 20, 127}});
  EXPECT_NEAR(latent()[0], bass->mean[0] + c.map.category_width * bass->std[0], 1e-4);
  // Program change N selects the N-th category; 0 the whole space.
  const std::uint8_t other = index == 0 ? 2 : 1;
  ASSERT_TRUE(probe_->send({0xC0, other}));
  ASSERT_TRUE(wait_until([&] {
    runner_->tick();
    return runner_->engine().status().region == other;
  }, 5s));
  EXPECT_EQ(latent(), regions[other - 1].mean);
  EXPECT_TRUE(logged("region"));
  // A category the model does not know is a config error naming its origin.
  runner_.reset();
  Config bad = config(OutputMode::Voice, 0);
  bad.category = "didgeridoo";
  bad.origins["control.category"] = "dxlatent.toml:40";
  try {
    LiveEngine e(bad, logging_options(), *decoder_);
    FAIL() << "an unknown category was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("dxlatent.toml:40"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bass"), std::string::npos) << "the known categories are not listed";
  }
}

// Issue 12: with an anchor, the knobs' centre plays the anchor byte for byte and
// a small move replaces only the parameters whose decoded value it changes.
TEST_F(LiveSteeringTest, AnAnchorPlaysExactlyAndASmallMoveChangesFewParameters) {
  // A real voice: the model's decode of a training-like point, renamed.
  Voice anchor = decoder_->decode(Latent{0.3f, -0.4f, 0.2f, 0.6f, -0.1f, 0.5f, -0.3f, 0.1f});
  anchor.bytes[kAlgorithmOffset] = 4;  // and changed where the model would not
  anchor.set_name("MY ANCHOR");
  const fs::path cart = state_ / "anchor.syx";
  fs::create_directories(state_);
  write_cartridge_syx(cart, std::vector<Voice>{anchor});
  Config c = config(OutputMode::Voice, 0);
  c.start_voice = VoiceRef{cart, 1};
  c.anchor = true;
  c.takeover = Takeover::Jump;
  start(c);
  ASSERT_EQ(dumps().front(), anchor) << "the centre is not the anchor byte for byte";
  const Latent centre = latent();
  KnobState k;
  k.values[0] = 70;  // a small move
  turn(k, {{0xB0, 20, 70}});
  const Voice moved = settled_target();
  const Latent z = latent();
  runner_->stop();
  const Voice raw_centre = decoder_->decode(centre);
  const Voice raw_moved = decoder_->decode(z);
  std::size_t changed = 0;
  for (std::size_t p = 0; p < kSoundParams; ++p) {
    if (raw_moved.bytes[p] != raw_centre.bytes[p]) {
      ++changed;
      EXPECT_EQ(moved.bytes[p], raw_moved.bytes[p]) << param_table()[p].name;
    } else {
      EXPECT_EQ(moved.bytes[p], anchor.bytes[p]) << param_table()[p].name << " changed without reason";
    }
  }
  EXPECT_EQ(moved.name(), anchor.name());
  EXPECT_LT(changed, kSoundParams / 2) << "a small move replaced most of the voice";
}
