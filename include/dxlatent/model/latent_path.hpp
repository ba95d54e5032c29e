#pragma once
// The latent points of a morph between two voices (dxlatent interpolate). Pure.

#include <cstddef>
#include <vector>

#include "dxlatent/control/latent.hpp"

namespace dxlatent {

enum class LatentPathKind {
  Linear,    ///< the straight line a + t (b - a)
  Spherical, ///< slerp: along the great circle, the norm interpolated linearly
};

/// `steps` points (>= 2) from a to b inclusive: the first is exactly a, the last exactly b.
/// Spherical keeps the points at the norms the prior puts its mass at, where a
/// straight line between two far points cuts through the low-norm centre.
std::vector<Latent> latent_path(const Latent& a, const Latent& b, std::size_t steps,
                                LatentPathKind kind = LatentPathKind::Linear);

}  // namespace dxlatent
