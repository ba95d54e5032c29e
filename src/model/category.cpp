#include "dxlatent/model/category.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace dxlatent {
namespace {

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const CategoryRegion* find_category(std::span<const CategoryRegion> regions, std::string_view name) {
  for (const CategoryRegion& r : regions)
    if (same_text(r.name, name)) return &r;
  // "keys" for "keys/piano": the part before a '/' counts as a name of its own,
  // unless two regions share it (then only the full name is unambiguous).
  const CategoryRegion* found = nullptr;
  for (const CategoryRegion& r : regions) {
    const auto slash = r.name.find('/');
    if (slash == std::string::npos || !same_text(std::string_view(r.name).substr(0, slash), name)) continue;
    if (found) return nullptr;
    found = &r;
  }
  return found;
}

std::string category_names(std::span<const CategoryRegion> regions) {
  std::string s;
  for (const CategoryRegion& r : regions) s += (s.empty() ? "" : ", ") + r.name;
  return s;
}

const CategoryRegion* likely_category(std::span<const CategoryRegion> regions, const Latent& z) {
  const CategoryRegion* best = nullptr;
  double best_score = 0.0;
  for (const auto& r : regions) {
    double score = 0.0;  // minus twice the log density, constants dropped
    for (std::size_t d = 0; d < z.size(); ++d) {
      const double sd = std::max(double(r.std[d]), 1e-6);
      const double u = (double(z[d]) - double(r.mean[d])) / sd;
      score += u * u + 2.0 * std::log(sd);
    }
    if (!best || score < best_score) {
      best = &r;
      best_score = score;
    }
  }
  return best;
}

}  // namespace dxlatent
