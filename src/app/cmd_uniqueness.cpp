// `dxlatent uniqueness [-n 65536] [--seed S] [--corpus FILE]`: how varied the
// prior's voices are. Samples N latents from N(0, I), decodes them (argmax, or at
// --temperature), and counts the distinct sounds (names play no part), and with
// --corpus how many samples are exact copies of a corpus voice: a model that
// only reproduces its training set would score high there.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "commands.hpp"
#include "dxlatent/model/latent_sampler.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "model_tool.hpp"
#include "progress.hpp"

namespace dxlatent::app {
namespace {

constexpr std::uint64_t kPickStream = 0x9E3779B97F4A7C15ull;  // as in sample: same seed, same voices
constexpr std::size_t kChunk = 1024;

struct UniquenessOptions {
  std::size_t count = 65536;
  std::uint64_t seed = 1;
  float temperature = 0.0f;
  std::string corpus;
  ModelOptions model;
};

std::string sound_key(const Voice& v) {
  return std::string(reinterpret_cast<const char*>(v.bytes.data()), kSoundParams);
}

double percent(std::size_t a, std::size_t b) { return b ? 100.0 * static_cast<double>(a) / static_cast<double>(b) : 0.0; }

void run_uniqueness(const UniquenessOptions& opt) {
  std::unordered_set<std::string> corpus;
  std::size_t corpus_voices = 0;
  if (!opt.corpus.empty()) {
    VoiceFile file;
    try {
      file = read_voice_file(opt.corpus);
    } catch (const VoiceFileError& e) {
      throw BadInput(e.what());
    }
    report_problems(file, "dxlatent: warning: ");
    corpus_voices = file.voices.size();
    for (const SourcedVoice& sv : file.voices) corpus.insert(sound_key(sv.voice));
  }

  auto decoder = load_decoder(opt.model);
  LatentSampler latents(opt.seed), picks(opt.seed ^ kPickStream);
  std::unordered_map<std::string, std::size_t> seen;  // sound -> times sampled
  seen.reserve(opt.count);
  std::size_t copies = 0;
  std::unordered_set<std::string> corpus_hit;
  Progress progress("uniqueness", opt.count);
  std::vector<Latent> zs;
  for (std::size_t done = 0; done < opt.count;) {
    zs.clear();
    for (std::size_t i = 0; i < kChunk && done + zs.size() < opt.count; ++i) zs.push_back(latents.prior());
    std::vector<Voice> voices;
    if (opt.temperature <= 0.0f) {
      voices = decoder->decode_batch(zs);
    } else {
      const std::size_t k = decoder->logit_width();
      const auto logits = decoder->decode_logits(zs);
      for (std::size_t i = 0; i < zs.size(); ++i)
        voices.push_back(picks.sample_voice(std::span<const float>(logits).subspan(i * kSoundParams * k, kSoundParams * k),
                                            k, opt.temperature));
    }
    for (const Voice& v : voices) {
      std::string key = sound_key(v);
      if (corpus.count(key)) {
        ++copies;
        corpus_hit.insert(key);
      }
      ++seen[std::move(key)];
    }
    done += zs.size();
    progress.update(done);
  }
  progress.finish();

  std::size_t max_repeat = 0;
  for (const auto& [key, n] : seen) max_repeat = std::max(max_repeat, n);
  std::printf("samples: %zu from N(0, I), seed %llu, %s\n", opt.count, static_cast<unsigned long long>(opt.seed),
              opt.temperature > 0.0f ? ("temperature " + std::to_string(opt.temperature)).c_str() : "argmax decoding");
  std::printf("distinct voices: %zu (%.2f%%); the most repeated voice came %zu time(s)\n", seen.size(),
              percent(seen.size(), opt.count), max_repeat);
  if (!opt.corpus.empty()) {
    std::printf("corpus: %s, %s, %s\n", opt.corpus.c_str(), plural(corpus_voices, "voice").c_str(),
                plural(corpus.size(), "distinct sound").c_str());
    std::printf("equal to a corpus voice (names ignored): %zu samples (%.2f%%), %zu distinct corpus voices\n",
                copies, percent(copies, opt.count), corpus_hit.size());
  }
  std::printf("model: %s\n", decoder->path().c_str());
}

}  // namespace

void register_uniqueness(CLI::App& app) {
  auto opt = std::make_shared<UniquenessOptions>();
  CLI::App* cmd = app.add_subcommand(
      "uniqueness", "How many distinct voices the prior gives, and how many equal a corpus voice");
  cmd->add_option("-n,--count", opt->count, "samples")->capture_default_str()->check(CLI::Range(1, 1 << 24));
  cmd->add_option("--seed", opt->seed, "random seed")->capture_default_str();
  cmd->add_option("--temperature", opt->temperature, "0: argmax; > 0: sample each parameter at this temperature")
      ->capture_default_str()
      ->check(CLI::Range(0.0f, 100.0f));
  cmd->add_option("--corpus", opt->corpus, "voice file to compare with (e.g. ../shared/data/collection.bin)");
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_uniqueness(*opt); });
}

}  // namespace dxlatent::app
