#pragma once
// What the model subcommands (sample, interpolate, encode, uniqueness) share:
// the --model/--threads options, loading the decoder with errors the CLI can
// report, and writing a run of voices as one or more 32-voice cartridges
// (FILE:SLOT references and the output rules are in cli_io.hpp).
// Thread: the main thread.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cli_io.hpp"
#include "dxlatent/model/torch_decoder.hpp"
#include "dxlatent/voice/voice.hpp"
#include "dxlatent/voice/voice_ref.hpp"

namespace CLI {
class App;
}

namespace dxlatent::app {

struct ModelOptions {
  std::string path;  ///< empty: default_model_path()
  int threads = 1;
};

/// Adds --model PATH and --threads N to a subcommand.
void add_model_options(CLI::App& cmd, ModelOptions& options);
/// Loads the decoder; a missing or unusable model is BadInput (exit 1) naming the file.
std::unique_ptr<TorchDecoder> load_decoder(const ModelOptions& options);

/// The cartridge files for `count` voices written to `out`: `out` itself for up
/// to 32 voices, else STEM-1.EXT, STEM-2.EXT, ... next to it. A stream (standard
/// output, a device, a FIFO) takes them all, one bulk dump after another: the
/// result then names `out` once per cartridge.
std::vector<std::filesystem::path> cartridge_paths(const std::filesystem::path& out, std::size_t count);
/// check_output() for each of cartridge_paths(out, count): called before any
/// decoding so that a bad output costs nothing.
void check_cartridge_output(const std::string& out, std::size_t count,
                            const std::vector<std::filesystem::path>& inputs, bool force);
/// Writes the voices as cartridge_paths(out, voices.size()), 32 per file (the last
/// padded with INIT VOICE), each atomically. Returns the paths written.
std::vector<std::filesystem::path> write_cartridges(const std::filesystem::path& out,
                                                    std::span<const Voice> voices, bool force = false);

}  // namespace dxlatent::app
