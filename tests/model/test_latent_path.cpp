#include "dxlatent/model/latent_path.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace dxlatent;

namespace {
double norm(const Latent& z) {
  double s = 0;
  for (float x : z) s += double(x) * x;
  return std::sqrt(s);
}
const Latent kA{1.5f, -0.25f, 0.0f, 2.0f, -1.0f, 0.5f, 0.125f, -2.0f};
const Latent kB{-0.5f, 1.0f, 1.75f, -1.0f, 0.25f, 0.0f, -1.5f, 1.0f};
}  // namespace

TEST(LatentPath, StartsAndEndsExactlyAtTheEndpoints) {
  for (auto kind : {LatentPathKind::Linear, LatentPathKind::Spherical}) {
    for (std::size_t steps : {2u, 3u, 32u, 101u}) {
      const auto p = latent_path(kA, kB, steps, kind);
      ASSERT_EQ(p.size(), steps);
      EXPECT_EQ(p.front(), kA);
      EXPECT_EQ(p.back(), kB);
    }
  }
}

TEST(LatentPath, LinearStepsAreEqual) {
  const auto p = latent_path(kA, kB, 5, LatentPathKind::Linear);
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    EXPECT_FLOAT_EQ(p[2][d], (kA[d] + kB[d]) / 2);
    EXPECT_FLOAT_EQ(p[1][d], kA[d] + 0.25f * (kB[d] - kA[d]));
  }
}

TEST(LatentPath, SphericalInterpolatesTheNormAndTheAngleEvenly) {
  const auto p = latent_path(kA, kB, 9, LatentPathKind::Spherical);
  const double na = norm(kA), nb = norm(kB);
  double cos_ab = 0;
  for (std::size_t d = 0; d < kLatentDims; ++d) cos_ab += kA[d] * kB[d];
  const double omega = std::acos(cos_ab / (na * nb));
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double t = double(i) / 8.0;
    EXPECT_NEAR(norm(p[i]), (1 - t) * na + t * nb, 1e-5);
    double c = 0;
    for (std::size_t d = 0; d < kLatentDims; ++d) c += p[i][d] * kA[d];
    EXPECT_NEAR(std::acos(std::clamp(c / (norm(p[i]) * na), -1.0, 1.0)), t * omega, 1e-3) << i;
  }
  // and it is not the line: the midpoint of the line is shorter
  const auto line = latent_path(kA, kB, 9, LatentPathKind::Linear);
  EXPECT_LT(norm(line[4]), norm(p[4]) - 0.1);
}

TEST(LatentPath, SphericalFallsBackToTheLineForAZeroEndpoint) {
  const Latent zero{};
  const auto s = latent_path(zero, kB, 5, LatentPathKind::Spherical);
  const auto l = latent_path(zero, kB, 5, LatentPathKind::Linear);
  EXPECT_EQ(s, l);
}

TEST(LatentPath, RejectsFewerThanTwoSteps) {
  EXPECT_THROW(latent_path(kA, kB, 1), std::invalid_argument);
}
