// RtMidiOutput against a real jackd (dummy backend) through RtMidi's JACK API:
// a TestMidiClient stands in for the DX7's interface. Whole messages arrive; a
// missing port is waited for; a port that disappears is noticed, logged once,
// retried with backoff and reopened when it returns.
#include "dxlatent/midi_out/rtmidi_output.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <memory>
#include <sstream>
#include <thread>

#include "dxlatent/sysex/sysex.hpp"
#include "support/jack_test_server.hpp"
#include "support/test_midi_client.hpp"

namespace dxlatent {
namespace {

using dxlatent::testing::JackServerTest;
using dxlatent::testing::TestMidiClient;
using dxlatent::testing::wait_until;
using namespace std::chrono_literals;

bool alsa_seq_present() {
  struct stat st {};
  return ::stat("/dev/snd/seq", &st) == 0;
}

// Log lines, to check that a loss is logged once and not once per retry.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  int count(const std::string& needle) const {
    const std::string all = text_.str();
    int n = 0;
    for (auto at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1)) ++n;
    return n;
  }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::logger> previous_;
};

std::vector<std::uint8_t> voice_dump(int seed) {
  Voice v = sysex::init_voice();
  v.bytes[145] = static_cast<std::uint8_t>('A' + seed % 26);  // the name's first letter
  const auto dump = sysex::encode_single_voice(v, 0);
  return {dump.begin(), dump.end()};
}

RtMidiOutputOptions jack_options(const std::string& pattern) {
  RtMidiOutputOptions o;
  o.port_pattern = pattern;
  o.api = MidiApi::Jack;
  o.client_name = "dxl-hw";
  o.check_interval = 50ms;
  o.retry_min = 50ms;
  o.retry_max = 400ms;
  return o;
}

bool received_exactly(TestMidiClient& sink, const std::vector<std::uint8_t>& message) {
  for (const auto& m : sink.received())
    if (m.data() == message) return true;
  return false;
}

TEST(RtMidiApi, ParsesTheConfigNames) {
  EXPECT_EQ(parse_midi_api("alsa"), MidiApi::Alsa);
  EXPECT_EQ(parse_midi_api("jack"), MidiApi::Jack);
  EXPECT_EQ(parse_midi_api("auto"), MidiApi::Auto);
  EXPECT_FALSE(parse_midi_api("coremidi"));
  EXPECT_EQ(to_string(MidiApi::Alsa), "alsa");
}

TEST(RtMidiApi, AutoPicksAlsaWhereTheSequencerExistsElseJack) {
  EXPECT_EQ(RtMidiOutput::resolve(MidiApi::Auto), alsa_seq_present() ? MidiApi::Alsa : MidiApi::Jack);
  EXPECT_EQ(RtMidiOutput::resolve(MidiApi::Jack), MidiApi::Jack);
}

TEST(RtMidiApi, AlsaWithoutTheSequencerIsAClearStartError) {
  if (alsa_seq_present()) GTEST_SKIP() << "this machine has /dev/snd/seq";
  RtMidiOutputOptions o;
  o.port_pattern = "UM-ONE";
  o.api = MidiApi::Alsa;
  try {
    RtMidiOutput out(o);
    FAIL() << "opened the ALSA API without /dev/snd/seq";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("alsa"), std::string::npos) << e.what();
  }
}

TEST(RtMidiApi, ABadPatternIsRefusedNamingIt) {
  RtMidiOutputOptions o;
  o.port_pattern = "UM-ONE(";
  o.api = MidiApi::Jack;
  try {
    RtMidiOutput out(o);
    FAIL() << "accepted an invalid regex";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("UM-ONE("), std::string::npos) << e.what();
  }
}

class RtMidiOutputJack : public JackServerTest {};

TEST_F(RtMidiOutputJack, ListsTheServersMidiInputs) {
  TestMidiClient sink("dx7");
  const auto ports = RtMidiOutput::list_ports(MidiApi::Jack);
  EXPECT_NE(std::find(ports.begin(), ports.end(), "dx7:in"), ports.end());
}

