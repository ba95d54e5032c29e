// The analysis core on synthetic signals whose answers are known in closed form.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "dxlatent/render/audio_stats.hpp"

using namespace dxlatent::render;

namespace {

constexpr double kRate = 44100.0;

std::vector<float> sine(double freq, double amp, std::size_t n, double rate = kRate) {
  std::vector<float> s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<float>(amp * std::sin(2.0 * M_PI * freq * double(i) / rate));
  return s;
}

}  // namespace

TEST(AudioStats, SineCentroidIsItsFrequency) {
  AudioAnalyzer a;
  for (double f : {220.0, 1000.0, 1309.0, 5000.0}) {
    const auto s = sine(f, 0.5, 88200);
    const AudioStats st = a.analyze(s, kRate, 44100);
    // Hann leakage is symmetric around the peak: within a fraction of a bin (21.5 Hz).
    EXPECT_NEAR(st.centroid_hz, f, 5.0) << f;
  }
}

TEST(AudioStats, CentroidLooksOnlyAtTheHeldPart) {
  AudioAnalyzer a;
  auto s = sine(500.0, 0.5, 44100);
  const auto tail = sine(8000.0, 0.5, 44100);
  s.insert(s.end(), tail.begin(), tail.end());
  EXPECT_NEAR(a.analyze(s, kRate, 44100).centroid_hz, 500.0, 5.0);
  // Held part = all of it: both tones, equal magnitude: their mean.
  EXPECT_NEAR(a.analyze(s, kRate, s.size()).centroid_hz, 4250.0, 60.0);
}

TEST(AudioStats, TwoEqualSinesGiveTheMiddleFrequency) {
  AudioAnalyzer a;
  auto s = sine(1000.0, 0.25, 44100);
  const auto t = sine(3000.0, 0.25, 44100);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] += t[i];
  EXPECT_NEAR(a.analyze(s, kRate, s.size()).centroid_hz, 2000.0, 10.0);
}

TEST(AudioStats, RmsAndPeakOfAKnownSignal) {
  AudioAnalyzer a;
  // A full-scale sine: RMS 1/sqrt(2) = -3.01 dBFS, peak 0 dBFS.
  const auto full = a.analyze(sine(1000.0, 1.0, 44100), kRate, 44100);
  EXPECT_NEAR(full.rms_dbfs, -3.0103, 0.01);
  EXPECT_NEAR(full.peak_dbfs, 0.0, 0.01);
  EXPECT_FALSE(full.silent);
  // A square of +-0.1: RMS = peak = -20 dBFS.
  std::vector<float> sq(1000);
  for (std::size_t i = 0; i < sq.size(); ++i) sq[i] = i % 2 ? 0.1f : -0.1f;
  const auto s = a.analyze(sq, kRate, sq.size());
  EXPECT_NEAR(s.rms_dbfs, -20.0, 1e-4);
  EXPECT_NEAR(s.peak_dbfs, -20.0, 1e-4);
  // Half the samples zero: RMS drops by 3.01 dB, peak stays.
  sq.resize(2000, 0.0f);
  EXPECT_NEAR(a.analyze(sq, kRate, 1000).rms_dbfs, -23.0103, 1e-3);
}

TEST(AudioStats, SilenceIsSilentWithTheFloorAndNoCentroid) {
  AudioAnalyzer a;
  const std::vector<float> zeros(88200, 0.0f);
  const AudioStats s = a.analyze(zeros, kRate, 44100);
  EXPECT_TRUE(s.silent);
  EXPECT_EQ(s.rms_dbfs, kFloorDbfs);
  EXPECT_EQ(s.peak_dbfs, kFloorDbfs);
  EXPECT_EQ(s.centroid_hz, 0.0);
  EXPECT_EQ(s.nonfinite, 0u);
  // -60 dBFS is the line: a sine at RMS -61 dBFS is silent, at -59 it is not.
  const double amp61 = std::sqrt(2.0) * std::pow(10.0, -61.0 / 20.0);
  const double amp59 = std::sqrt(2.0) * std::pow(10.0, -59.0 / 20.0);
  EXPECT_TRUE(a.analyze(sine(440, amp61, 44100), kRate, 44100).silent);
  EXPECT_FALSE(a.analyze(sine(440, amp59, 44100), kRate, 44100).silent);
}

TEST(AudioStats, NonFiniteSamplesAreCountedAndIgnored) {
  AudioAnalyzer a;
  auto s = sine(1000.0, 0.5, 44100);
  const AudioStats clean = a.analyze(s, kRate, 44100);
  s[10] = std::numeric_limits<float>::quiet_NaN();
  s[20] = std::numeric_limits<float>::infinity();
  s[30] = -std::numeric_limits<float>::infinity();
  const AudioStats dirty = a.analyze(s, kRate, 44100);
  EXPECT_EQ(dirty.nonfinite, 3u);
  EXPECT_TRUE(std::isfinite(dirty.rms_dbfs));
  EXPECT_TRUE(std::isfinite(dirty.peak_dbfs));
  EXPECT_TRUE(std::isfinite(dirty.centroid_hz));
  EXPECT_NEAR(dirty.rms_dbfs, clean.rms_dbfs, 0.01);
  EXPECT_NEAR(dirty.centroid_hz, 1000.0, 10.0);
}

TEST(AudioStats, ShortHeldPartUsesOneZeroPaddedFrame) {
  AudioAnalyzer a;
  const auto s = sine(2000.0, 0.5, 1500);
  // The sine stops inside the window: its sharp edge leaks upwards, hence the wide margin.
  EXPECT_NEAR(a.analyze(s, kRate, 1500).centroid_hz, 2000.0, 250.0);
  EXPECT_EQ(a.analyze(std::vector<float>{}, kRate, 0).rms_dbfs, kFloorDbfs);
}

TEST(AudioStats, PercentileIsNumpysLinearDefinition) {
  // numpy.percentile([1, 2, 3, 4], [10, 50, 90]) == [1.3, 2.5, 3.7]
  const std::vector<double> v{4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(percentile(v, 50), 2.5);
  EXPECT_NEAR(percentile(v, 10), 1.3, 1e-12);
  EXPECT_NEAR(percentile(v, 90), 3.7, 1e-12);
  EXPECT_EQ(percentile({}, 50), 0.0);
  EXPECT_EQ(percentile({7}, 90), 7.0);
}

TEST(AudioStats, SummaryCountsSilentAndTakesCentroidsOfAudibleOnly) {
  std::vector<AudioStats> set;
  for (int i = 0; i < 9; ++i) set.push_back({-20.0 - i, -10.0, 1000.0 + 100.0 * i, false, 0});
  set.push_back({kFloorDbfs, kFloorDbfs, 9999.0, true, 2});  // silent, with NaNs: its centroid is left out
  const SetSummary s = summarize(set);
  EXPECT_EQ(s.count, 10u);
  EXPECT_EQ(s.silent, 1u);
  EXPECT_EQ(s.with_nonfinite, 1u);
  EXPECT_DOUBLE_EQ(s.silent_share, 0.1);
  EXPECT_DOUBLE_EQ(s.centroid_hz.median, 1400.0);
  EXPECT_NEAR(s.centroid_hz.p10, 1080.0, 1e-9);
  EXPECT_NEAR(s.centroid_hz.p90, 1720.0, 1e-9);
  // RMS over all ten: sorted -200, -28 .. -20; median between -25 and -24.
  EXPECT_DOUBLE_EQ(s.rms_dbfs.median, -24.5);
  const SetSummary empty = summarize({});
  EXPECT_EQ(empty.count, 0u);
  EXPECT_EQ(empty.silent_share, 0.0);
}
