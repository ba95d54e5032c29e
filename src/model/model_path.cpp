#include "dxlatent/model/model_path.hpp"

#include <system_error>

namespace dxlatent {
namespace fs = std::filesystem;

std::vector<fs::path> model_search_path() {
  std::vector<fs::path> places;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path())
    places.push_back(exe.parent_path().parent_path() / "share" / "dxlatent" / "models" / kModelFileName);
#ifdef DXLATENT_MODEL_DIR
  places.push_back(fs::path(DXLATENT_MODEL_DIR) / kModelFileName);
#endif
  return places;
}

fs::path default_model_path() {
  const auto places = model_search_path();
  std::error_code ec;
  for (const auto& p : places)
    if (fs::is_regular_file(p, ec)) return p;
  return places.empty() ? fs::path(kModelFileName) : places.front();
}

}  // namespace dxlatent
