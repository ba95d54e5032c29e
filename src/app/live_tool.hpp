#pragma once
// What the live subcommands (run, demo, snapshot) share: reading the config and
// loading the model with errors the CLI can report. Thread: the main thread.

#include <memory>
#include <string>

#include "dxlatent/engine/config.hpp"
#include "dxlatent/model/torch_decoder.hpp"

namespace dxlatent::app {

/// The config at `path`; empty: the built-in defaults. A bad file is BadInput
/// (exit 1) with the file, the line and the reason.
Config read_config(const std::string& path);
/// The decoder for the live engine: `model` when given, else the config's
/// [model] path, else the shipped model (load_decoder: BadInput naming the file).
std::unique_ptr<TorchDecoder> load_live_decoder(const std::string& model, const Config& config);

}  // namespace dxlatent::app
