// dxlatent: eight MIDI knobs -> an 8-dimensional VAE latent -> DX7 voices.
// The entry point only parses the command line and maps outcomes to exit codes:
// 0 ok, 1 bad input, 2 usage; the work is in the cmd_*.cpp subcommands.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace dxlatent::app;
  CLI::App app{"dxlatent: eight knobs -> a VAE latent -> DX7 voices as SysEx", "dxlatent"};
  app.set_version_flag("--version", "dxlatent " DXLATENT_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  register_inspect(app);
  register_collect(app);
  register_sample(app);
  register_interpolate(app);
  register_encode(app);
  register_uniqueness(app);
  register_run(app);
  register_demo(app);
  register_snapshot(app);
  register_render(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the error and "Run with --help"
    return kExitUsage;
  } catch (const CommandError& e) {
    if (*e.what()) std::fprintf(stderr, "dxlatent: %s\n", e.what());
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dxlatent: %s\n", e.what());
    return kExitBadInput;
  }
  return kExitOk;
}
