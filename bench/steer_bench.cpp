// steer_bench: what steering does to the voices that reach the synth, measured
// with the shipped model through the live engine's own parts (KnobSpace and
// DecodeStage, as the decode thread runs them). Issue 12's figures:
//
//   steer_bench [--corpus ../shared/data/collection.bin] [--model PATH]
//               [--anchors 200] [--steps 2000] [--seed 1]
//
// 1. The exact anchor: for anchor voices drawn from the corpus, the sound
//    parameters (of 145) that differ from the anchor with the knobs centred
//    and after moving one knob by 1, 4, 16 steps and to either end, each of the
//    eight knobs in turn. "reconstruction" is what the knobs' centre played
//    before the rule: the decode of the anchor's latent point.
// 2. Locks: from random knob positions of the whole space, one knob turned to a
//    random value: how often the algorithm changes, free and with the algorithm
//    locked (the decoder given the algorithm), and how many parameters a step
//    still changes under the lock.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "dxlatent/control/knob_space.hpp"
#include "dxlatent/engine/decode_stage.hpp"
#include "dxlatent/model/model_path.hpp"
#include "dxlatent/model/torch_decoder.hpp"
#include "dxlatent/voice/voice_file.hpp"

using namespace dxlatent;

namespace {

std::size_t differing(const Voice& a, const Voice& b) {
  std::size_t n = 0;
  for (std::size_t p = 0; p < kSoundParams; ++p) n += a.bytes[p] != b.bytes[p];
  return n;
}

struct Summary {
  double median, mean, p90;
};

Summary summarise(std::vector<double> v) {
  if (v.empty()) return {0, 0, 0};
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  auto at = [&](double q) { return v[std::min(v.size() - 1, std::size_t(q * double(v.size() - 1) + 0.5))]; };
  return {at(0.5), sum / double(v.size()), at(0.9)};
}

void row(const char* what, const std::vector<double>& v, const char* extra = "") {
  const Summary s = summarise(v);
  std::printf("  %-34s %8.1f %8.2f %8.1f  %s\n", what, s.median, s.mean, s.p90, extra);
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus = "../shared/data/collection.bin", model = default_model_path().string();
  std::size_t anchors = 200, steps = 2000;
  unsigned seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--corpus") corpus = next();
    else if (a == "--model") model = next();
    else if (a == "--anchors") anchors = std::stoul(next());
    else if (a == "--steps") steps = std::stoul(next());
    else if (a == "--seed") seed = unsigned(std::stoul(next()));
    else {
      std::fprintf(stderr, "usage: steer_bench [--corpus FILE] [--model PATH] [--anchors N] [--steps N] [--seed N]\n");
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  TorchDecoder decoder(model);
  const VoiceFile file = read_voice_file(corpus);
  std::vector<Voice> pool;
  for (const auto& e : file.voices)
    if (is_valid(e.voice)) pool.push_back(e.voice);
  if (pool.empty()) {
    std::fprintf(stderr, "%s: no valid voices\n", corpus.c_str());
    return 1;
  }
  std::mt19937 rng(seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  pool.resize(std::min(anchors, pool.size()));
  std::printf("steer_bench: model %s, %zu anchor voices from %s, %zu random steps, seed %u\n\n", model.c_str(),
              pool.size(), corpus.c_str(), steps, seed);

  // 1. The exact anchor.
  const int offsets[] = {1, 4, 16};
  std::vector<double> recon, centre;
  std::vector<std::vector<double>> moved(3);
  std::vector<double> ends, ends_alg;
  for (const Voice& anchor : pool) {
    const Latent z = decoder.encode(anchor);
    SteeringSetup s;
    s.anchor = std::pair{z, anchor};
    DecodeStage stage(decoder, 0, s);
    KnobSpace space({LatentMap(decoder.quantiles(), {}, z)}, Takeover::Jump);
    recon.push_back(double(differing(decoder.decode(z), anchor)));
    centre.push_back(double(differing(stage.initial_voice(space.latent(), anchor), anchor)));
    for (std::size_t d = 0; d < kLatentDims; ++d) {
      for (std::size_t k = 0; k < 3; ++k) {
        for (int sign : {-1, 1}) {
          KnobSpace sp = space;
          sp.move(d, std::uint8_t(64 + sign * offsets[k]));
          const auto v = stage.decode_if_changed(sp.latent());
          moved[k].push_back(double(differing(v ? *v : anchor, anchor)));
        }
      }
      for (std::uint8_t end : {std::uint8_t(0), std::uint8_t(127)}) {
        KnobSpace sp = space;
        sp.move(d, end);
        const auto v = stage.decode_if_changed(sp.latent());
        const Voice got = v ? *v : anchor;
        ends.push_back(double(differing(got, anchor)));
        ends_alg.push_back(got.algorithm() != anchor.algorithm() ? 1.0 : 0.0);
      }
    }
  }
  std::printf("1. Anchored knobs: sound parameters (of 145) that differ from the anchor voice\n");
  std::printf("  %-34s %8s %8s %8s\n", "", "median", "mean", "p90");
  row("reconstruction (before the rule)", recon);
  row("knobs centred (the rule)", centre);
  for (std::size_t k = 0; k < 3; ++k) {
    const std::string what = "one knob moved +-" + std::to_string(offsets[k]);
    row(what.c_str(), moved[k]);
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "(algorithm differs in %.1f%%)", 100.0 * summarise(ends_alg).mean);
  row("one knob at an end (0 or 127)", ends, buf);

  // 2. Locks: random single-knob steps through the whole space.
  std::uniform_int_distribution<int> knob(0, 127), dim(0, int(kLatentDims) - 1);
  std::size_t alg_free = 0, alg_locked = 0;
  std::vector<double> changed_free, changed_locked;
  SteeringSetup locked;
  locked.locks = parse_locks("algorithm");
  for (std::size_t i = 0; i < steps; ++i) {
    KnobSpace sp({LatentMap(decoder.quantiles())}, Takeover::Jump);
    for (std::size_t d = 0; d < kLatentDims; ++d) sp.move(d, std::uint8_t(knob(rng)));
    const Latent from = sp.latent();
    std::uint8_t to = std::uint8_t(knob(rng));
    const std::size_t d = std::size_t(dim(rng));
    while (float(to) == sp.state().positions[d]) to = std::uint8_t(knob(rng));
    sp.move(d, to);
    const Voice a = decoder.decode(from), b = decoder.decode(sp.latent());
    alg_free += a.algorithm() != b.algorithm();
    changed_free.push_back(double(differing(a, b)));
    // Locked at the step's starting voice, as the lock button would lock it.
    DecodeStage ls(decoder, 0, locked);
    const Voice la = ls.initial_voice(from, a);
    const auto lb = ls.decode_if_changed(sp.latent());
    const Voice lbv = lb ? *lb : la;
    alg_locked += la.algorithm() != lbv.algorithm();
    changed_locked.push_back(double(differing(la, lbv)));
  }
  std::printf("\n2. One random knob step in the whole space (%zu steps)\n", steps);
  std::printf("  algorithm changes: free %.1f%%, locked %.1f%%\n", 100.0 * double(alg_free) / double(steps),
              100.0 * double(alg_locked) / double(steps));
  std::printf("  %-34s %8s %8s %8s\n", "parameters changed per step", "median", "mean", "p90");
  row("free", changed_free);
  row("algorithm locked (decoder given it)", changed_locked);
  std::printf("  the model %s on the algorithm\n",
              decoder.conditions_on_algorithm() ? "conditions its decoder" : "does NOT condition its decoder");
  return 0;
}
