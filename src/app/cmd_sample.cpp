// `dxlatent sample [-n 32] [--seed S] [--temperature T] -o cart.syx`: voices from
// the model's prior, written as 32-voice cartridges.
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
#include "dxlatent/model/latent_sampler.hpp"
#include "dxlatent/model/voice_naming.hpp"
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

void run_sample(const SampleOptions& opt) {
  check_cartridge_output(opt.out, opt.count, {}, opt.force);
  const std::uint64_t seed = opt.seed ? *opt.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  if (!opt.seed) std::fprintf(stderr, "dxlatent: seed %llu (pass --seed to repeat)\n", static_cast<unsigned long long>(seed));
  auto decoder = load_decoder(opt.model);
  std::vector<Voice> voices;
  std::optional<AudibleFilter> filter;
  if (opt.audible) filter.emplace();
  auto keep = [&](const Voice& v) {
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
    for (std::size_t i = 0; i < kChunk && voices.size() + zs.size() < opt.count; ++i) zs.push_back(latents.prior());
    if (opt.temperature <= 0.0f) {
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
  std::fprintf(report, "%s from the prior, seed %llu, temperature %g, model %s\n",
               plural(voices.size(), "voice").c_str(), static_cast<unsigned long long>(seed),
               static_cast<double>(opt.temperature), decoder->path().c_str());
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
  cmd->add_option("-o,--output", opt->out, "cartridge file (.syx); - for standard output")->required();
  add_force_option(*cmd, opt->force);
  cmd->add_flag("--audible", opt->audible,
                "render each candidate with hexter (note 60, velocity 100, 1 s + 1 s) and draw again when it is "
                "silent (< -60 dBFS RMS) or has non-finite samples");
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_sample(*opt); });
}

}  // namespace dxlatent::app
