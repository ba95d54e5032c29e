// `dxlatent sample [-n 32] [--seed S] [--temperature T] -o cart.syx`: voices from
// the model's prior, written as 32-voice cartridges.
//
// Reproducible: the latents and the temperature draws come from two
// std::mt19937_64 streams seeded from --seed (LatentSampler), never from
// LibTorch's RNG, so the same seed, count, temperature and model give the same
// bytes on any machine. The streams are separate so that the first 32 voices of
// `-n 64` are the voices of `-n 32` with the same seed.
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
  bool force = false;
  ModelOptions model;
};

void run_sample(const SampleOptions& opt) {
  check_cartridge_output(opt.out, opt.count, {}, opt.force);
  const std::uint64_t seed = opt.seed ? *opt.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  if (!opt.seed) std::fprintf(stderr, "dxlatent: seed %llu (pass --seed to repeat)\n", static_cast<unsigned long long>(seed));
  auto decoder = load_decoder(opt.model);

  LatentSampler latents(seed), picks(seed ^ kPickStream);
  std::vector<Voice> voices;
  voices.reserve(opt.count);
  Progress progress("sample", opt.count);
  std::vector<Latent> zs;
  while (voices.size() < opt.count) {
    zs.clear();
    for (std::size_t i = 0; i < kChunk && voices.size() + zs.size() < opt.count; ++i) zs.push_back(latents.prior());
    if (opt.temperature <= 0.0f) {
      for (const Voice& v : decoder->decode_batch(zs)) voices.push_back(v);
    } else {
      const std::size_t k = decoder->logit_width();
      const auto logits = decoder->decode_logits(zs);
      for (std::size_t i = 0; i < zs.size(); ++i)
        voices.push_back(picks.sample_voice(std::span<const float>(logits).subspan(i * kSoundParams * k, kSoundParams * k),
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
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_sample(*opt); });
}

}  // namespace dxlatent::app
