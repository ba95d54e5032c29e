// JackClient against a real jackd (dummy backend, 48 kHz, 64 frames), driven by
// TestMidiClient instances: "src" plays the controller, "sink" the synth.

#include "dxlatent/jack/jack_client.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <thread>

#include "support/jack_test_server.hpp"
#include "support/test_midi_client.hpp"

namespace dxlatent {
namespace {

using dxlatent::testing::JackServerTest;
using dxlatent::testing::TestMidiClient;
using dxlatent::testing::TestMidiMessage;
using dxlatent::testing::wait_until;
using namespace std::chrono_literals;

OutMessage make_message(const std::vector<std::uint8_t>& bytes) {
  OutMessage m;
  m.size = static_cast<std::uint16_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), m.bytes.begin());
  return m;
}

/// A 163-byte SysEx shaped like a DX7 single voice dump, with `seed` in its data
/// so consecutive messages differ.
std::vector<std::uint8_t> voice_like_sysex(int seed) {
  std::vector<std::uint8_t> b = {0xF0, 0x43, 0x00, 0x00, 0x01, 0x1B};
  unsigned sum = 0;
  for (int i = 0; i < 155; ++i) {
    const auto v = static_cast<std::uint8_t>((i * 7 + seed * 13) & 0x7F);
    b.push_back(v);
    sum += v;
  }
  b.push_back(static_cast<std::uint8_t>((128 - (sum & 0x7F)) & 0x7F));
  b.push_back(0xF7);
  return b;
}

std::vector<MidiEvent> poll_all(JackClient& jc, std::size_t expected,
                                std::chrono::milliseconds timeout = 3s) {
  std::vector<MidiEvent> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MidiEvent e;
  while (out.size() < expected && std::chrono::steady_clock::now() < deadline)
    if (jc.wait_event(e, 10ms)) out.push_back(e);
  return out;
}

std::size_t connection_count(JackClient& jc, const std::string& port) {
  for (const auto& p : jc.list_ports())
    if (p.name == port) return p.connections.size();
  return 0;
}

/// A connection made by jack_connect takes effect from the next graph cycle:
/// give it a few periods before sending through it.
void settle() { std::this_thread::sleep_for(30ms); }

using Bytes = std::vector<std::uint8_t>;

/// Sends `messages` from src and waits until `arrived()`. JACK drops a period's
/// MIDI when a loaded machine cannot run it in time (an xrun), so when the
/// messages do not all arrive across an xrun, `reset()` and send again (5 tries).
/// Without xruns a loss is a failure at once.
// Everything the consumer's end of the event queue holds now, appended to `into`.
void poll_all(JackClient& jc, std::vector<MidiEvent>& into) {
  MidiEvent e;
  while (jc.poll(e)) into.push_back(e);
}

// Empties the event queue (before a resend after an xrun).
void discard_pending(JackClient& jc) {
  MidiEvent e;
  while (jc.poll(e)) {
  }
}

bool deliver(JackClient& jc, TestMidiClient& src, const std::vector<Bytes>& messages,
             const std::function<bool()>& arrived, const std::function<void()>& reset) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto xruns = jc.counters().xruns;
    for (const auto& m : messages)
      if (!src.send(m)) return false;
    if (wait_until(arrived, 3s)) return true;
    if (jc.counters().xruns == xruns) return false;
    std::this_thread::sleep_for(100ms);
    reset();
  }
  return false;
}

/// Counters since `base`.
JackCounters since(const JackCounters& now, const JackCounters& base) {
  JackCounters d = now;
  d.events_in -= base.events_in;
  d.events_queued -= base.events_queued;
  d.queue_overflows -= base.queue_overflows;
  d.sysex_in_ignored -= base.sysex_in_ignored;
  d.system_in_ignored -= base.system_in_ignored;
  d.malformed_in -= base.malformed_in;
  d.filtered_in -= base.filtered_in;
  d.thru_out -= base.thru_out;
  d.thru_dropped -= base.thru_dropped;
  d.messages_out -= base.messages_out;
  return d;
}