TEST_F(RtMidiOutputJack, WholeMessagesReachThePortChosenByPattern) {
  TestMidiClient decoy("dexed");
  TestMidiClient sink("dx7");
  RtMidiOutput out(jack_options("^dx7:"));
  ASSERT_TRUE(out.connected()) << out.describe();
  EXPECT_EQ(out.describe(), "rtmidi/jack:dx7:in");
  const auto dump = voice_dump(1);
  const auto change = sysex::encode_param_change(0, 134, 21);
  ASSERT_TRUE(out.send(dump));
  ASSERT_TRUE(out.send(change));
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 2; }, 3s));
  const auto got = sink.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data(), dump) << "the voice dump did not arrive whole";
  EXPECT_EQ(got[1].data(), std::vector<std::uint8_t>(change.begin(), change.end()));
  EXPECT_TRUE(decoy.received().empty());
}

TEST_F(RtMidiOutputJack, APortMissingAtStartIsWaitedFor) {
  CapturedLog log;
  RtMidiOutput out(jack_options("^dx7:in$"));
  EXPECT_FALSE(out.connected());
  EXPECT_FALSE(out.send(voice_dump(2)));
  EXPECT_NE(out.describe().find("no port matching '^dx7:in$'"), std::string::npos);
  std::this_thread::sleep_for(300ms);
  for (int i = 0; i < 20; ++i) out.connected();
  EXPECT_EQ(log.count("no MIDI output port matches"), 1) << log.text();

  TestMidiClient sink("dx7");
  ASSERT_TRUE(wait_until([&] { return out.connected(); }, 3s)) << "the port never got picked up";
  const auto dump = voice_dump(3);
  ASSERT_TRUE(out.send(dump));
  EXPECT_TRUE(wait_until([&] { return received_exactly(sink, dump); }, 3s));
  EXPECT_EQ(out.reconnects(), 0u) << "a first connection is not a reconnect";
}

TEST_F(RtMidiOutputJack, APortThatDisappearsIsRetriedAndReopenedWhenBack) {
  CapturedLog log;
  auto sink = std::make_unique<TestMidiClient>("dx7");
  RtMidiOutput out(jack_options("^dx7:in$"));
  ASSERT_TRUE(out.connected());
  const auto first = voice_dump(4);
  ASSERT_TRUE(out.send(first));
  ASSERT_TRUE(wait_until([&] { return received_exactly(*sink, first); }, 3s));

  sink.reset();  // the USB cable is pulled: the port goes away
  EXPECT_FALSE(out.send(voice_dump(5))) << "a send into a vanished port reported success";
  EXPECT_FALSE(out.connected());
  // Keep the writer busy during the outage, as the engine would.
  const auto outage_end = std::chrono::steady_clock::now() + 1s;
  int attempts = 0;
  while (std::chrono::steady_clock::now() < outage_end) {
    EXPECT_FALSE(out.send(voice_dump(6)));
    EXPECT_FALSE(out.connected());
    ++attempts;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GT(attempts, 10);  // many calls during the outage, yet one log line
  EXPECT_EQ(log.count("lost"), 1) << "the loss must be logged once:\n" << log.text();

  sink = std::make_unique<TestMidiClient>("dx7");  // plugged back in
  // Backoff is capped at 400 ms here: it must be back well within a second.
  ASSERT_TRUE(wait_until([&] { return out.connected(); }, 2s)) << log.text();
  EXPECT_EQ(out.reconnects(), 1u);
  EXPECT_EQ(log.count("back"), 1) << log.text();
  const auto again = voice_dump(7);
  ASSERT_TRUE(out.send(again));
  EXPECT_TRUE(wait_until([&] { return received_exactly(*sink, again); }, 3s));
}

TEST_F(RtMidiOutputJack, TheJackServerGoingAwayIsAPortLossToo) {
  auto sink = std::make_unique<TestMidiClient>("dx7");
  RtMidiOutput out(jack_options("^dx7:in$"));
  ASSERT_TRUE(out.connected());
  sink.reset();
  server_.stop();
  EXPECT_FALSE(out.send(voice_dump(8)));
  EXPECT_FALSE(out.connected());
  server_.start();
  sink = std::make_unique<TestMidiClient>("dx7");
  ASSERT_TRUE(wait_until([&] { return out.connected(); }, 3s));
  const auto dump = voice_dump(9);
  ASSERT_TRUE(out.send(dump));
  EXPECT_TRUE(wait_until([&] { return received_exactly(*sink, dump); }, 3s));
}

}  // namespace
}  // namespace dxlatent
