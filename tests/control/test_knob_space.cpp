// KnobSpace: a knob move changes only its own dimension, held coordinates stay
// exact until their knob takes over, regions and restores.
#include "dxlatent/control/knob_space.hpp"

#include <gtest/gtest.h>

#include "uniform_space.hpp"

using namespace dxlatent;
using namespace dxlatent::testing;

namespace {
Latent resumed() { return Latent{0.31f, -0.52f, 1.07f, 0.0f, -2.2f, 0.4f, 3.3f, -0.9f}; }
}  // namespace

TEST(KnobSpace, APlacedPointIsExactAndAMoveChangesOnlyItsDimension) {
  KnobSpace s = uniform_space(Takeover::Jump);
  s.place(resumed());
  EXPECT_EQ(s.latent(), resumed());
  EXPECT_TRUE(s.move(2, 127));
  const Latent z = s.latent();
  for (std::size_t d = 0; d < kLatentDims; ++d)
    if (d == 2) {
      EXPECT_NEAR(z[d], 0.99f * 3.0f, 1e-4);
    } else {
      EXPECT_EQ(z[d], resumed()[d]) << "dimension " << d + 1 << " jumped";
    }
}

TEST(KnobSpace, PickUpKeepsTheExactPointUntilTheKnobReachesIt) {
  KnobSpace s = uniform_space(Takeover::PickUp);
  s.place(resumed());
  // dimension 1: coordinate 0.31 on [-1, 1] lies at level 0.655 -> knob ~83.9
  const float at = s.state().positions[0];
  EXPECT_NEAR(at, 64.0f + 63.0f * (0.655f - 0.5f) / 0.495f, 0.05f);
  EXPECT_FALSE(s.move(0, 10));
  EXPECT_FALSE(s.move(0, 60));
  EXPECT_EQ(s.latent(), resumed());
  EXPECT_FALSE(s.engaged()[0]);
  EXPECT_TRUE(s.move(0, 90));  // crossed
  EXPECT_TRUE(s.engaged()[0]);
  EXPECT_NE(s.latent()[0], resumed()[0]);
  EXPECT_EQ(s.latent()[1], resumed()[1]);
}

TEST(KnobSpace, PositionsAndCoordinatesAreInverses) {
  const LatentMap map(uniform_quantiles());
  for (std::size_t d = 0; d < kLatentDims; ++d)
    for (float p : {0.0f, 10.5f, 64.0f, 100.25f, 127.0f})
      EXPECT_NEAR(map.position(d, map.coordinate(d, p)), p, 0.01f) << "dim " << d << " at " << p;
  const LatentMap anchored(uniform_quantiles(), {}, resumed());
  for (float p : {0.0f, 31.0f, 64.0f, 127.0f}) EXPECT_NEAR(anchored.position(4, anchored.coordinate(4, p)), p, 0.01f);
  EXPECT_EQ(anchored.coordinate(4, 64.0f), resumed()[4]);
}

TEST(KnobSpace, ARegionCentresTheKnobsOnItAndSpansItsSpread) {
  Latent centre{}, spread{};
  centre.fill(0.5f);
  spread.fill(0.1f);
  KnobSpace s = uniform_space(Takeover::Jump, {LatentMap::region(uniform_quantiles(), {}, centre, spread)});
  s.select_map(1);
  EXPECT_EQ(s.latent(), centre);
  s.move(0, 127);
  EXPECT_NEAR(s.latent()[0], 0.5f + 2.0f * 0.1f, 1e-5);  // category_width 2 std
  s.move(0, 0);
  EXPECT_NEAR(s.latent()[0], 0.5f - 2.0f * 0.1f, 1e-5);
  EXPECT_THROW(s.select_map(2), std::out_of_range);
  s.select_map(1);  // during a performance: the knob at 0 must take over again
  EXPECT_FALSE(s.engaged()[0]);
  KnobSpace start = uniform_space(Takeover::PickUp, {LatentMap::region(uniform_quantiles(), {}, centre, spread)});
  start.select_map(1, /*fresh=*/true);  // at the start: nothing to protect
  EXPECT_TRUE(start.engaged().all());
}

TEST(KnobSpace, RestoreBringsBackTheSoundAndTheKnobsMustTakeOverAgain) {
  KnobSpace s = uniform_space(Takeover::PickUp);
  s.move(3, 100);
  const auto before = s.state();
  s.move(3, 20);
  s.restore(before);
  EXPECT_EQ(s.state(), before);
  EXPECT_FALSE(s.engaged()[3]);  // the knob is at 20, the sound at 100
}
