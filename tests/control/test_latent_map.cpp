#include "dxlatent/control/latent_map.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "uniform_space.hpp"

using namespace dxlatent;

using dxlatent::testing::uniform_quantiles;

TEST(LatentMap, KnobEndsAndCentreHitTheConfiguredQuantiles) {
  LatentMap map(uniform_quantiles());
  EXPECT_FLOAT_EQ(map.level(0), 0.005f);
  EXPECT_FLOAT_EQ(map.level(64), 0.5f);
  EXPECT_FLOAT_EQ(map.level(127), 0.995f);
  EXPECT_NEAR(map.coordinate(0, 0), -0.99f, 1e-5);
  EXPECT_NEAR(map.coordinate(0, 64), 0.0f, 1e-5);
  EXPECT_NEAR(map.coordinate(3, 127), 0.99f * 4.0f, 1e-4);
}

TEST(LatentMap, IsMonotoneOverTheKnobTravel) {
  LatentMap map(uniform_quantiles(), LatentMapSettings{0.02f, 0.98f, 0.5f});
  for (std::size_t d = 0; d < kLatentDims; ++d)
    for (int v = 1; v < 128; ++v)
      EXPECT_GT(map.coordinate(d, std::uint8_t(v)), map.coordinate(d, std::uint8_t(v - 1)));
  EXPECT_FLOAT_EQ(map.level(0), 0.02f);
  EXPECT_FLOAT_EQ(map.level(127), 0.98f);
}

TEST(LatentMap, AnchoredKnobsMoveAroundTheAnchor) {
  Latent anchor{0.3f, -0.2f, 0.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.5f};
  LatentMap map(uniform_quantiles(), LatentMapSettings{0.005f, 0.995f, 0.25f}, anchor);
  KnobState centred;
  EXPECT_EQ(map.latent(centred), anchor);
  // span of dim 0 = 2 * 0.99; knob 127 = anchor + 0.25 * span.
  EXPECT_NEAR(map.coordinate(0, 127), 0.3f + 0.25f * 1.98f, 1e-5);
  EXPECT_NEAR(map.coordinate(0, 0), 0.3f - 0.25f * 1.98f, 1e-5);
  EXPECT_NEAR(map.coordinate(1, 96), -0.2f + 0.25f * 1.98f * 2.0f * (32.0f / 63.0f), 1e-5);
}

TEST(LatentMap, RefusesBadSettingsAndTables) {
  EXPECT_THROW(LatentMap(uniform_quantiles(), LatentMapSettings{0.6f, 0.9f, 0.5f}), std::invalid_argument);
  EXPECT_THROW(LatentMap(uniform_quantiles(), LatentMapSettings{0.1f, 0.4f, 0.5f}), std::invalid_argument);
  EXPECT_THROW(LatentMap(uniform_quantiles(), LatentMapSettings{0.1f, 0.9f, 0.0f}), std::invalid_argument);
  LatentQuantiles broken = uniform_quantiles();
  broken.values[5].pop_back();
  EXPECT_THROW(LatentMap{broken}, std::invalid_argument);
  EXPECT_THROW(LatentMap{LatentQuantiles{}}, std::invalid_argument);
}

TEST(KnobState, EqualityIsExactAndDistinguishesEveryDimension) {
  KnobState a, b;
  EXPECT_EQ(a, b);
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    b = a;
    b.values[d] = 65;
    EXPECT_NE(a, b) << d;
  }
}
