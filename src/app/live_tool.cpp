#include "live_tool.hpp"

#include "commands.hpp"
#include "model_tool.hpp"

namespace dxlatent::app {

Config read_config(const std::string& path) {
  try {
    return path.empty() ? Config{} : load_config(path);
  } catch (const ConfigError& e) {
    throw BadInput(std::string("refusing the config: ") + e.what());
  }
}

std::unique_ptr<TorchDecoder> load_live_decoder(const std::string& model, const Config& config) {
  ModelOptions options;
  options.path = !model.empty() ? model : config.model_path.string();
  try {
    return load_decoder(options);
  } catch (const BadInput& e) {
    // A model named in the config: the error names its line, as a parse error would.
    if (model.empty() && !config.origin_of("model.path").empty())
      throw BadInput(config.origin_of("model.path") + "model.path: " + e.what());
    throw;
  }
}

}  // namespace dxlatent::app
