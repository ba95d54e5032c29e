// dxlatent: eight MIDI knobs -> an 8-dimensional VAE latent -> DX7 voices.
// The entry point only parses the command line and maps outcomes to exit codes
// (docs/exit-codes.md): 0 ok, 1 bad input, 2 usage; the work is in the
// cmd_*.cpp subcommands.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "cli_io.hpp"
#include "commands.hpp"

namespace {

// One example per subcommand, shown at the end of its --help. Kept together so
// that they read as one consistent set (the README's "Offline tools" mirrors
// them); a subcommand that sets its own footer keeps it.
const std::pair<const char*, const char*> kExamples[] = {
    {"inspect", "dxlatent inspect rom1a.syx\n  dxlatent inspect --summary ../shared/data/collection.bin"},
    {"collect", "dxlatent collect ~/dx7-patches -o corpus.bin      (corpus.syx: 32-voice bulk dumps)"},
    {"sample", "dxlatent sample -n 32 --seed 7 -o random.syx\n"
               "  dxlatent sample -n 32 --category bass -o basses.syx      (--list-categories)\n"
               "  dxlatent sample -n 32 --like rom1a.syx:5 --lock algorithm,tuning -o like5.syx"},
    {"interpolate", "dxlatent interpolate a.syx:3 b.syx:17 --steps 32 -o morph.syx\n"
                    "  dxlatent interpolate a.syx:3 b.syx:17 --lock algorithm -o morph.syx"},
    {"encode", "dxlatent encode cart.syx --format csv -o latents.csv"},
    {"uniqueness", "dxlatent uniqueness -n 65536 --corpus ../shared/data/collection.bin"},
    {"run", "dxlatent run --config config/dxlatent.toml --anchor rom1a.syx:5\n"
            "  dxlatent run --category bass --lock algorithm,tuning --takeover scale"},
    {"demo", "dxlatent demo -o demo.syx"},
    {"snapshot", "dxlatent snapshot --config config/dxlatent.toml -o favourites.syx --slot 3"},
};

void add_examples(CLI::App& app) {
  for (const auto& [name, example] : kExamples) {
    CLI::App* sub = nullptr;
    try {
      sub = app.get_subcommand(name);
    } catch (const CLI::OptionNotFound&) {
      continue;
    }
    if (sub->get_footer().empty()) sub->footer(std::string("Example:\n  ") + example);
  }
}

// CLI11 reports an unknown first word as an unexpected extra argument; say
// plainly that it is not a subcommand and which ones there are.
bool unknown_subcommand(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  std::string names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == argv[1]) return false;
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  std::fprintf(stderr, "dxlatent: unknown subcommand '%s'; the subcommands are %s (dxlatent --help)\n", argv[1],
               names.c_str());
  return true;
}

}  // namespace

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

  add_examples(app);
  // run's --anchor names a voice as interpolate's A and B do: checked by the same
  // parser and rules (a bad file or a missing slot exit 1, a malformed one 2).
  check_voice_ref_option(*app.get_subcommand("run"), "--anchor");

  if (unknown_subcommand(app, argc, argv)) return kExitUsage;
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
  } catch (const std::bad_alloc&) {
    // Voice files are size-checked and name themselves when reading them runs
    // out of memory; this is what is left (a huge -n, a machine out of memory).
    std::fprintf(stderr, "dxlatent: out of memory\n");
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dxlatent: %s\n", e.what());
    return kExitBadInput;
  }
  return kExitOk;
}
