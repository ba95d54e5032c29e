// `dxlatent snapshot`: saves the voice the running engine last decoded into a
// cartridge slot (the engine keeps it in its state directory as current.syx).
// The cartridge is read, one slot changed and written back, so the file named
// must be a .syx that is (or will be) exactly one 32-voice bulk dump: anything
// else at that path (a packed corpus, a text file, a device) is refused before
// the engine's voice is even looked at, never converted or overwritten.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "cli_io.hpp"
#include "commands.hpp"
#include "dxlatent/engine/state_store.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "dxlatent/engine/config.hpp"
#include "dxlatent/engine/snapshot.hpp"
#include "live_tool.hpp"

namespace dxlatent::app {

namespace {

struct SnapshotArgs {
  std::string config;
  std::string file;
  int slot = 0;
};

bool has_syx_extension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".syx";
}

void check_cartridge_file(const std::filesystem::path& cartridge, const std::filesystem::path& state_dir) {
  const std::string name = cartridge.string();
  if (!has_syx_extension(cartridge))
    throw BadInput(name + ": a snapshot goes into a 32-voice SysEx cartridge, named .syx; not writing SysEx under "
                          "another name");
  std::error_code ec;
  const auto dir = cartridge.parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) return;  // created on save: nothing there to destroy
  const auto target = check_output(name, {current_voice_path(state_dir)}, false);
  if (target.stream) throw BadInput(name + ": not a regular file; a snapshot updates a cartridge file");
  if (!target.exists) return;
  VoiceFile file;
  try {
    file = read_voice_file(cartridge);
  } catch (const VoiceFileError& e) {
    throw BadInput(std::string(e.what()) + "; not overwriting it");
  }
  const bool one_dump = file.format == VoiceFileFormat::SysEx && file.problem_count == 0 &&
                        file.voices.size() == sysex::kCartridgeVoices &&
                        std::filesystem::file_size(cartridge, ec) == sysex::kBulkDumpBytes;
  if (!one_dump)
    throw BadInput(name + ": not a 32-voice cartridge (one 4104-byte bulk dump): it holds " +
                   plural(file.voices.size(), "voice") + " as " + to_string(file.format) +
                   (file.problem_count ? " and " + plural(file.problem_count, "bad message") : std::string()) +
                   "; not converting or overwriting it");
}

void snapshot(const SnapshotArgs& args) {
  const Config config = read_config(args.config);
  const auto cartridge = args.file.empty() ? config.effective_snapshot_file() : std::filesystem::path(args.file);
  check_cartridge_file(cartridge, config.effective_state_dir());
  // current.syx outlives the engine that wrote it: without a running engine it
  // is an old run's voice, not what is playing.
  if (!StateStore::engine_running(config.effective_state_dir()))
    throw BadInput("no dxlatent run is using state directory " + config.effective_state_dir().string() +
                   ": a snapshot saves the voice a running engine plays (start `dxlatent run` with the same config)");
  try {
    const Voice voice = load_current_voice(config.effective_state_dir());
    std::optional<Voice> replaced;
    const int slot = save_snapshot(cartridge, voice, args.slot, &replaced);
    std::printf("saved \"%s\" (algorithm %d) into %s slot %d%s\n", voice.display_name().c_str(), voice.algorithm(),
                cartridge.string().c_str(), slot,
                replaced ? (", replacing \"" + replaced->display_name() + "\"").c_str() : "");
  } catch (const std::exception& e) {
    throw BadInput(e.what());
  }
}

}  // namespace

void register_snapshot(CLI::App& app) {
  auto args = std::make_shared<SnapshotArgs>();
  auto* cmd = app.add_subcommand("snapshot", "Save the live engine's current voice into a cartridge slot");
  cmd->add_option("-c,--config", args->config, "the config `dxlatent run` uses (for its state directory)");
  cmd->add_option("-o,--output,--file", args->file,
                  "cartridge .syx to update: a missing one starts as 32 INIT VOICEs, an existing one must be "
                  "exactly one 32-voice bulk dump (default: snapshots.syx in the state directory)");
  cmd->add_option("-s,--slot", args->slot, "slot 1..32 (default: the first slot still holding INIT VOICE)")
      ->check(CLI::Range(1, 32));
  cmd->callback([args] { snapshot(*args); });
}

}  // namespace dxlatent::app
