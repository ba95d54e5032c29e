#pragma once
// The live engine's test fixture, shared by the engine's end-to-end test files:
// a private jackd (dummy backend), the real shipped model, a test client that
// plays the controller into dxl:control_in and records dxl:synth_out (connected
// through the config's auto-connect patterns), and helpers to read what it got.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "dxlatent/engine/live_engine.hpp"
#include "dxlatent/jack/jack_client.hpp"
#include "dxlatent/model/torch_decoder.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "support/jack_test_server.hpp"
#include "support/test_midi_client.hpp"

using namespace dxlatent;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using dxlatent::testing::TestMidiClient;
using dxlatent::testing::wait_until;

// Unnamed: each test file that includes it has its own copy.
namespace {

fs::path model_file() {
  if (const char* env = std::getenv("DXLATENT_TEST_MODEL"); env && *env) return env;
  return fs::path(DXLATENT_SOURCE_DIR) / "models" / "dxlatent-vae.pt";
}

std::vector<std::vector<std::uint8_t>> sysex_only(const std::vector<dxlatent::testing::TestMidiMessage>& in) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& m : in)
    if (m.size > 0 && m.bytes[0] == 0xF0) out.push_back(m.data());
  return out;
}

// The voice inside a single-voice dump, after checking its frame and checksum.
Voice dump_voice(const std::vector<std::uint8_t>& m, std::uint8_t channel) {
  EXPECT_EQ(m.size(), sysex::kSingleVoiceDumpBytes);
  EXPECT_EQ(m[0], 0xF0);
  EXPECT_EQ(m[1], 0x43);
  EXPECT_EQ(m[2], channel);  // 0n: the configured device channel
  EXPECT_EQ(m[3], 0x00);
  EXPECT_EQ(m[4], 0x01);
  EXPECT_EQ(m[5], 0x1B);
  EXPECT_EQ(m.back(), 0xF7);
  const std::span<const std::uint8_t> data(m.data() + 6, kVoiceBytes);
  EXPECT_EQ(m[6 + kVoiceBytes], sysex::checksum(data)) << "bad checksum";
  for (std::size_t i = 1; i + 1 < m.size(); ++i) EXPECT_LT(m[i], 0x80) << "byte " << i;
  Voice v;
  std::copy(data.begin(), data.end(), v.bytes.begin());
  EXPECT_TRUE(is_valid(v));
  return v;
}

bool same_sound(const Voice& a, const Voice& b) {
  return std::equal(a.bytes.begin(), a.bytes.begin() + kSoundParams, b.bytes.begin());
}

class LiveEngineTest : public ::testing::Test {
 protected:
  // Most tests use the shared fixture's server (no realtime). The storm test
  // runs JACK with realtime scheduling, as a studio does: on this loaded 2-core
  // machine a non-realtime server misses periods on its own (xruns while idle),
  // which would hide whether the engine causes any.
  virtual bool realtime() const { return false; }

  void SetUp() override {
    if (!dxlatent::testing::JackTestServer::available()) GTEST_SKIP() << "jackd is not installed";
    server_ = std::make_unique<dxlatent::testing::JackTestServer>("", 48000, 64, realtime());
    server_->start();
    if (!fs::exists(model_file())) GTEST_SKIP() << "the shipped model is not there yet: " << model_file();
    decoder_ = std::make_unique<TorchDecoder>(model_file());
    state_ = fs::temp_directory_path() / ("dxlatent-engine-test-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(state_);
    probe_ = std::make_unique<TestMidiClient>("probe");
  }
  void TearDown() override {
    runner_.reset();
    probe_.reset();
    if (!state_.empty()) fs::remove_all(state_);
    server_.reset();
  }

  Config config(OutputMode mode, std::uint8_t channel) {
    Config c;
    c.client_name = "dxl";
    c.connect_controller = "^probe:out$";
    c.connect_synth = "^probe:in$";
    c.ccs = {20, 21, 22, 23, 24, 25, 26, 27};
    c.mode = mode;
    c.device_channel = channel;
    c.state_dir = state_;
    return c;
  }

  void start(Config c) {
    runner_ = std::make_unique<LiveEngine>(std::move(c), logging_options(), *decoder_);
    runner_->start();
    // Auto-connect done both ways and the start voice out (a CC sent before
    // probe:out -> control_in exists would be lost).
    ASSERT_TRUE(wait_until([&] {
      runner_->tick();
      bool controller = false;
      for (const auto& p : runner_->jack().list_ports())
        if (p.name == runner_->jack().control_in_name()) controller = !p.connections.empty();
      return controller && !sysex_only(probe_->received()).empty();
    }, 10s)) << "not connected, or no start voice reached the sink: " << diagnose(KnobState{});
  }

  std::string diagnose(const KnobState& knobs) {
    const auto st = runner_->engine().status();
    const auto c = runner_->jack().counters();
    std::string s = "knobs match " + std::to_string(st.knobs == knobs) + ", target " +
                    std::to_string(st.target.has_value()) + ", synth in sync " +
                    std::to_string(st.target && st.synth && *st.synth == *st.target) + ", out pending " +
                    std::to_string(runner_->jack().out_pending()) + ", events in " + std::to_string(c.events_in) +
                    ", queued " + std::to_string(c.events_queued) + ", overflows " +
                    std::to_string(c.queue_overflows) + ", messages out " + std::to_string(c.messages_out) +
                    ", sent by writer " + std::to_string(st.messages_sent) + ", retries " +
                    std::to_string(st.send_retries) + ", decodes " + std::to_string(st.counts.decodes) +
                    ", xruns " + std::to_string(c.xruns);

    return s;
  }

  // Waits until the writer has sent the newest target of `knobs` and the sink saw it.
  void settle(const KnobState& knobs) {
    ASSERT_TRUE(wait_until([&] {
      runner_->tick();
      const auto st = runner_->engine().status();
      return st.knobs == knobs && st.target && st.synth && *st.synth == *st.target &&
             runner_->jack().out_pending() == 0;
    }, 10s)) << "engine did not settle: " << diagnose(knobs);
    std::this_thread::sleep_for(30ms);  // a few periods for the last event to cross the graph
  }

  Voice decode(const KnobState& k) {
    runner_->stop();  // the decoder is the decode thread's until then
    LatentMap map(decoder_->quantiles());
    return decoder_->decode(map.latent(k));
  }

  std::unique_ptr<TorchDecoder> decoder_;
  std::unique_ptr<TestMidiClient> probe_;
  std::unique_ptr<LiveEngine> runner_;
  std::mutex log_mutex_;
  std::vector<std::string> log_;  ///< the engine's log lines
  // Options whose log lines go to stderr and into log_ (for logged()).
  LiveOptions logging_options() {
    LiveOptions o;
    o.log = [this](const std::string& s) {
      std::fprintf(stderr, "[engine] %s\n", s.c_str());
      std::lock_guard lk(log_mutex_);
      log_.push_back(s);
    };
    return o;
  }
  bool logged(const std::string& part) {
    std::lock_guard lk(log_mutex_);
    for (const auto& l : log_)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }
  fs::path state_;
  std::unique_ptr<dxlatent::testing::JackTestServer> server_;
};

}  // namespace
