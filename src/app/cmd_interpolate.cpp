// `dxlatent interpolate A B [--steps 32] [--slerp] [--lock P] -o morph.syx`: a
// morph between two voices. A and B (FILE:SLOT, any readable format) are
// encoded and the path between their latent points is decoded. The first and
// last voices are A and B themselves, byte for byte with their names: a morph
// is asked for between two voices the user chose, and the model's
// reconstruction of them can differ (reported, not hidden). --reconstruct-ends
// writes the decoded ends instead, as before.
//
// --lock keeps A's value of the locked parameters in every step (B's end
// included), by overwriting the decoded values; the report counts how often the
// algorithm changes between steps, which is 0 when it is locked.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dxlatent/model/latent_path.hpp"
#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/voice/param_lock.hpp"
#include "model_tool.hpp"

namespace dxlatent::app {
namespace {

struct InterpolateOptions {
  std::string a, b;
  std::size_t steps = 32;
  bool slerp = false;
  bool clamp = false;
  bool reconstruct_ends = false;
  std::vector<std::string> locks;
  std::string out;
  bool force = false;
  ModelOptions model;
};

std::size_t params_differing(const Voice& x, const Voice& y) {
  std::size_t n = 0;
  for (std::size_t p = 0; p < kSoundParams; ++p) n += x.bytes[p] != y.bytes[p];
  return n;
}

std::string latent_text(const Latent& z) {
  std::string s = "(";
  char buf[32];
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    std::snprintf(buf, sizeof buf, "%s%.3f", d ? ", " : "", static_cast<double>(z[d]));
    s += buf;
  }
  return s + ")";
}

Latent encode_ref(TorchDecoder& decoder, const VoiceRef& ref, const Voice& voice, bool clamp) {
  if (clamp && !is_valid(voice)) {
    std::fprintf(stderr, "dxlatent: %s (\"%s\"): %s; encoded clamped\n", ref.text.c_str(), voice.name().c_str(),
                 validate(voice).front().describe().c_str());
    return decoder.encode(clamped(voice));
  }
  try {
    return decoder.encode(voice);
  } catch (const std::invalid_argument& e) {
    throw BadInput(ref.text + " (\"" + voice.name() + "\"): " + e.what() +
                   "; the model only knows valid voices (--clamp encodes it clamped)");
  }
}

void run_interpolate(const InterpolateOptions& opt) {
  ParamMask locks;
  try {
    locks = parse_locks(opt.locks);
  } catch (const LockError& e) {
    throw CommandError(kExitUsage, std::string("--lock: ") + e.what());
  }
  const VoiceRef ref_a = parse_voice_ref(opt.a), ref_b = parse_voice_ref(opt.b);
  check_cartridge_output(opt.out, opt.steps, {ref_a.file, ref_b.file}, opt.force);
  const Voice a = read_voice(ref_a), b = read_voice(ref_b);
  auto decoder = load_decoder(opt.model);
  const Latent za = encode_ref(*decoder, ref_a, a, opt.clamp), zb = encode_ref(*decoder, ref_b, b, opt.clamp);

  const auto path = latent_path(za, zb, opt.steps, opt.slerp ? LatentPathKind::Spherical : LatentPathKind::Linear);
  auto voices = decoder->decode_batch(path);
  const Voice recon_a = voices.front(), recon_b = voices.back();
  for (std::size_t i = 0; i < voices.size(); ++i) name_generated_voice(voices[i], VoiceOrigin::Morph, i + 1);
  if (!opt.reconstruct_ends) {
    // The voices as encoded: clamped where --clamp had to clamp them, so every
    // voice written is valid.
    voices.front() = is_valid(a) ? a : clamped(a);
    voices.back() = is_valid(b) ? b : clamped(b);
  }
  const Voice first = voices.front();
  if (locks.test(kAlgorithmOffset)) {
    // A locked algorithm is given to the decoder, which decodes the other
    // parameters for it (docs/steering.md); the exact ends stay as they are.
    const std::size_t from = opt.reconstruct_ends ? 0 : 1;
    const std::size_t to = opt.reconstruct_ends ? voices.size() : voices.size() - 1;
    for (std::size_t i = from; i < to; ++i) {
      voices[i] = decoder->decode_given_algorithm(path[i], first.algorithm());
      name_generated_voice(voices[i], VoiceOrigin::Morph, i + 1);
    }
  }
  for (Voice& v : voices) apply_locks(v, first, locks);
  std::size_t changes = 0, algorithm_changes = 0;
  for (std::size_t i = 1; i < voices.size(); ++i) {
    changes += params_differing(voices[i - 1], voices[i]);
    algorithm_changes += voices[i - 1].algorithm() != voices[i].algorithm();
  }

  const auto files = write_cartridges(opt.out, voices, opt.force);
  std::FILE* report = report_stream(opt.out);
  std::fprintf(report, "A %s \"%s\" -> z %s; reconstruction differs in %zu of 145 parameters\n", ref_a.text.c_str(),
               a.name().c_str(), latent_text(za).c_str(), params_differing(a, recon_a));
  std::fprintf(report, "B %s \"%s\" -> z %s; reconstruction differs in %zu of 145 parameters\n", ref_b.text.c_str(),
               b.name().c_str(), latent_text(zb).c_str(), params_differing(b, recon_b));
  std::fprintf(report, "ends: %s\n",
               opt.reconstruct_ends ? "the reconstructions (--reconstruct-ends)" : "A and B themselves, names included");
  if (locks.any())
    std::fprintf(report, "locked to A's values, overwritten after decoding%s: %s\n",
                 opt.reconstruct_ends ? "" : " (B's end too)", describe_locks(locks).c_str());
  const std::size_t steps = voices.size() - 1;
  std::fprintf(report, "%s (%s), %.1f parameters change per step on average\n", plural(voices.size(), "step").c_str(),
               opt.slerp ? "spherical" : "straight line", static_cast<double>(changes) / static_cast<double>(steps));
  std::fprintf(report, "the algorithm changes at %zu of %zu steps%s\n", algorithm_changes, steps,
               locks.test(kAlgorithmOffset) ? " (locked)" : "");
  for (std::size_t i = 0; i < files.size(); ++i)
    if (i == 0 || files[i] != files[i - 1]) std::fprintf(report, "wrote %s\n", files[i].c_str());
}

}  // namespace

