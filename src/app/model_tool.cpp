#include "model_tool.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

#include "commands.hpp"
#include "dxlatent/model/model_path.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"

namespace dxlatent::app {
namespace fs = std::filesystem;

void add_model_options(CLI::App& cmd, ModelOptions& options) {
  cmd.add_option("--model", options.path,
                 "TorchScript model (default: the shipped " + std::string(kModelFileName) + ", now " +
                     default_model_path().string() + ")");
  cmd.add_option("--threads", options.threads, "LibTorch intra-op threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
}

std::unique_ptr<TorchDecoder> load_decoder(const ModelOptions& options) {
  const fs::path path = options.path.empty() ? default_model_path() : fs::path(options.path);
  try {
    return std::make_unique<TorchDecoder>(path, TorchDecoder::Options{options.threads});
  } catch (const ModelError& e) {
    std::string msg = e.what();
    if (options.path.empty()) {
      msg += "\n  (no --model given; the shipped model was looked for in:";
      for (const auto& place : model_search_path()) msg += " " + place.string();
      msg += ")";
    }
    throw BadInput(msg);
  }
}

VoiceRef parse_voice_ref(const std::string& text) {
  try {
    return VoiceRef::parse(text);
  } catch (const VoiceRefError& e) {
    throw CommandError(kExitUsage, e.what());
  }
}

Voice read_voice(const VoiceRef& ref) {
  std::vector<std::string> warnings;
  try {
    Voice v = ref.read(&warnings);
    for (const auto& w : warnings) std::fprintf(stderr, "dxlatent: warning: %s\n", w.c_str());
    return v;
  } catch (const VoiceFileError& e) {
    throw BadInput(e.what());
  } catch (const VoiceRefError& e) {
    throw BadInput(e.what());
  }
}

std::vector<fs::path> cartridge_paths(const fs::path& out, std::size_t count) {
  const std::size_t n = std::max<std::size_t>(1, (count + sysex::kCartridgeVoices - 1) / sysex::kCartridgeVoices);
  if (n == 1) return {out};
  std::vector<fs::path> paths;
  const std::string ext = out.has_extension() ? out.extension().string() : std::string(".syx");
  for (std::size_t i = 1; i <= n; ++i)
    paths.push_back(out.parent_path() / (out.stem().string() + "-" + std::to_string(i) + ext));
  return paths;
}

std::vector<fs::path> write_cartridges(const fs::path& out, std::span<const Voice> voices) {
  const auto paths = cartridge_paths(out, voices.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::size_t first = i * sysex::kCartridgeVoices;
    const std::size_t count = std::min(sysex::kCartridgeVoices, voices.size() - first);
    try {
      write_cartridge_syx(paths[i], voices.subspan(first, count));
    } catch (const util::FileError& e) {
      throw BadInput(e.what());
    }
  }
  return paths;
}

}  // namespace dxlatent::app
