// Knob takeover: jump, pick-up and scale, when the sound is not where the knob is.
#include "dxlatent/control/takeover.hpp"

#include <gtest/gtest.h>

using namespace dxlatent;

TEST(Takeover, NamesParseBothWays) {
  for (auto m : {Takeover::Jump, Takeover::PickUp, Takeover::Scale}) EXPECT_EQ(parse_takeover(to_string(m)), m);
  EXPECT_EQ(parse_takeover("pickup"), Takeover::PickUp);
  EXPECT_FALSE(parse_takeover("catch"));
}

TEST(Takeover, AFreshKnobIsEngagedInEveryMode) {
  for (auto m : {Takeover::Jump, Takeover::PickUp, Takeover::Scale}) {
    KnobTakeover k(m);
    EXPECT_TRUE(k.move(100));
    EXPECT_EQ(k.position(), 100.0f);
  }
}

TEST(Takeover, JumpSetsTheSoundToTheKnobAtOnce) {
  KnobTakeover k(Takeover::Jump);
  k.place(30.5f);
  EXPECT_FALSE(k.engaged());
  EXPECT_TRUE(k.move(100));
  EXPECT_EQ(k.position(), 100.0f);
  EXPECT_TRUE(k.engaged());
}

TEST(Takeover, PickUpWaitsUntilTheKnobCrossesTheSound) {
  KnobTakeover k(Takeover::PickUp);
  k.place(40.3f);
  EXPECT_FALSE(k.move(100));  // first touch far away: nothing
  EXPECT_FALSE(k.move(80));
  EXPECT_FALSE(k.move(50));
  EXPECT_EQ(k.position(), 40.3f);
  EXPECT_TRUE(k.move(30));  // crossed 40.3 between 50 and 30: takes over
  EXPECT_TRUE(k.engaged());
  EXPECT_EQ(k.position(), 30.0f);
  EXPECT_TRUE(k.move(31));
  EXPECT_EQ(k.position(), 31.0f);
}

TEST(Takeover, PickUpTakesOverWithinAStepWithoutCrossing) {
  KnobTakeover k(Takeover::PickUp);
  k.place(40.3f);
  EXPECT_TRUE(k.move(41));
  EXPECT_TRUE(k.engaged());
}

TEST(Takeover, ScaleMovesTowardsTheEndInProportionAndMeetsTheKnobThere) {
  KnobTakeover k(Takeover::Scale);
  k.place(100.0f);
  EXPECT_FALSE(k.move(27));  // only says where the knob is
  EXPECT_FALSE(k.engaged());
  EXPECT_TRUE(k.move(77));  // half of the knob's way up: half of the sound's way up
  EXPECT_NEAR(k.position(), 100.0f + 27.0f * 0.5f, 1e-4);
  EXPECT_TRUE(k.move(17));  // down: proportionally towards 0
  EXPECT_NEAR(k.position(), 113.5f - 60.0f * 113.5f / 77.0f, 1e-3);
  EXPECT_TRUE(k.move(0));
  EXPECT_EQ(k.position(), 0.0f);
  EXPECT_TRUE(k.engaged());  // met at the end: from now on they agree
  EXPECT_TRUE(k.move(5));
  EXPECT_EQ(k.position(), 5.0f);
}

TEST(Takeover, PlacingTheSoundUnderTheKnobKeepsItEngaged) {
  KnobTakeover k(Takeover::PickUp);
  EXPECT_TRUE(k.move(90));
  k.place(90.2f);
  EXPECT_TRUE(k.engaged());
  k.place(20.0f);
  EXPECT_FALSE(k.engaged());
}