class JackClientTest : public JackServerTest {
 protected:
  JackClientOptions options(const std::string& name = "dxl") {
    JackClientOptions o;
    o.client_name = name;
    return o;
  }
};

TEST_F(JackClientTest, OpenFailsClearlyWithoutServer) {
  JackClientOptions o = options();
  o.server_name = "no-such-server-" + server_.name();
  JackClient jc(o);
  try {
    jc.open();
    FAIL() << "open() succeeded without a server";
  } catch (const JackError& e) {
    EXPECT_NE(std::string(e.what()).find(o.server_name), std::string::npos) << e.what();
  }
  EXPECT_FALSE(jc.is_open());
}

TEST_F(JackClientTest, CcsArriveAsMidiEventsInOrderWithFrames) {
  JackClient jc(options());
  jc.open();
  EXPECT_EQ(jc.sample_rate(), 48000u);
  EXPECT_EQ(jc.period_frames(), 64u);
  jc.connect_matching("^src:out$", "");
  jc.activate();
  TestMidiClient src("src");
  ASSERT_TRUE(wait_until([&] { return jc.list_ports().size() > 0 && src.periods() > 2; }));
  // The housekeeping thread connects src:out when it appears.
  ASSERT_TRUE(wait_until([&] {
    for (const auto& p : jc.list_ports())
      if (p.name == "dxl:control_in") return p.connections == std::vector<std::string>{"src:out"};
    return false;
  })) << "src:out was not auto-connected";
  settle();

  std::vector<Bytes> input;
  for (int i = 0; i < 8; ++i)
    input.push_back({0xB0, static_cast<std::uint8_t>(20 + i), static_cast<std::uint8_t>(i * 16 + 3)});
  input.push_back({0x93, 60, 100});  // note on, channel 4
  input.push_back({0xC5, 7});         // program change: 2 bytes
  std::vector<MidiEvent> events;
  JackCounters base = jc.counters();
  ASSERT_TRUE(deliver(
      jc, src, input,
      [&] {
        poll_all(jc, events);
        return events.size() >= 10;
      },
      [&] {
        discard_pending(jc);
        events.clear();
        src.clear();
        base = jc.counters();
      }));
  std::this_thread::sleep_for(20ms);
  ASSERT_EQ(events.size(), 10u);
  const auto sent = src.sent();
  ASSERT_EQ(sent.size(), 10u);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(events[i].status, 0xB0);
    EXPECT_EQ(events[i].data1, 20 + i);
    EXPECT_EQ(events[i].data2, i * 16 + 3);
    // Normally the same frame; a loaded server (xruns) may hand the buffer over
    // whole periods later, never at another offset.
    EXPECT_GE(events[i].frame, sent[i].frame) << "event " << i;
    EXPECT_EQ((events[i].frame - sent[i].frame) % 64, 0u) << "event " << i;
    EXPECT_EQ(events[i].frame - sent[i].frame, events[0].frame - sent[0].frame) << "event " << i;
  }
  EXPECT_EQ(events[8].type(), 0x90);
  EXPECT_EQ(events[8].channel(), 3);
  EXPECT_EQ(events[8].data1, 60);
  EXPECT_EQ(events[8].data2, 100);
  EXPECT_EQ(events[9].status, 0xC5);
  EXPECT_EQ(events[9].data1, 7);
  const auto c = since(jc.counters(), base);
  EXPECT_EQ(c.events_in, 10u);
  EXPECT_EQ(c.events_queued, 10u);
  EXPECT_EQ(c.queue_overflows, 0u);
  EXPECT_GT(c.periods, 2u);
  EXPECT_GT(c.max_callback_ns, 0u);
  MidiEvent extra;
  EXPECT_FALSE(jc.poll(extra));
}

