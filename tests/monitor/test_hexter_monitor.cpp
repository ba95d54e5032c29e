// The built-in audio monitor (output kind "hexter"): first HexterMonitor called
// directly as JACK would, then through a real jackd: notes sent into
// dxlatent:control_in are heard on dxlatent:monitor_out (recorded by a capture
// client), silent before, and a voice change (a dump or a parameter change
// through MonitorOutput, the writer's path) changes what the same note sounds
// like -- into what the offline renderer makes of the new voice.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/midi_out/monitor_output.hpp"
#include "dxlatent/monitor/hexter_monitor.hpp"
#include "dxlatent/render/audio_stats.hpp"
#include "dxlatent/render/hexter_renderer.hpp"
#include "dxlatent/rig/audio_capture.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "render/test_voices.hpp"
#include "support/jack_test_server.hpp"
#include "support/test_midi_client.hpp"

namespace dxlatent {
namespace {

using dxlatent::testing::JackServerTest;
using dxlatent::testing::TestMidiClient;
using dxlatent::testing::wait_until;
using namespace std::chrono_literals;

constexpr std::uint32_t kRate = 48000;
constexpr std::uint32_t kPeriod = 64;

float peak(const std::vector<float>& s) {
  float p = 0;
  for (float x : s) p = std::max(p, std::abs(x));
  return p;
}

render::AudioStats stats(const std::vector<float>& s) {
  render::AudioAnalyzer a;
  return a.analyze(s, kRate, s.size());
}

// The test voice with oscillator key sync on. With it off (as in test_voices.hpp)
// hexter, like a DX7, starts a reused voice's oscillators at the phases its last
// note left them in, so a live note's brightness drifts from a fresh offline
// render by up to a third of an octave; with it on every note starts at phase 0
// and the two can be compared closely.
Voice synced(Voice v) {
  v.bytes[136] = 1;
  return v;
}

std::vector<std::uint8_t> dump(const Voice& v) {
  const auto d = sysex::encode_single_voice(v, 0);
  return {d.begin(), d.end()};
}

// ---- HexterMonitor alone: the calls JackClient makes, on this thread ------------

// `periods` periods of the monitor's output with `events` in the first one.
std::vector<float> play(HexterMonitor& m, std::vector<MonitorEvent> events, std::size_t periods) {
  std::vector<float> out(periods * kPeriod);
  for (std::size_t p = 0; p < periods; ++p) {
    m.process(p == 0 ? std::span<const MonitorEvent>(events) : std::span<const MonitorEvent>(), out.data() + p * kPeriod,
              kPeriod);
  }
  return out;
}

TEST(HexterMonitor, PlaysNotesWithTheVoiceItWasGivenAndIsSilentWithoutThem) {
  REQUIRE_HEXTER();
  HexterMonitor m;
  std::vector<float> buf(kPeriod, 1.0f);
  m.process({}, buf.data(), kPeriod);  // before prepare(): silence, not garbage
  EXPECT_EQ(peak(buf), 0.0f);

  ASSERT_TRUE(m.set_voice(test::epiano()));  // kept until the instance exists
  m.prepare(kRate, kPeriod);
  EXPECT_EQ(m.sample_rate(), kRate);
  EXPECT_EQ(peak(play(m, {}, 100)), 0.0f) << "sound without a note";

  const auto ep = play(m, {{10, 0x90, 60, 100}}, 375);  // 0.5 s
  ASSERT_GT(peak(ep), 0.01f);
  EXPECT_EQ(*std::find_if(ep.begin(), ep.end(), [](float x) { return x != 0; }), ep[10 + (ep[10] == 0)])
      << "the note starts at its frame offset";
  (void)play(m, {{0, 0x80, 60, 0}}, 1500);  // released and decayed (2 s)

  ASSERT_TRUE(m.set_voice(test::brass()));
  const auto br = play(m, {{0, 0x90, 60, 100}}, 375);
  const auto a = stats(ep), b = stats(br);
  EXPECT_GT(std::abs(std::log2(b.centroid_hz / a.centroid_hz)) + std::abs(b.rms_dbfs - a.rms_dbfs) / 6, 0.5)
      << "epiano: " << a.centroid_hz << " Hz " << a.rms_dbfs << " dBFS; brass: " << b.centroid_hz << " Hz "
      << b.rms_dbfs << " dBFS";
  EXPECT_EQ(m.voice()->bytes, test::brass().bytes);
}

TEST(HexterMonitor, AProgramChangeOrAnUnknownStatusIsNotPlayed) {
  REQUIRE_HEXTER();
  HexterMonitor m;
  m.prepare(kRate, kPeriod);
  ASSERT_TRUE(m.set_voice(test::brass()));
  EXPECT_EQ(peak(play(m, {{0, 0xC0, 5, 0}, {1, 0xF0, 1, 2}}, 50)), 0.0f);
}

// ---- through a real jackd ------------------------------------------------------

class HexterMonitorJack : public JackServerTest {
 protected:
  void SetUp() override {
    JackServerTest::SetUp();
    if (IsSkipped()) return;
    if (!std::filesystem::exists(render::HexterPlugin::default_path()))
      GTEST_SKIP() << render::HexterPlugin::default_path() << " not found (apt-get install hexter)";
    monitor_ = std::make_shared<HexterMonitor>();
    JackClientOptions o;
    o.client_name = "dxl";
    jack_ = std::make_unique<JackClient>(o);
    jack_->set_audio_monitor(monitor_, "^cap:in$");
    jack_->open();
    output_ = std::make_unique<MonitorOutput>(monitor_, *jack_);
    jack_->connect_matching("^src:out$", "");
    jack_->set_thru(true);
    jack_->activate();
    src_ = std::make_unique<TestMidiClient>("src");
    cap_ = std::make_unique<AudioCaptureClient>("cap", 30.0);
    ASSERT_EQ(cap_->sample_rate(), kRate);
    ASSERT_TRUE(wait_until([&] { return jack_->monitor_connection_count() == 1 && jack_->connection_count(false) == 1; }))
        << "monitor_out -> cap:in and src:out -> control_in were not connected by the patterns";
  }
  void TearDown() override {
    cap_.reset();
    src_.reset();
    output_.reset();
    jack_.reset();
    JackServerTest::TearDown();
  }

