#pragma once
// Where the shipped model is found when no --model / config path is given.

#include <filesystem>
#include <vector>

namespace dxlatent {

inline constexpr const char* kModelFileName = "dxlatent-vae.pt";

/// The places looked at, in order: <prefix>/share/dxlatent/models/dxlatent-vae.pt
/// next to the running executable's install prefix (<prefix>/bin/dxlatent), then
/// the source tree's models/ (compiled in, for running from a build directory).
/// Thread: any.
std::vector<std::filesystem::path> model_search_path();
/// The first existing file of model_search_path(), or its first entry when none
/// exists (so the error names where the model was expected). Thread: any.
std::filesystem::path default_model_path();

}  // namespace dxlatent