TEST_F(JackClientTest, VoiceDumpsArriveIntactAtSinkEvenWhenAPeriodOverflows) {
  JackClientOptions o = options();
  o.out_queue_capacity = 2048;
  JackClient jc(o);
  jc.open();
  jc.connect_matching("", "^sink:in$");
  jc.activate();
  TestMidiClient sink("sink");
  ASSERT_TRUE(wait_until([&] { return connection_count(jc, "dxl:synth_out") == 1; }));
  settle();
  ASSERT_TRUE(wait_until([&] { return jc.max_event_size() > 0; }));
  const std::size_t capacity = jc.max_event_size();

  // More 163-byte messages than one period's buffer holds: the rest must wait
  // for the following periods, whole and in order.
  const int n = static_cast<int>(std::max<std::size_t>(capacity / 163 * 3, 500));
  ASSERT_LE(n, 2048);
  for (int i = 0; i < n; ++i) ASSERT_TRUE(jc.send(make_message(voice_like_sysex(i))));
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= static_cast<std::size_t>(n); }, 10s))
      << "received " << sink.received().size() << " of " << n;
  const auto got = sink.received();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[i].data(), voice_like_sysex(i)) << "message " << i;
  const auto c = jc.counters();
  EXPECT_EQ(c.messages_out, static_cast<std::uint64_t>(n));
  EXPECT_EQ(c.oversize_dropped, 0u);
  EXPECT_GT(c.messages_deferred, 0u) << "the burst fitted one period (capacity " << capacity
                                     << "): the deferral path was not exercised";
  // More than one period was needed.
  EXPECT_GT(got.back().frame, got.front().frame);
}

TEST_F(JackClientTest, MessageLargerThanMaxEventSizeIsDroppedAndReportedOnce) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", ring));

  JackClient jc(options());
  jc.open();
  jc.connect_matching("", "^sink:in$");
  jc.activate();
  TestMidiClient sink("sink");
  ASSERT_TRUE(wait_until([&] { return connection_count(jc, "dxl:synth_out") == 1 && jc.max_event_size() > 0; }));
  settle();
  const std::size_t jack_limit = jc.max_event_size();
  EXPECT_GE(jack_limit, kMaxOutMessage) << "JACK cannot carry a voice dump in one period";

  jc.set_event_size_limit(100);  // a receiver that takes at most 100-byte events
  ASSERT_TRUE(wait_until([&] { return jc.max_event_size() == 100; }));
  ASSERT_TRUE(jc.send(make_message(voice_like_sysex(1))));
  const std::vector<std::uint8_t> param = {0xF0, 0x43, 0x10, 0x00, 0x05, 0x12, 0xF7};
  ASSERT_TRUE(jc.send(make_message(param)));
  ASSERT_TRUE(wait_until([&] { return sink.received().size() >= 1; }));
  ASSERT_TRUE(wait_until([&] {
    for (const auto& line : ring->last_formatted())
      if (line.find("larger than synth_out can carry") != std::string::npos) return true;
    return false;
  }, 3s)) << "the drop was not logged";
  std::this_thread::sleep_for(1500ms);  // a second report window passes without news

  const auto got = sink.received();
  ASSERT_EQ(got.size(), 1u);  // the voice dump never left, the parameter change did
  EXPECT_EQ(got[0].data(), param);
  const auto c = jc.counters();
  EXPECT_EQ(c.oversize_dropped, 1u);
  EXPECT_EQ(c.messages_out, 1u);
  int reports = 0;
  for (const auto& line : ring->last_formatted())
    reports += line.find("larger than synth_out can carry") != std::string::npos;
  EXPECT_EQ(reports, 1);
  spdlog::set_default_logger(previous);
}

TEST_F(JackClientTest, SendRefusesEmptyOrOversizedMessages) {
  JackClient jc(options());
  OutMessage m;
  EXPECT_FALSE(jc.send(m));
  m.size = kMaxOutMessage + 1;
  EXPECT_FALSE(jc.send(m));
  m.size = 3;
  EXPECT_TRUE(jc.send(m));
  EXPECT_EQ(jc.out_pending(), 1u);
}

