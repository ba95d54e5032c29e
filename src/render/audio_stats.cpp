#include "dxlatent/render/audio_stats.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>

namespace dxlatent::render {
namespace {

std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

double to_dbfs(double amplitude) {
  return amplitude > 0 ? std::max(kFloorDbfs, 20.0 * std::log10(amplitude)) : kFloorDbfs;
}

}  // namespace

AudioAnalyzer::AudioAnalyzer() : window_(kCentroidFft), magnitudes_(kCentroidFft / 2 + 1) {
  std::lock_guard lock(planner_mutex());
  in_ = fftwf_alloc_real(kCentroidFft);
  out_ = fftwf_alloc_complex(kCentroidFft / 2 + 1);
  // FFTW_ESTIMATE: no timing measurements, so the same plan (and the same
  // rounding) on every run -- part of what makes the stats repeatable.
  plan_ = fftwf_plan_dft_r2c_1d(static_cast<int>(kCentroidFft), in_, static_cast<fftwf_complex*>(out_), FFTW_ESTIMATE);
  if (!in_ || !out_ || !plan_) throw std::runtime_error("FFTW: cannot plan a 2048-point FFT");
  // Periodic Hann window (scipy.signal.get_window('hann') / numpy-style STFT use).
  for (std::size_t i = 0; i < kCentroidFft; ++i)
    window_[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * M_PI * double(i) / double(kCentroidFft)));
}

AudioAnalyzer::~AudioAnalyzer() {
  std::lock_guard lock(planner_mutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
  fftwf_free(out_);
  fftwf_free(in_);
}

AudioStats AudioAnalyzer::analyze(std::span<const float> samples, double rate, std::size_t held_frames) {
  AudioStats s;
  double sum_sq = 0, peak = 0;
  for (float x : samples) {
    if (!std::isfinite(x)) {
      ++s.nonfinite;
      continue;
    }
    sum_sq += double(x) * double(x);
    peak = std::max(peak, double(std::fabs(x)));
  }
  s.rms_dbfs = samples.empty() ? kFloorDbfs : to_dbfs(std::sqrt(sum_sq / double(samples.size())));
  s.peak_dbfs = to_dbfs(peak);
  s.silent = s.rms_dbfs < kSilentDbfs;

  const std::size_t held = std::min(held_frames, samples.size());
  std::fill(magnitudes_.begin(), magnitudes_.end(), 0.0);
  const std::size_t frames = held >= kCentroidFft ? kCentroidFrames : (held > 0 ? 1 : 0);
  auto* out = static_cast<fftwf_complex*>(out_);
  for (std::size_t f = 0; f < frames; ++f) {
    const std::size_t start =
        frames == 1 ? 0 : static_cast<std::size_t>(std::llround(double(f) * double(held - kCentroidFft) / double(frames - 1)));
    for (std::size_t i = 0; i < kCentroidFft; ++i) {
      const float x = start + i < held ? samples[start + i] : 0.0f;
      in_[i] = std::isfinite(x) ? x * window_[i] : 0.0f;
    }
    fftwf_execute(static_cast<fftwf_plan>(plan_));
    for (std::size_t k = 0; k < magnitudes_.size(); ++k)
      magnitudes_[k] += std::hypot(double(out[k][0]), double(out[k][1]));
  }
  double total = 0, weighted = 0;
  for (std::size_t k = 0; k < magnitudes_.size(); ++k) {
    total += magnitudes_[k];
    weighted += magnitudes_[k] * double(k) * rate / double(kCentroidFft);
  }
  s.centroid_hz = total > 0 ? weighted / total : 0.0;
  return s;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * double(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (values[hi] - values[lo]) * (pos - double(lo));
}

namespace {
Distribution distribution(const std::vector<double>& v) {
  return {percentile(v, 50), percentile(v, 10), percentile(v, 90)};
}
}  // namespace

SetSummary summarize(std::span<const AudioStats> stats) {
  SetSummary s;
  s.count = stats.size();
  std::vector<double> rms, centroid;
  rms.reserve(stats.size());
  for (const AudioStats& a : stats) {
    rms.push_back(a.rms_dbfs);
    if (a.nonfinite) ++s.with_nonfinite;
    if (a.silent)
      ++s.silent;
    else
      centroid.push_back(a.centroid_hz);
  }
  s.silent_share = s.count ? double(s.silent) / double(s.count) : 0.0;
  s.rms_dbfs = distribution(rms);
  s.centroid_hz = distribution(centroid);
  return s;
}

}  // namespace dxlatent::render