void register_interpolate(CLI::App& app) {
  auto opt = std::make_shared<InterpolateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "interpolate", "A morph from voice A to voice B through the latent space, as cartridges");
  cmd->add_option("a", opt->a, "first voice, FILE:SLOT (slot from 1; .syx, packed or unpacked file)")->required();
  cmd->add_option("b", opt->b, "last voice, FILE:SLOT")->required();
  cmd->add_option("--steps", opt->steps, "voices in the morph, A and B included")
      ->capture_default_str()
      ->check(CLI::Range(2, 9999));
  cmd->add_flag("--slerp", opt->slerp, "follow the sphere between the two points instead of the straight line");
  cmd->add_flag("--clamp", opt->clamp,
                "clamp a voice with out-of-range fields into range before encoding it (that end is then written "
                "clamped)");
  cmd->add_flag("--reconstruct-ends", opt->reconstruct_ends,
                "end on the model's reconstructions of A and B instead of A and B themselves");
  cmd->add_option("--lock", opt->locks,
                  "keep A's value of these parameters in every step (repeatable or comma-separated): a parameter's "
                  "name (\"OP3 EG rate 2\") or a group: algorithm, feedback, transpose, tuning, op1..op6 "
                  "(\"OP3 *\"), pitch-eg, lfo, envelopes, levels. The locked values overwrite the decoded ones; the "
                  "other parameters are not decoded to fit them")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false);  // one list per --lock, so A and B after it stay positional
  cmd->add_option("-o,--output", opt->out,
                  "cartridge file (.syx); more than 32 steps: OUT-1.syx, OUT-2.syx, ...; - for standard output")
      ->required();
  add_force_option(*cmd, opt->force);
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_interpolate(*opt); });
}

}  // namespace dxlatent::app