TEST_F(JackClientTest, ThruForwardsChannelMessagesInTheSamePeriodButNotSysexOrRealtime) {
  JackClient jc(options());
  jc.open();
  jc.connect_matching("^src:out$", "^sink:in$");
  jc.set_thru(true);
  std::bitset<128> mapped;
  mapped.set(20);
  jc.set_thru_blocked_ccs(mapped);
  EXPECT_EQ(jc.thru_blocked_ccs(), mapped);
  jc.activate();
  TestMidiClient src("src");
  TestMidiClient sink("sink");
  ASSERT_TRUE(wait_until([&] {
    return connection_count(jc, "dxl:control_in") == 1 && connection_count(jc, "dxl:synth_out") == 1;
  }));
  settle();

  EXPECT_EQ(jc.connection_count(false), 1);
  EXPECT_EQ(jc.connection_count(true), 1);
  const std::vector<Bytes> input = {
      {0x90, 60, 100},                           // note on          -> thru
      {0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7},      // SysEx            -> dropped
      {0xFE},                                    // active sensing   -> dropped
      {0xF8},                                    // clock            -> dropped
      {0xB0, 20, 64},                            // mapped CC        -> not forwarded
      {0xB0, 21, 65},                            // unmapped CC      -> thru
      {0xE0, 0x00, 0x40},                        // pitch bend       -> thru
      {0x80, 60, 0},                             // note off         -> thru
  };
  JackCounters base = jc.counters();
  ASSERT_TRUE(deliver(
      jc, src, input,
      [&] { return sink.received().size() >= 4 && jc.counters().events_in - base.events_in >= 8; },
      [&] {
        discard_pending(jc);
        src.clear();
        sink.clear();
        base = jc.counters();
      }));
  std::this_thread::sleep_for(50ms);  // nothing else may follow

  const auto sent = src.sent();
  ASSERT_EQ(sent.size(), input.size());
  const auto got = sink.received();
  ASSERT_EQ(got.size(), 4u);
  const std::vector<std::vector<std::uint8_t>> expected = {
      {0x90, 60, 100}, {0xB0, 21, 65}, {0xE0, 0x00, 0x40}, {0x80, 60, 0}};
  const auto events = poll_all(jc, 5);  // all channel messages, the mapped CC included
  ASSERT_EQ(events.size(), 5u);
  const MidiEvent* forwarded[] = {&events[0], &events[2], &events[3], &events[4]};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(got[i].data(), expected[i]) << "message " << i;
    // Forwarded in the period it was read in: the sink sees it at the very frame
    // dxl read it at.
    EXPECT_EQ(got[i].frame, forwarded[i]->frame) << "message " << i << " forwarded a period late";
  }
  EXPECT_EQ(events[1].data1, 20);
  const auto c = since(jc.counters(), base);
  EXPECT_EQ(c.sysex_in_ignored, 1u);
  EXPECT_EQ(c.system_in_ignored, 2u);
  EXPECT_EQ(c.thru_out, 4u);
  EXPECT_EQ(c.events_queued, 5u);
}

