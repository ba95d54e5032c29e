#pragma once
// Measurements of a rendered voice and of a set of them, as defined in
// ../shared/docs/hexter.md for the corpus figures. Pure (FFTW for the spectrum,
// nothing else): no plugin, no files.
//  - rms_dbfs: RMS over the whole render, 20*log10(rms) with full scale 1.0
//    (a full-scale sine is -3.01 dBFS); floored at kFloorDbfs for digital silence.
//  - peak_dbfs: the largest |sample|, same scale and floor.
//  - centroid_hz: 8 Hann-windowed 2048-point frames spread evenly over the held
//    part (first frame at its start, last ending at its end; one zero-padded
//    frame if it is shorter than 2048), magnitudes of bins 0..1024 summed over
//    the frames, sum(f * M) / sum(M); 0 when the held part is digital silence.
//  - silent: rms_dbfs < -60.
//  - nonfinite: NaN/inf samples; they count as 0 in every other measure.
// Thread safety: an AudioAnalyzer belongs to one thread (its FFT buffers); make
// one per thread. summarize() and percentile() are pure, any thread.

#include <cstddef>
#include <span>
#include <vector>

namespace dxlatent::render {

inline constexpr double kSilentDbfs = -60.0;
inline constexpr double kFloorDbfs = -200.0;
inline constexpr std::size_t kCentroidFrames = 8;
inline constexpr std::size_t kCentroidFft = 2048;

struct AudioStats {
  double rms_dbfs = kFloorDbfs;
  double peak_dbfs = kFloorDbfs;
  double centroid_hz = 0.0;
  bool silent = true;
  std::size_t nonfinite = 0;
};

class AudioAnalyzer {
 public:
  AudioAnalyzer();  ///< plans the FFT (serialised: FFTW's planner is not thread-safe). Any thread.
  ~AudioAnalyzer();
  AudioAnalyzer(const AudioAnalyzer&) = delete;
  AudioAnalyzer& operator=(const AudioAnalyzer&) = delete;

  /// Stats of `samples` at `rate`; the first `held_frames` are the held part
  /// (clamped to the length). The owning thread.
  AudioStats analyze(std::span<const float> samples, double rate, std::size_t held_frames);

 private:
  float* in_;
  void* out_;   // fftwf_complex*
  void* plan_;  // fftwf_plan
  std::vector<float> window_;
  std::vector<double> magnitudes_;
};

/// median, 10th and 90th percentile (linear interpolation between order
/// statistics, as numpy.percentile's default); all 0 for an empty set.
struct Distribution {
  double median = 0, p10 = 0, p90 = 0;
};

/// A set of renders: RMS over every render; the centroid over the non-silent ones
/// only (a silent render's spectrum is noise or nothing, so its centroid means nothing).
struct SetSummary {
  std::size_t count = 0;
  std::size_t silent = 0;
  std::size_t with_nonfinite = 0;  ///< renders with any NaN/inf sample
  double silent_share = 0;         ///< silent / count
  Distribution rms_dbfs;
  Distribution centroid_hz;        ///< over count - silent renders
};

SetSummary summarize(std::span<const AudioStats> stats);
/// The p-th percentile (0..100) of `values`, numpy's default (linear) definition.
double percentile(std::vector<double> values, double p);

}  // namespace dxlatent::render
