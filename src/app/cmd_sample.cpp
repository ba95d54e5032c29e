// `dxlatent sample [-n 32] [--seed S] [--temperature T] [--category C]
// [--lock P --like FILE:SLOT] -o cart.syx`: voices from the model's prior (or
// from one category's region), written as 32-voice cartridges.
//
// --category draws z ~ N(mean_c, diag(std_c^2)), the Gaussian of the training
// voices whose names say they are of that kind (format_version 2 of the model
// file, models/categories.py). It uses the same latent stream as the prior
// (LatentSampler::around consumes it as prior() does), so seeds behave the same.
//
// --lock overwrites the locked parameters of every decoded voice with those of
// the --like voice. Decoding the other parameters given the locked ones would
// fit them together better; overwriting is this step (docs/steering.md). The
// locks are applied before --audible judges a candidate: what is judged is
// what is written.
//
// Reproducible: the latents and the temperature draws come from two
// std::mt19937_64 streams seeded from --seed (LatentSampler), never from
// LibTorch's RNG, so the same seed, count, temperature and model give the same
// bytes on any machine. The streams are separate so that the first 32 voices of
// `-n 64` are the voices of `-n 32` with the same seed.
//
// --audible renders each candidate with hexter (note 60, velocity 100, 1 s held
// + 1 s release, as the corpus figures) and draws again when it is silent (RMS
// below -60 dBFS) or has non-finite samples. Candidates come from the same
// streams in the same order and renders are repeatable, so the same seed still
// gives the same file, and the first 32 of `-n 64` are still those of `-n 32`.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dxlatent/model/category.hpp"
#include "dxlatent/model/latent_sampler.hpp"
#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/voice/param_lock.hpp"
#include "dxlatent/render/audio_stats.hpp"
#include "dxlatent/render/hexter_renderer.hpp"
#include "model_tool.hpp"
#include "progress.hpp"

namespace dxlatent::app {
namespace {

constexpr std::uint64_t kPickStream = 0x9E3779B97F4A7C15ull;  // any constant: separates the two streams
constexpr std::size_t kChunk = 256;

struct SampleOptions {
  std::size_t count = 32;
  std::optional<std::uint64_t> seed;
  float temperature = 0.0f;
  std::string out;
  bool audible = false;
  bool force = false;
  std::string category;
  bool list_categories = false;
  std::vector<std::string> locks;
  std::string like;
  ModelOptions model;
};

// Renders candidates for --audible (in this process: LibTorch's threads make a
// fork unsafe, and a few renders per voice are fast enough).
class AudibleFilter {
 public:
  AudibleFilter() try : renderer_({}, 44100) {
  } catch (const render::RenderError& e) {
    throw BadInput(e.what());
  }
  bool audible(const Voice& v) {
    const render::NoteSpec spec{60, 100, 1.0, 1.0};
    const auto s = renderer_.render_note(v, spec);
    const auto st = analyzer_.analyze(s, renderer_.sample_rate(), renderer_.sample_rate());  // held: 1 s
    if (st.silent || st.nonfinite) {
      ++rejected;
      return false;
    }
    return true;
  }
  std::size_t rejected = 0;