TEST_F(JackClientTest, ChannelFilterAndMalformedEvents) {
  JackClient jc(options());
  jc.open();
  jc.connect_matching("^src:out$", "^sink:in$");
  jc.set_channel_filter(2);
  jc.set_thru(true);
  jc.activate();
  TestMidiClient src("src");
  TestMidiClient sink("sink");
  ASSERT_TRUE(wait_until([&] {
    return connection_count(jc, "dxl:control_in") == 1 && connection_count(jc, "dxl:synth_out") == 1;
  }));
  settle();
  const std::vector<Bytes> input = {
      {0xB0, 1, 1},     // channel 1: filtered
      {0xB2, 2, 2},     // channel 3: kept
      {0x92, 60},       // note on missing its velocity
      {0x40, 0x40},     // data bytes without status
      {0xB2, 3, 0x80},  // data byte out of range
      {0x92, 61, 90},   // kept
  };
  std::vector<MidiEvent> events;
  JackCounters base = jc.counters();
  ASSERT_TRUE(deliver(
      jc, src, input,
      [&] {
        poll_all(jc, events);
        return jc.counters().events_in - base.events_in >= 6 && sink.received().size() >= 2;
      },
      [&] {
        discard_pending(jc);
        events.clear();
        src.clear();
        sink.clear();
        base = jc.counters();
      }));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status, 0xB2);
  EXPECT_EQ(events[1].status, 0x92);
  const auto c = since(jc.counters(), base);
  EXPECT_EQ(c.filtered_in, 1u);
  EXPECT_EQ(c.malformed_in, 3u);
  EXPECT_EQ(c.thru_out, 2u);
  EXPECT_EQ(jc.channel_filter(), 2);
  jc.set_channel_filter(16);  // out of range: back to omni
  EXPECT_EQ(jc.channel_filter(), -1);
}

TEST_F(JackClientTest, StormOf10000EventsOverflowsTheQueueCountedWithoutHarm) {
  JackClient jc(options());
  jc.open();
  jc.connect_matching("^src:out$", "");
  jc.activate();
  TestMidiClient src("src");
  ASSERT_TRUE(wait_until([&] { return connection_count(jc, "dxl:control_in") == 1; }));
  settle();
  // Nobody polls while 10,000 CCs arrive.
  for (int i = 0; i < 10000; ++i)
    ASSERT_TRUE(src.send({0xB0, static_cast<std::uint8_t>(i % 8 + 20), static_cast<std::uint8_t>(i % 128)}));
  ASSERT_TRUE(wait_until([&] { return src.pending() == 0; }, 10s));
  ASSERT_EQ(src.sent().size(), 10000u);
  // Let the last periods through, until the count stops moving.
  std::uint64_t seen = 0;
  ASSERT_TRUE(wait_until([&] {
    std::this_thread::sleep_for(50ms);
    const auto now = jc.counters().events_in;
    const bool stable = now == seen;
    seen = now;
    return stable;
  }, 10s));
  auto c = jc.counters();
  // JACK itself drops a period's MIDI when a cycle is lost (xruns on a loaded
  // machine); without xruns every event must have arrived.
  if (c.xruns == 0) {
    EXPECT_EQ(c.events_in, 10000u);
  }
  EXPECT_GT(c.events_in, 4096u + 1000u) << "too few events arrived to overflow the queue";
  EXPECT_EQ(c.events_queued + c.queue_overflows, c.events_in);
  EXPECT_GT(c.queue_overflows, 0u);
  // What was queued comes out intact and in order: the first events_queued CCs.
  std::size_t n = 0;
  MidiEvent e;
  std::size_t index = 0;  // position in what src sent; gaps only where JACK lost a period
  while (jc.poll(e)) {
    while (index < 10000 && !(e.data1 == index % 8 + 20 && e.data2 == index % 128)) ++index;
    ASSERT_LT(index, 10000u) << "event " << n << " out of order";
    ++index;
    ++n;
  }
  EXPECT_EQ(n, c.events_queued);
  // And it still works afterwards.
  const auto periods = jc.counters().periods;
  ASSERT_TRUE(src.send({0xB0, 99, 42}));
  const auto after = poll_all(jc, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].data1, 99);
  EXPECT_TRUE(wait_until([&] { return jc.counters().periods > periods + 10; })) << "process thread stalled";
}

TEST_F(JackClientTest, ListPortsOfAServer) {
  JackClient jc(options());
  jc.open();
  jc.activate();
  const auto ports = JackClient::list_ports(server_.name());
  bool in = false, out = false;
  for (const auto& p : ports) {
    EXPECT_EQ(p.name.rfind("dxlatent-list", 0), std::string::npos) << "the lister lists itself";
    if (p.name == "dxl:control_in") in = !p.is_output && p.type == "8 bit raw midi";
    if (p.name == "dxl:synth_out") out = p.is_output;
  }
  EXPECT_TRUE(in);
  EXPECT_TRUE(out);
  EXPECT_THROW(JackClient::list_ports("no-such-server-" + server_.name()), JackError);
}