  // Records `d` of monitor_out from now.
  std::vector<float> record(std::chrono::milliseconds d) {
    const std::size_t from = cap_->frames();
    const std::size_t to = from + static_cast<std::size_t>(d.count()) * kRate / 1000;
    EXPECT_TRUE(wait_until([&] { return cap_->frames() >= to; }, d + 5s));
    return cap_->copy(from, to);
  }

  // Plays note 60 (velocity 100) for `held`, returns the audio from its first
  // sample on, then releases it and waits until the monitor is silent again.
  std::vector<float> note(std::chrono::milliseconds held) {
    const std::size_t from = cap_->frames();
    src_->send({0x90, 60, 100});
    auto s = record(held + 100ms);
    src_->send({0x80, 60, 0});
    const auto onset = std::find_if(s.begin(), s.end(), [](float x) { return x != 0; });
    EXPECT_NE(onset, s.end()) << "no sound after the note-on";
    std::vector<float> out(onset, s.end());
    out.resize(std::min<std::size_t>(out.size(), static_cast<std::size_t>(held.count()) * kRate / 1000));
    EXPECT_TRUE(wait_until([&] { return peak(record(50ms)) == 0.0f; }, 10s)) << "the note did not end";
    (void)from;
    return out;
  }

  // The offline renderer's first `frames` of note 60 / velocity 100 in `voice`.
  static std::vector<float> offline(const Voice& voice, std::size_t frames) {
    render::HexterRenderer r({}, kRate);
    auto s = r.render_note(voice, {60, 100, 2.0, 0.0});
    s.resize(frames);
    return s;
  }

  // The live note sounds like the offline render of `voice` (same level and
  // brightness; the sample-and-hold LFO's rand() and the phases may differ).
  static void expect_sounds_like(const std::vector<float>& live, const Voice& voice, const char* what) {
    const auto l = stats(live), o = stats(offline(voice, live.size()));
    EXPECT_NEAR(l.rms_dbfs, o.rms_dbfs, 1.5) << what;
    // 0.35 octave: the LFO's phase and its sample-and-hold rand() are not the
    // offline render's (a loaded machine measured 0.23 once); other voices are
    // 1.5-2 octaves apart, and the tests above judge the change itself.
    EXPECT_NEAR(std::log2(l.centroid_hz / o.centroid_hz), 0.0, 0.35) << what << ": " << l.centroid_hz << " Hz live, "
                                                                      << o.centroid_hz << " Hz offline";
  }

