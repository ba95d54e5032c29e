#pragma once
// What the model subcommands (sample, interpolate, encode, uniqueness) share:
// the --model/--threads options, loading the decoder with errors the CLI can
// report, FILE:SLOT voice references, and writing a run of voices as one or
// more 32-voice cartridges. Thread: the main thread.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

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

/// FILE:SLOT through the core's VoiceRef (dxlatent/voice/voice_ref.hpp); a
/// malformed reference is a usage error (exit 2).
VoiceRef parse_voice_ref(const std::string& text);
/// VoiceRef::read, its warnings printed; BadInput when the file cannot be
/// read or has no such slot.
Voice read_voice(const VoiceRef& ref);

/// The cartridge files for `count` voices written to `out`: `out` itself for up
/// to 32 voices, else STEM-1.EXT, STEM-2.EXT, ... next to it.
std::vector<std::filesystem::path> cartridge_paths(const std::filesystem::path& out, std::size_t count);
/// Writes the voices as cartridge_paths(out, voices.size()), 32 per file (the last
/// padded with INIT VOICE), each atomically. Returns the paths written.
std::vector<std::filesystem::path> write_cartridges(const std::filesystem::path& out,
                                                    std::span<const Voice> voices);

}  // namespace dxlatent::app
