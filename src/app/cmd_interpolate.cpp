// `dxlatent interpolate A B [--steps 32] [--slerp] -o morph.syx`: a morph between
// two voices. A and B (FILE:SLOT, any readable format) are encoded; the path
// between their latent points is decoded, so the first voice is A's
// reconstruction and the last B's (which differ from A and B where the model
// does not reproduce them exactly: reported, not hidden).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dxlatent/model/latent_path.hpp"
#include "dxlatent/model/voice_naming.hpp"
#include "model_tool.hpp"

namespace dxlatent::app {
namespace {

struct InterpolateOptions {
  std::string a, b;
  std::size_t steps = 32;
  bool slerp = false;
  bool clamp = false;
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
  const VoiceRef ref_a = parse_voice_ref(opt.a), ref_b = parse_voice_ref(opt.b);
  check_cartridge_output(opt.out, opt.steps, {ref_a.file, ref_b.file}, opt.force);
  const Voice a = read_voice(ref_a), b = read_voice(ref_b);
  auto decoder = load_decoder(opt.model);
  const Latent za = encode_ref(*decoder, ref_a, a, opt.clamp), zb = encode_ref(*decoder, ref_b, b, opt.clamp);

  const auto path = latent_path(za, zb, opt.steps, opt.slerp ? LatentPathKind::Spherical : LatentPathKind::Linear);
  auto voices = decoder->decode_batch(path);
  std::size_t changes = 0;
  for (std::size_t i = 1; i < voices.size(); ++i) changes += params_differing(voices[i - 1], voices[i]);
  for (std::size_t i = 0; i < voices.size(); ++i) name_generated_voice(voices[i], VoiceOrigin::Morph, i + 1);

  const auto files = write_cartridges(opt.out, voices, opt.force);
  std::FILE* report = report_stream(opt.out);
  std::fprintf(report, "A %s \"%s\" -> z %s; reconstruction differs in %zu of 145 parameters\n", ref_a.text.c_str(),
               a.name().c_str(), latent_text(za).c_str(), params_differing(a, voices.front()));
  std::fprintf(report, "B %s \"%s\" -> z %s; reconstruction differs in %zu of 145 parameters\n", ref_b.text.c_str(),
               b.name().c_str(), latent_text(zb).c_str(), params_differing(b, voices.back()));
  std::fprintf(report, "%s (%s), %.1f parameters change per step on average\n", plural(voices.size(), "step").c_str(),
               opt.slerp ? "spherical" : "straight line",
               static_cast<double>(changes) / static_cast<double>(voices.size() - 1));
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
  cmd->add_option("--steps", opt->steps, "voices in the morph, A's and B's reconstructions included")
      ->capture_default_str()
      ->check(CLI::Range(2, 9999));
  cmd->add_flag("--slerp", opt->slerp, "follow the sphere between the two points instead of the straight line");
  cmd->add_flag("--clamp", opt->clamp, "clamp a voice with out-of-range fields into range before encoding it");
  cmd->add_option("-o,--output", opt->out,
                  "cartridge file (.syx); more than 32 steps: OUT-1.syx, OUT-2.syx, ...; - for standard output")
      ->required();
  add_force_option(*cmd, opt->force);
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_interpolate(*opt); });
}

}  // namespace dxlatent::app