  std::shared_ptr<HexterMonitor> monitor_;
  std::unique_ptr<JackClient> jack_;
  std::unique_ptr<MonitorOutput> output_;
  std::unique_ptr<TestMidiClient> src_;
  std::unique_ptr<AudioCaptureClient> cap_;
};

TEST_F(HexterMonitorJack, SilentBeforeANoteOnAndSoundingAfterIt) {
  ASSERT_TRUE(output_->send(dump(test::epiano())));
  EXPECT_TRUE(output_->connected());
  EXPECT_EQ(output_->describe(), "hexter:dxl:monitor_out");
  const auto before = record(300ms);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(peak(before), 0.0f) << "monitor_out is not silent before any note";

  const auto played = note(500ms);
  const auto st = stats(played);
  EXPECT_FALSE(st.silent) << st.rms_dbfs << " dBFS";
  EXPECT_GT(peak(played), 0.01f);
  EXPECT_EQ(st.nonfinite, 0u);
  EXPECT_GE(jack_->counters().monitor_events, 2u);
  EXPECT_EQ(jack_->counters().monitor_dropped, 0u);
  EXPECT_EQ(cap_->overflowed(), 0u);
  RecordProperty("epiano_rms_dbfs", std::to_string(st.rms_dbfs));
  RecordProperty("epiano_centroid_hz", std::to_string(st.centroid_hz));
}

TEST_F(HexterMonitorJack, VoiceChangesAreHeardAsTheNewVoice) {
  // A dump, another dump, then a parameter change: each is the voice the next note plays.
  const Voice epiano = synced(test::epiano()), brass = synced(test::brass());
  ASSERT_TRUE(output_->send(dump(epiano)));
  const auto ep = note(500ms);
  ASSERT_TRUE(output_->send(dump(brass)));
  const auto br = note(500ms);
  // OP1 (a carrier of algorithm 22) at output level 40 instead of 90-odd: much quieter.
  Voice quiet = brass;
  const std::uint16_t op1_level = static_cast<std::uint16_t>(test::op(1) + 16);
  quiet.bytes[op1_level] = 40;
  const auto pc = sysex::encode_param_change(0, op1_level, 40);
  ASSERT_TRUE(output_->send(std::span<const std::uint8_t>(pc.data(), pc.size())));
  const auto qb = note(500ms);
  EXPECT_EQ(monitor_->voice()->bytes, quiet.bytes) << "the parameter change edited the kept voice";

  const auto a = stats(ep), b = stats(br), c = stats(qb);
  std::cout << "epiano " << a.rms_dbfs << " dBFS " << a.centroid_hz << " Hz; brass " << b.rms_dbfs << " dBFS "
            << b.centroid_hz << " Hz; brass, OP1 at 40: " << c.rms_dbfs << " dBFS " << c.centroid_hz << " Hz\n";
  EXPECT_GT(std::abs(std::log2(b.centroid_hz / a.centroid_hz)) + std::abs(b.rms_dbfs - a.rms_dbfs) / 6, 0.5)
      << "epiano and brass sound alike";
  EXPECT_GT(std::abs(c.rms_dbfs - b.rms_dbfs) + 6 * std::abs(std::log2(c.centroid_hz / b.centroid_hz)), 1.0)
      << "the parameter change was not heard";
  expect_sounds_like(ep, epiano, "epiano");
  expect_sounds_like(br, brass, "brass");
  expect_sounds_like(qb, quiet, "brass with OP1 at 40");
}

TEST_F(HexterMonitorJack, ThruOffMeansNoNotesForTheMonitor) {
  ASSERT_TRUE(output_->send(dump(test::brass())));
  jack_->set_thru(false);
  src_->send({0x90, 60, 100});
  EXPECT_EQ(peak(record(300ms)), 0.0f);
  src_->send({0x80, 60, 0});
  EXPECT_EQ(jack_->counters().monitor_events, 0u);
}

}  // namespace
}  // namespace dxlatent