TEST_F(JackClientTest, InvalidPatternIsRefused) {
  JackClient jc(options());
  EXPECT_THROW(jc.connect_matching("([", ""), JackError);
  EXPECT_THROW(jc.connect_matching("", "a{2,1}"), JackError);
}

TEST_F(JackClientTest, SurvivesServerRestartAndReconnectsPorts) {
  JackClient jc(options());
  jc.open();
  jc.connect_matching("^src:out$", "^sink:in$");
  jc.set_thru(true);
  jc.activate();
  auto src = std::make_unique<TestMidiClient>("src");
  auto sink = std::make_unique<TestMidiClient>("sink");
  auto connected = [&] {
    int n = 0;
    for (const auto& p : jc.list_ports())
      if (p.name == "dxl:control_in" || p.name == "dxl:synth_out") n += p.connections.size();
    return n == 2;
  };
  ASSERT_TRUE(wait_until(connected));
  settle();
  ASSERT_TRUE(src->send({0xB0, 20, 1}));
  ASSERT_EQ(poll_all(jc, 1).size(), 1u);

  server_.stop();
  ASSERT_TRUE(wait_until([&] { return jc.server_lost(); }, 5s)) << "shutdown not noticed";
  // libjack (JACK2) keeps per-process state while any client of the process is
  // open: every client must be closed before one can reach a new server.
  src.reset();
  sink.reset();
  EXPECT_FALSE(jc.is_running());
  EXPECT_EQ(jc.connection_count(true), 0);
  const auto periods_before = jc.counters().periods;
  // While the server is away, reconnect() keeps trying and then gives up.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(jc.reconnect(300ms));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  EXPECT_TRUE(jc.server_lost());
  // The writer may keep queueing while the server is away.
  ASSERT_TRUE(jc.send(make_message(voice_like_sysex(7))));

  // The server comes back while reconnect() waits for it.
  std::thread restarter([&] {
    std::this_thread::sleep_for(300ms);
    server_.start();
  });
  EXPECT_TRUE(jc.reconnect(10s));
  restarter.join();
  const auto periods_at_reconnect = jc.counters().periods;
  EXPECT_FALSE(jc.server_lost());
  EXPECT_TRUE(jc.is_running());
  // The test clients reappear after us: the patterns connect them as they register.
  src = std::make_unique<TestMidiClient>("src");
  sink = std::make_unique<TestMidiClient>("sink");
  ASSERT_TRUE(wait_until(connected)) << "connections not re-applied";
  settle();

  // Both directions work again (resent only if JACK lost a period to an xrun).
  std::vector<MidiEvent> events;
  ASSERT_TRUE(deliver(
      jc, *src, {{0x90, 64, 100}},
      [&] {
        poll_all(jc, events);
        return !events.empty();
      },
      [&] { src->clear(); }))
      << "src periods " << src->periods() << ", sent " << src->sent().size() << "; dxl periods "
      << periods_at_reconnect << " -> " << jc.counters().periods;
  EXPECT_EQ(events[0].status, 0x90);
  auto voice_arrived = [&] {
    for (const auto& m : sink->received())
      if (m.data() == voice_like_sysex(8)) return true;
    return false;
  };
  bool arrived = false;
  for (int attempt = 0; attempt < 5 && !arrived; ++attempt) {
    const auto xruns = jc.counters().xruns;
    ASSERT_TRUE(jc.send(make_message(voice_like_sysex(8))));
    arrived = wait_until(voice_arrived, 3s);
    if (!arrived && jc.counters().xruns == xruns) break;
  }
  EXPECT_TRUE(arrived) << "the voice dump did not reach the sink after the reconnect";
  EXPECT_GT(jc.counters().periods, periods_before) << "counters survive the reconnect";
}

}  // namespace
}  // namespace dxlatent
