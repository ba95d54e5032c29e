#pragma once
// Kinds of sound ("bass", "bell/mallet", ...) as regions of the latent space:
// the diagonal Gaussian of the encoded training voices whose names a rule of
// models/categories.py labels with that kind. The model file carries them
// (format_version 2: category_names, category_mean, category_std); this header
// is the LibTorch-free view that the CLI and the engine share. Pure.

#include <span>
#include <string>
#include <string_view>

#include "dxlatent/model/latent.hpp"

namespace dxlatent {

struct CategoryRegion {
  std::string name;  ///< as the model file spells it, e.g. "keys/piano"
  Latent mean{};     ///< per-dimension mean of the category's latents
  Latent std{};      ///< per-dimension standard deviation (> 0)
};

/// The region called `name`, compared case-insensitively; nullptr if none is.
/// A unique prefix up to a '/' also matches ("keys" finds "keys/piano",
/// "bell" finds "bell/mallet"), since the slash names are awkward to type.
const CategoryRegion* find_category(std::span<const CategoryRegion> regions, std::string_view name);

/// The region z most likely belongs to: the highest diagonal-Gaussian density
/// (equal priors); nullptr when there are no regions. For the status line:
/// "sounds like: bass" is a guess from the latent point, not a judgement of the audio.
const CategoryRegion* likely_category(std::span<const CategoryRegion> regions, const Latent& z);

/// "percussion, sfx, bass, ..." in the file's order, for messages and --list-categories.
std::string category_names(std::span<const CategoryRegion> regions);

}  // namespace dxlatent
