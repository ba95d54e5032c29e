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
  return load_decoder(options);
}

}  // namespace dxlatent::app
