// HexterRenderer against Debian's hexter: playable WAVs of the asked length,
// repeatable renders, and a clear error when the plugin is missing. The tests
// that need hexter skip when it is not installed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>

#include "dxlatent/render/audio_stats.hpp"
#include "dxlatent/render/hexter_renderer.hpp"
#include "dxlatent/render/wav_file.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "test_voices.hpp"

using namespace dxlatent;
using namespace dxlatent::render;
namespace fs = std::filesystem;

namespace {

Voice random_valid_voice(std::mt19937& rng) {
  Voice v;
  for (const ParamInfo& p : param_table())
    v.bytes[p.offset] = static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, p.max)(rng));
  v.set_name("RANDOM");
  return v;
}

AudioStats stats_of(const std::vector<float>& s, unsigned rate, double hold) {
  AudioAnalyzer a;
  return a.analyze(s, rate, static_cast<std::size_t>(rate * hold));
}

}  // namespace

TEST(HexterRenderer, RendersAPlayableWavAtTheGivenNoteVelocityRateAndLength) {
  REQUIRE_HEXTER();
  HexterRenderer r({}, 48000);
  EXPECT_TRUE(r.repeatable()) << "hexter's malloc was not redirected";
  const NoteSpec spec{64, 90, 0.5, 0.25};
  const auto samples = r.render_note(test::epiano(), spec);
  ASSERT_EQ(samples.size(), 36000u);
  EXPECT_EQ(r.note_frames(spec), 36000u);

  const fs::path wav = fs::temp_directory_path() / ("dxlatent_render_" + std::to_string(::getpid()) + ".wav");
  write_wav(wav, samples, 48000);
  const WavData back = read_wav(wav);
  fs::remove(wav);
  EXPECT_EQ(back.rate, 48000u);
  EXPECT_EQ(back.channels, 1);
  ASSERT_EQ(back.samples.size(), 36000u);
  const AudioStats s = stats_of(back.samples, 48000, 0.5);
  EXPECT_FALSE(s.silent) << s.rms_dbfs;
  EXPECT_EQ(s.nonfinite, 0u);
  EXPECT_LT(s.peak_dbfs, 0.0);
  EXPECT_GT(s.rms_dbfs, -45.0);
  // 24-bit PCM: the file holds the render to within 2^-23.
  for (std::size_t i = 0; i < samples.size(); i += 997) EXPECT_NEAR(back.samples[i], samples[i], 1e-6);
}

TEST(HexterRenderer, SameVoiceSameSamplesTwiceAndAfterOtherVoices) {
  REQUIRE_HEXTER();
  HexterRenderer r;
  const NoteSpec spec{60, 100, 1.0, 1.0};
  const auto first = r.render_note(test::epiano(), spec);
  EXPECT_EQ(r.render_note(test::epiano(), spec), first) << "twice in a row";
  // Other voices in between, with other notes: different memory contents,
  // different phases and rand() draws left behind.
  std::mt19937 rng(3);
  r.render_note(test::brass(), {36, 127, 0.7, 0.1});
  for (int i = 0; i < 5; ++i) r.render_note(random_valid_voice(rng), {static_cast<std::uint8_t>(40 + 7 * i), 80, 0.3, 0.3});
  EXPECT_EQ(r.render_note(test::epiano(), spec), first) << "after other voices";
  HexterRenderer fresh;
  EXPECT_EQ(fresh.render_note(test::epiano(), spec), first) << "in another renderer";
}

TEST(HexterRenderer, CorpusSynLeadIsRepeatable) {
  REQUIRE_HEXTER();
  // hexter.md's example: "SYN-LEAD 1" moved by 4.6 dB between two plain renders.
  const fs::path corpus = fs::path(DXLATENT_SHARED_DATA) / "collection.bin";
  if (!fs::exists(corpus)) GTEST_SKIP() << corpus << " not found";
  const VoiceFile f = read_voice_file(corpus);
  const Voice* lead = nullptr;
  for (const SourcedVoice& sv : f.voices)
    if (sv.voice.name() == "SYN-LEAD 1" && is_valid(sv.voice)) {
      lead = &sv.voice;
      break;
    }
  if (!lead) GTEST_SKIP() << "no SYN-LEAD 1 in the corpus";
  HexterRenderer r;
  const auto a = r.render_note(*lead, {});
  for (std::size_t i = 0; i < 20; ++i) r.render_note(f.voices[i * 97].voice, {});
  EXPECT_EQ(r.render_note(*lead, {}), a);
}

TEST(HexterRenderer, NoteAndVelocityChangeTheSound) {
  REQUIRE_HEXTER();
  HexterRenderer r;
  const auto soft = stats_of(r.render_note(test::epiano(), {60, 30, 1.0, 0.5}), 44100, 1.0);
  const auto loud = stats_of(r.render_note(test::epiano(), {60, 127, 1.0, 0.5}), 44100, 1.0);
  EXPECT_GT(loud.rms_dbfs, soft.rms_dbfs + 3.0);  // key velocity sensitivity 2 on every operator
  const auto low = stats_of(r.render_note(test::epiano(), {48, 100, 1.0, 0.5}), 44100, 1.0);
  const auto high = stats_of(r.render_note(test::epiano(), {72, 100, 1.0, 0.5}), 44100, 1.0);
  EXPECT_GT(high.centroid_hz, low.centroid_hz * 1.5);
}

TEST(HexterRenderer, EventsPlayAChordAndAReleaseEndsIt) {
  REQUIRE_HEXTER();
  HexterRenderer r;
  const NoteEvent events[] = {{0, 60, 100}, {0, 64, 100}, {100, 67, 100},
                              {22050, 60, 0}, {22050, 64, 0}, {22050, 67, 0}};
  const auto s = r.render(test::brass(), events, 44100 * 3);
  ASSERT_EQ(s.size(), 44100u * 3);
  AudioAnalyzer a;
  const auto start = a.analyze(std::span<const float>(s).first(22050), 44100, 22050);
  const auto end = a.analyze(std::span<const float>(s).last(22050), 44100, 22050);
  EXPECT_FALSE(start.silent);
  EXPECT_LT(end.rms_dbfs, start.rms_dbfs - 20.0) << "released notes fade";
}

TEST(HexterRenderer, MissingPluginIsPluginMissingNamingThePathAndThePackage) {
  try {
    HexterRenderer r("/nonexistent/hexter.so");
    FAIL() << "no exception";
  } catch (const PluginMissing& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/nonexistent/hexter.so"), std::string::npos) << what;
    EXPECT_NE(what.find("apt-get install hexter"), std::string::npos) << what;
  }
  // A library that is not a DSSI plugin.
  EXPECT_THROW(HexterRenderer("libm.so.6"), PluginMissing);
  EXPECT_THROW(HexterRenderer({}, 100), RenderError);
}

TEST(HexterRenderer, DefaultPathFollowsTheEnvironment) {
  ::setenv("DXLATENT_HEXTER", "/opt/x/hexter.so", 1);
  EXPECT_EQ(HexterRenderer::default_plugin_path(), "/opt/x/hexter.so");
  ::unsetenv("DXLATENT_HEXTER");
  EXPECT_EQ(HexterRenderer::default_plugin_path(), "/usr/lib/dssi/hexter.so");
}