 private:
  render::HexterRenderer renderer_;
  render::AudioAnalyzer analyzer_;
};

void list_categories(const TorchDecoder& decoder) {
  std::printf("categories of %s (sample --category NAME; the part before a '/' is enough):\n",
              decoder.path().c_str());
  for (const CategoryRegion& c : decoder.categories()) {
    double spread = 0.0;
    for (float s : c.std) spread += s;
    std::printf("  %-14s mean (", c.name.c_str());
    for (std::size_t d = 0; d < kLatentDims; ++d) std::printf("%s%+.2f", d ? ", " : "", static_cast<double>(c.mean[d]));
    std::printf("), mean std %.2f\n", spread / kLatentDims);
  }
}

void run_sample(const SampleOptions& opt) {
  // Usage rules that CLI11 cannot express, checked before any file is touched.
  if (opt.list_categories) {
    list_categories(*load_decoder(opt.model));
    return;
  }
  if (opt.out.empty()) throw CommandError(kExitUsage, "sample: --output is required (or --list-categories)");
  ParamMask locks;
  try {
    locks = parse_locks(opt.locks);
  } catch (const LockError& e) {
    throw CommandError(kExitUsage, std::string("--lock: ") + e.what());
  }
  if (locks.any() && opt.like.empty())
    throw CommandError(kExitUsage, "--lock needs --like FILE:SLOT: the voice whose locked parameters every "
                                   "sampled voice keeps");
  if (!opt.like.empty() && locks.none())
    throw CommandError(kExitUsage, "--like FILE:SLOT is the reference voice for --lock; give --lock too");
  std::optional<VoiceRef> like_ref;
  if (!opt.like.empty()) like_ref = parse_voice_ref(opt.like);

  check_cartridge_output(opt.out, opt.count, like_ref ? std::vector<std::filesystem::path>{like_ref->file}
                                                      : std::vector<std::filesystem::path>{},
                         opt.force);
  std::optional<Voice> like;
  if (like_ref) {
    like = read_voice(*like_ref);
    if (!is_valid(*like))
      throw BadInput(like_ref->text + " (\"" + like->name() + "\"): " + validate(*like).front().describe() +
                     "; locked values are copied as they are, so the --like voice must be valid");
  }
  auto decoder = load_decoder(opt.model);
  const CategoryRegion* region = nullptr;
  if (!opt.category.empty()) {
    region = find_category(decoder->categories(), opt.category);
    if (!region)
      throw CommandError(kExitUsage, "--category: no category '" + opt.category + "' in " + decoder->path().string() +
                                         "; it knows " + category_names(decoder->categories()));
  }
  const std::uint64_t seed = opt.seed ? *opt.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  if (!opt.seed) std::fprintf(stderr, "dxlatent: seed %llu (pass --seed to repeat)\n", static_cast<unsigned long long>(seed));
  std::vector<Voice> voices;
  std::optional<AudibleFilter> filter;
  if (opt.audible) filter.emplace();
  auto keep = [&](Voice v) {
    if (like) apply_locks(v, *like, locks);
    if (filter && !filter->audible(v)) {
      // A model that decodes nothing audible must not loop forever.
      if (filter->rejected > 1000 + 100 * opt.count)
        throw BadInput("--audible: " + std::to_string(filter->rejected) + " silent candidates and only " +
                       std::to_string(voices.size()) + " audible ones; giving up");
      return;
    }
    voices.push_back(v);
  };

  LatentSampler latents(seed), picks(seed ^ kPickStream);
  voices.reserve(opt.count);
  Progress progress("sample", opt.count);
  std::vector<Latent> zs;
  while (voices.size() < opt.count) {
    zs.clear();
    for (std::size_t i = 0; i < kChunk && voices.size() + zs.size() < opt.count; ++i)
      zs.push_back(region ? latents.around(region->mean, region->std) : latents.prior());
    if (opt.temperature <= 0.0f && like && locks.test(kAlgorithmOffset)) {
      // A locked algorithm is given to the decoder, which decodes the other
      // parameters for it (docs/steering.md), rather than overwritten.
      for (const Latent& z : zs) keep(decoder->decode_given_algorithm(z, like->algorithm()));
    } else if (opt.temperature <= 0.0f) {
      for (const Voice& v : decoder->decode_batch(zs)) keep(v);
    } else {
      const std::size_t k = decoder->logit_width();
      const auto logits = decoder->decode_logits(zs);
      for (std::size_t i = 0; i < zs.size(); ++i)
        keep(picks.sample_voice(std::span<const float>(logits).subspan(i * kSoundParams * k, kSoundParams * k),
                                            k, opt.temperature));
    }
    progress.update(voices.size());
  }
  progress.finish();
  for (std::size_t i = 0; i < voices.size(); ++i) name_generated_voice(voices[i], VoiceOrigin::Sample, i + 1);

  const auto paths = write_cartridges(opt.out, voices, opt.force);
  std::FILE* report = report_stream(opt.out);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const std::size_t first = i * 32, last = std::min(voices.size(), first + 32);
    std::fprintf(report, "wrote %s: voices %s .. %s%s\n", paths[i].c_str(), voices[first].name().c_str(),
                 voices[last - 1].name().c_str(),
                 last - first < 32 ? (", " + plural(32 - (last - first), "INIT VOICE slot")).c_str() : "");
  }
  if (filter)
    std::fprintf(report, "--audible: rejected %s, drew %zu\n",
                 plural(filter->rejected, "silent or non-finite candidate").c_str(), filter->rejected + voices.size());
  if (like)
    std::fprintf(report, "locked to %s (\"%s\"), overwritten after decoding: %s\n", like_ref->text.c_str(),
                 like->name().c_str(), describe_locks(locks).c_str());
  const std::string source = region ? "from category '" + region->name + "'" : std::string("from the prior");
  std::fprintf(report, "%s %s, seed %llu, temperature %g, model %s\n", plural(voices.size(), "voice").c_str(),
               source.c_str(), static_cast<unsigned long long>(seed), static_cast<double>(opt.temperature),
               decoder->path().c_str());
}

}  // namespace

void register_sample(CLI::App& app) {
  auto opt = std::make_shared<SampleOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sample", "Voices from the model's prior as 32-voice cartridges (more than 32: OUT-1.syx, OUT-2.syx, ...)");
  cmd->add_option("-n,--count", opt->count, "number of voices")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--seed", opt->seed, "random seed (default: a random one, printed)");
  cmd->add_option("--temperature", opt->temperature,
                  "0: each parameter's most likely value; > 0: drawn from its categorical at this temperature")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 100.0f));
  cmd->add_option("-o,--output", opt->out, "cartridge file (.syx); - for standard output (required)");
  add_force_option(*cmd, opt->force);
  cmd->add_flag("--audible", opt->audible,
                "render each candidate with hexter (note 60, velocity 100, 1 s + 1 s) and draw again when it is "
                "silent (< -60 dBFS RMS) or has non-finite samples");
  cmd->add_option("--category", opt->category,
                  "draw from this kind of sound's region of the latent space (the Gaussian of its training "
                  "voices) instead of the prior; --list-categories shows them");
  cmd->add_flag("--list-categories", opt->list_categories, "print the model's categories and exit");
  cmd->add_option("--lock", opt->locks,
                  "keep these parameters of the --like voice in every sampled voice (repeatable or "
                  "comma-separated): a parameter's name (\"OP3 EG rate 2\") or a group: algorithm, feedback, "
                  "transpose, tuning, op1..op6 (\"OP3 *\"), pitch-eg, lfo, envelopes, levels. The locked values "
                  "overwrite the decoded ones; the other parameters are not decoded to fit them")
      ->expected(1)
      ->take_all()
      ->allow_extra_args(false);  // one list per --lock: repeated, never swallowing what follows
  cmd->add_option("--like", opt->like, "FILE:SLOT: the reference voice for --lock");
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_sample(*opt); });
}

}  // namespace dxlatent::app
