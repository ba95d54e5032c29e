#include "dxlatent/control/latent.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace dxlatent;

namespace {
LatentQuantiles table() {
  LatentQuantiles q;
  q.levels = {0.0f, 0.25f, 0.5f, 1.0f};
  for (std::size_t d = 0; d < kLatentDims; ++d)
    q.values[d] = {-2.0f - float(d), -1.0f, 0.0f, 4.0f + float(d)};
  return q;
}
}  // namespace

TEST(LatentQuantiles, ReturnsTableValuesAtTheLevels) {
  const auto q = table();
  EXPECT_FLOAT_EQ(q.at(0, 0.0f), -2.0f);
  EXPECT_FLOAT_EQ(q.at(0, 0.25f), -1.0f);
  EXPECT_FLOAT_EQ(q.at(0, 0.5f), 0.0f);
  EXPECT_FLOAT_EQ(q.at(3, 1.0f), 7.0f);
  EXPECT_FLOAT_EQ(q.at(7, 0.0f), -9.0f);
}

TEST(LatentQuantiles, InterpolatesLinearlyBetweenLevels) {
  const auto q = table();
  EXPECT_FLOAT_EQ(q.at(0, 0.125f), -1.5f);
  EXPECT_FLOAT_EQ(q.at(0, 0.75f), 2.0f);
  EXPECT_FLOAT_EQ(q.at(1, 0.875f), 3.75f);
}

TEST(LatentQuantiles, HoldsTheEndsOutsideTheLevelsAndOnNaN) {
  const auto q = table();
  EXPECT_FLOAT_EQ(q.at(0, -0.5f), -2.0f);
  EXPECT_FLOAT_EQ(q.at(0, 1.5f), 4.0f);
  EXPECT_FLOAT_EQ(q.at(0, std::nanf("")), -2.0f);
}

TEST(LatentQuantiles, IsMonotoneInTheLevel) {
  const auto q = table();
  float last = q.at(2, 0.0f);
  for (int i = 1; i <= 1000; ++i) {
    const float v = q.at(2, float(i) / 1000.0f);
    EXPECT_GE(v, last);
    last = v;
  }
}

TEST(LatentQuantiles, RejectsABadDimensionAndAnEmptyTable) {
  const auto q = table();
  EXPECT_THROW((void)q.at(8, 0.5f), std::out_of_range);
  LatentQuantiles empty;
  EXPECT_THROW((void)empty.at(0, 0.5f), std::logic_error);
}
