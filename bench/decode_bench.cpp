// decode_bench: how fast the shipped model decodes in C++ (TorchDecoder, the
// code path the live engine uses), on one thread.
//
//   decode_bench [--model PATH] [--calls 10000] [--threads 1] [--json]
//
// Single decode: 10,000 calls of decode(one latent) after a warm-up, each timed
// with steady_clock; p50, p99 and max. Batch throughput: decode_batch at 32 and
// 1,024 latents (and 256, the tools' chunk), voices per second over at least one second of calls. Latents
// are drawn from the prior (fixed seed) and vary from call to call, as knob
// moves do. --json prints one JSON object (for bench/decode_bench.py).
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dxlatent/model/latent_sampler.hpp"
#include "dxlatent/model/model_path.hpp"
#include "dxlatent/model/torch_decoder.hpp"

using namespace dxlatent;
using Clock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

struct Batch {
  std::size_t size;
  double voices_per_s;
};

Batch batch_throughput(TorchDecoder& dec, LatentSampler& rng, std::size_t size) {
  std::vector<Latent> zs(size);
  for (auto& z : zs) z = rng.prior();
  (void)dec.decode_batch(zs, 0);  // warm-up at this shape
  std::size_t voices = 0;
  const auto start = Clock::now();
  double seconds = 0;
  while (seconds < 1.0 || voices < 4 * size) {
    (void)dec.decode_batch(zs, 0);
    voices += size;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return {size, static_cast<double>(voices) / seconds};
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = default_model_path().string();
  std::size_t calls = 10000;
  int threads = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a == "--calls" && i + 1 < argc) calls = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "usage: decode_bench [--model PATH] [--calls N] [--threads N] [--json]\n");
      return 2;
    }
  }
  if (calls < 100) calls = 100;

  const auto load_start = Clock::now();
  TorchDecoder dec = [&] {
    try {
      return TorchDecoder(model, TorchDecoder::Options{threads});
    } catch (const ModelError& e) {
      std::fprintf(stderr, "decode_bench: %s\n", e.what());
      std::exit(1);
    }
  }();
  const double load_ms = std::chrono::duration<double, std::milli>(Clock::now() - load_start).count();
  // TorchDecoder pins OpenBLAS to one thread through dlsym; show that it took.
  int blas_threads = -1;
  if (void* f = dlsym(RTLD_DEFAULT, "openblas_get_num_threads")) blas_threads = reinterpret_cast<int (*)()>(f)();

  LatentSampler rng(12345);
  std::vector<Latent> zs(calls);
  for (auto& z : zs) z = rng.prior();
  for (std::size_t i = 0; i < 200; ++i) (void)dec.decode(zs[i % zs.size()]);  // warm-up (profiling executor)

  std::vector<double> us(calls);
  unsigned checksum = 0;  // keeps the calls observable
  for (std::size_t i = 0; i < calls; ++i) {
    const auto t0 = Clock::now();
    const Voice v = dec.decode(zs[i]);
    us[i] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
    checksum += v.bytes[134];
  }
  const double p50 = percentile(us, 0.50), p99 = percentile(us, 0.99), mx = *std::max_element(us.begin(), us.end());
  std::vector<double> enc_us(1000);
  const Voice probe = dec.decode(zs[0]);
  for (auto& t : enc_us) {
    const auto t0 = Clock::now();
    (void)dec.encode(probe);
    t = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  const Batch b32 = batch_throughput(dec, rng, 32);
  const Batch b256 = batch_throughput(dec, rng, 256);
  const Batch b1024 = batch_throughput(dec, rng, 1024);

  if (json) {
    std::printf(
        "{\"model\": \"%s\", \"threads\": %d, \"blas_threads\": %d, \"calls\": %zu, \"load_ms\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
        "\"max_us\": %.1f, \"encode_p50_us\": %.1f, \"batch32_vps\": %.0f, \"batch256_vps\": %.0f, \"batch1024_vps\": %.0f, \"checksum\": %u}\n",
        model.c_str(), threads, blas_threads, calls, load_ms, p50, p99, mx, percentile(enc_us, 0.5), b32.voices_per_s,
        b256.voices_per_s, b1024.voices_per_s, checksum);
    return 0;
  }
  std::printf("model %s, %d thread(s), OpenBLAS threads %d (-1: not OpenBLAS), load %.0f ms\n", model.c_str(),
              threads, blas_threads, load_ms);
  std::printf("single decode, %zu calls: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", calls, p50 / 1000, p99 / 1000,
              mx / 1000);
  std::printf("single encode, 1000 calls: p50 %.3f ms\n", percentile(enc_us, 0.5) / 1000);
  std::printf("batch 32: %.0f voices/s; batch 256: %.0f voices/s; batch 1024: %.0f voices/s\n", b32.voices_per_s,
              b256.voices_per_s, b1024.voices_per_s);
  return 0;
}
