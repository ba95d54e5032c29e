// `dxlatent snapshot`: saves the voice the running engine last decoded into a
// cartridge slot (the engine keeps it in its state directory as current.syx).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "commands.hpp"
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

void snapshot(const SnapshotArgs& args) {
  const Config config = read_config(args.config);
  const auto cartridge = args.file.empty() ? config.effective_snapshot_file() : std::filesystem::path(args.file);
  try {
    const Voice voice = load_current_voice(config.effective_state_dir());
    const int slot = save_snapshot(cartridge, voice, args.slot);
    std::printf("saved \"%s\" (algorithm %d) into %s slot %d\n", voice.display_name().c_str(), voice.algorithm(),
                cartridge.string().c_str(), slot);
  } catch (const std::exception& e) {
    throw BadInput(e.what());
  }
}

}  // namespace

void register_snapshot(CLI::App& app) {
  auto args = std::make_shared<SnapshotArgs>();
  auto* cmd = app.add_subcommand("snapshot", "Save the live engine's current voice into a cartridge slot");
  cmd->add_option("-c,--config", args->config, "the config `dxlatent run` uses (for its state directory)");
  cmd->add_option("-o,--file", args->file, "cartridge .syx (default: snapshots.syx in the state directory)");
  cmd->add_option("-s,--slot", args->slot, "slot 1..32 (default: the first slot still holding INIT VOICE)")
      ->check(CLI::Range(1, 32));
  cmd->callback([args] { snapshot(*args); });
}

}  // namespace dxlatent::app
