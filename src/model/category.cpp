#include "dxlatent/model/category.hpp"

#include <algorithm>
#include <cctype>

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

}  // namespace dxlatent
