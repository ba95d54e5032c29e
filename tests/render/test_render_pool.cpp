// RenderPool: worker processes give the in-process results, in input order; and
// the corpus statistics of ../shared/docs/hexter.md, on a seeded sample of the
// corpus (skipped when the corpus or hexter is absent).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>

#include "dxlatent/render/render_pool.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "test_voices.hpp"

using namespace dxlatent;
using namespace dxlatent::render;
namespace fs = std::filesystem;

namespace {

std::vector<RenderJob> some_jobs() {
  std::mt19937 rng(11);
  std::vector<RenderJob> jobs;
  for (int i = 0; i < 13; ++i) {
    Voice v = i % 2 ? test::epiano() : test::brass();
    v.bytes[test::op(2) + 16] = static_cast<std::uint8_t>(rng() % 100);  // vary a modulator's level
    jobs.push_back({v, NoteSpec{static_cast<std::uint8_t>(48 + i), 100, 0.3, 0.2}});
  }
  return jobs;
}

}  // namespace

TEST(RenderPool, WorkersGiveTheInProcessResultsInInputOrder) {
  REQUIRE_HEXTER();
  HexterRenderer r;
  const auto jobs = some_jobs();
  std::vector<std::vector<float>> one, three;
  std::vector<AudioStats> stats_one, stats_three;
  RenderPool(r, 1).run(jobs, true, [&](std::size_t i, RenderResult& res) {
    EXPECT_EQ(i, one.size());
    one.push_back(res.samples);
    stats_one.push_back(res.stats);
  });
  RenderPool(r, 3).run(jobs, true, [&](std::size_t i, RenderResult& res) {
    EXPECT_EQ(i, three.size());
    three.push_back(res.samples);
    stats_three.push_back(res.stats);
  });
  ASSERT_EQ(one.size(), jobs.size());
  ASSERT_EQ(three.size(), jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    EXPECT_EQ(one[i], three[i]) << "job " << i;
    EXPECT_EQ(stats_one[i].rms_dbfs, stats_three[i].rms_dbfs) << "job " << i;
    EXPECT_EQ(stats_one[i].centroid_hz, stats_three[i].centroid_hz) << "job " << i;
    EXPECT_EQ(one[i].size(), 22050u);
  }
  // Without keep_samples only the stats come back.
  RenderPool(r, 2).run(jobs, false, [&](std::size_t i, RenderResult& res) {
    EXPECT_TRUE(res.samples.empty());
    EXPECT_EQ(res.stats.rms_dbfs, stats_one[i].rms_dbfs);
  });
}

TEST(RenderPool, AnExceptionInTheCallbackStopsTheWorkers) {
  REQUIRE_HEXTER();
  HexterRenderer r;
  const auto jobs = some_jobs();
  std::size_t seen = 0;
  EXPECT_THROW(RenderPool(r, 2).run(jobs, true,
                                    [&](std::size_t i, RenderResult&) {
                                      seen = i + 1;
                                      if (i == 3) throw std::runtime_error("stop");
                                    }),
               std::runtime_error);
  EXPECT_EQ(seen, 4u);
}

// hexter.md: the corpus's 26,799 valid voices at note 60, velocity 100, 1 s + 1 s,
// 44.1 kHz: 0.90% silent, RMS median -25.6 dBFS (p10 -33.8, p90 -20.8), centroid
// median 1,309 Hz (p10 494, p90 5,109). A seeded sample of 3,000 stays within
// sampling noise of those (binomial sd of the silent share ~0.17 points).
TEST(RenderPool, CorpusSampleMatchesTheFiguresInHexterMd) {
  REQUIRE_HEXTER();
  const fs::path corpus = fs::path(DXLATENT_SHARED_DATA) / "collection.bin";
  if (!fs::exists(corpus)) GTEST_SKIP() << corpus << " not found: corpus statistics skipped";
  std::vector<Voice> valid;
  for (const SourcedVoice& sv : read_voice_file(corpus).voices)
    if (is_valid(sv.voice)) valid.push_back(sv.voice);
  EXPECT_EQ(valid.size(), 26799u);
  std::mt19937_64 rng(2024);
  std::shuffle(valid.begin(), valid.end(), rng);
  valid.resize(3000);
  std::vector<RenderJob> jobs;
  for (const Voice& v : valid) jobs.push_back({v, NoteSpec{60, 100, 1.0, 1.0}});

  HexterRenderer r;
  std::vector<AudioStats> stats(jobs.size());
  const auto t0 = std::chrono::steady_clock::now();
  RenderPool(r, RenderPool::default_workers()).run(jobs, false, [&](std::size_t i, RenderResult& res) {
    stats[i] = res.stats;
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const SetSummary s = summarize(stats);
  std::printf("3000 corpus voices in %.1f s: %.2f%% silent, RMS %.1f (%.1f, %.1f) dBFS, centroid %.0f (%.0f, %.0f) Hz\n",
              secs, 100 * s.silent_share, s.rms_dbfs.median, s.rms_dbfs.p10, s.rms_dbfs.p90, s.centroid_hz.median,
              s.centroid_hz.p10, s.centroid_hz.p90);
  EXPECT_NEAR(s.silent_share, 0.0090, 0.0060);
  EXPECT_NEAR(s.rms_dbfs.median, -25.6, 0.8);
  EXPECT_NEAR(s.rms_dbfs.p10, -33.8, 1.2);
  EXPECT_NEAR(s.rms_dbfs.p90, -20.8, 0.8);
  EXPECT_NEAR(s.centroid_hz.median, 1309.0, 100.0);
  EXPECT_NEAR(s.centroid_hz.p10, 494.0, 60.0);
  EXPECT_NEAR(s.centroid_hz.p90, 5109.0, 500.0);
  EXPECT_EQ(s.with_nonfinite, 0u);
}
