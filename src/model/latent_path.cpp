#include "dxlatent/model/latent_path.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dxlatent {
namespace {

double norm(const Latent& z) {
  double s = 0.0;
  for (float x : z) s += static_cast<double>(x) * x;
  return std::sqrt(s);
}

Latent lerp(const Latent& a, const Latent& b, double t) {
  Latent z;
  for (std::size_t d = 0; d < kLatentDims; ++d) z[d] = static_cast<float>(a[d] + t * (b[d] - a[d]));
  return z;
}

}  // namespace

std::vector<Latent> latent_path(const Latent& a, const Latent& b, std::size_t steps, LatentPathKind kind) {
  if (steps < 2) throw std::invalid_argument("a latent path needs at least 2 steps");
  const double na = norm(a), nb = norm(b);
  double cos_omega = 0.0;
  if (na > 0.0 && nb > 0.0) {
    for (std::size_t d = 0; d < kLatentDims; ++d) cos_omega += a[d] / na * (b[d] / nb);
    cos_omega = std::clamp(cos_omega, -1.0, 1.0);
  }
  const double omega = std::acos(cos_omega);
  // Nearly parallel directions gain nothing from slerp; nearly opposite ones have
  // no unique great circle. Both (and a zero endpoint) fall back to the line.
  const bool spherical = kind == LatentPathKind::Spherical && na > 1e-6 && nb > 1e-6 && omega > 1e-4 &&
                         omega < 3.14159 - 1e-3;
  std::vector<Latent> path(steps);
  for (std::size_t i = 0; i < steps; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(steps - 1);
    if (!spherical) {
      path[i] = lerp(a, b, t);
      continue;
    }
    const double wa = std::sin((1.0 - t) * omega) / std::sin(omega);
    const double wb = std::sin(t * omega) / std::sin(omega);
    const double r = (1.0 - t) * na + t * nb;
    for (std::size_t d = 0; d < kLatentDims; ++d)
      path[i][d] = static_cast<float>(r * (wa * a[d] / na + wb * b[d] / nb));
  }
  path.front() = a;  // exact ends, whatever the rounding above
  path.back() = b;
  return path;
}

}  // namespace dxlatent
