// Fault: the controller sends garbage. Provoked by a JACK client on control_in
// sending SysEx, bare data bytes (running status without a status byte), an
// all-notes-off storm on all 16 channels, knob CCs on channels the config does
// not listen to, and 10,000 CC/s for three seconds. Expected: no crash, memory
// (VmRSS sampled from /proc every 50 ms) bounded, other channels ignored, and
// the knobs still work afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class Garbage : public JackServerTest {};

TEST_F(Garbage, NoCrashBoundedMemoryOtherChannelsIgnored) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  const auto dir = fresh_dir("garbage");
  TestMidiClient rig("rig");
  RunConfig cfg;
  cfg.model = tiny_model();
  cfg.state_dir = dir / "state";
  cfg.control_channel = 1;  // MIDI channel 1 only
  cfg.thru = true;          // and forward what is not a knob: garbage must not pass either
  auto proc = start_dxlatent(cfg, dir);
  ASSERT_TRUE(wait_for_dumps(rig, 1, 20s)) << proc->output();
  // Knobs only once the controller connection is in the JACK graph.
  ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 5s)) << proc->output();
  std::this_thread::sleep_for(300ms);
  const long rss_start = proc->rss_kib();
  ASSERT_GT(rss_start, 0);
  long rss_max = rss_start;
  auto sample = [&] { rss_max = std::max(rss_max, proc->rss_kib()); };

  // Sends the messages at `rate` per second on an absolute schedule (catching up
  // after a late wake-up), sampling memory every 50 ms.
  auto send_all = [&](const std::vector<std::vector<std::uint8_t>>& msgs, double rate) {
    const auto t0 = std::chrono::steady_clock::now();
    auto next_sample = t0;
    std::size_t i = 0;
    while (i < msgs.size()) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const auto due = std::min(msgs.size(), static_cast<std::size_t>(elapsed * rate) + 1);
      while (i < due && rig.send(msgs[i])) ++i;  // rig's queue full: the rest next round
      if (std::chrono::steady_clock::now() >= next_sample) {
        sample();
        next_sample += 50ms;
      }
      std::this_thread::sleep_for(200us);
    }
  };

  std::mt19937 rng(1);
  std::vector<std::vector<std::uint8_t>> junk;
  for (int i = 0; i < 200; ++i) {  // SysEx of all sizes, some unterminated, some with bad bytes
    std::vector<std::uint8_t> s(2 + rng() % 250);
    s.front() = 0xF0;
    for (std::size_t k = 1; k + 1 < s.size(); ++k) s[k] = static_cast<std::uint8_t>(rng() % 0x80);
    s.back() = (i % 3 == 0) ? static_cast<std::uint8_t>(rng() % 0x80) : 0xF7;
    junk.push_back(s);
  }
  for (int i = 0; i < 2000; ++i)  // running status: data bytes with no status byte
    junk.push_back({static_cast<std::uint8_t>(20 + i % 8), static_cast<std::uint8_t>(i % 128)});
  for (int round = 0; round < 200; ++round)  // all-notes-off / all-sound-off storm
    for (std::uint8_t ch = 0; ch < 16; ++ch) {
      junk.push_back(cc(ch, 123, 0));
      junk.push_back(cc(ch, 120, 0));
    }
  for (int i = 0; i < 500; ++i)  // lone status bytes, undefined and realtime bytes
    junk.push_back({static_cast<std::uint8_t>(std::array{0xF4, 0xF5, 0xFD, 0xF9, 0xFE, 0xB0, 0x90}[i % 7])});
  rig.clear();
  send_all(junk, 20000);
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(proc->running()) << "dxlatent died of garbage\n" << proc->output();
  for (const auto& m : rig.received()) {
    const auto d = m.data();
    EXPECT_FALSE(!d.empty() && d[0] == 0xF0 && !is_whole_voice_dump(d))
        << "controller SysEx reached the synth (" << d.size() << " bytes)";
  }

  // Knob CCs on channels 2..16 are not ours: no voice may change.
  rig.clear();
  std::vector<std::vector<std::uint8_t>> other;
  for (int i = 0; i < 3000; ++i)
    other.push_back(cc(static_cast<std::uint8_t>(1 + i % 15), static_cast<std::uint8_t>(20 + i % 8),
                       static_cast<std::uint8_t>(i % 128)));
  send_all(other, 20000);
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(voice_dumps(rig.received()).empty()) << "CCs on another channel changed the voice";

  // 10,000 CC/s on our channel for three seconds.
  std::vector<std::vector<std::uint8_t>> storm;
  for (int i = 0; i < 30000; ++i)
    storm.push_back(cc(0, static_cast<std::uint8_t>(20 + i % 8), static_cast<std::uint8_t>((i * 7) % 128)));
  const auto t0 = std::chrono::steady_clock::now();
  send_all(storm, 10000);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (int i = 0; i < 20; ++i) {
    sample();
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(proc->running()) << "dxlatent died in the CC storm\n" << proc->output();
  const long rss_end = proc->rss_kib();
  std::printf("storm: 30000 CCs in %.2f s (%.0f/s); VmRSS start %ld KiB, max %ld KiB, end %ld KiB\n",
              secs, 30000 / secs, rss_start, rss_max, rss_end);
  EXPECT_LT(secs, 3.3) << "the test could not produce the storm rate";
  // Bounded: the voice cache (4096 voices of 155 bytes) and queues are
  // preallocated or capped; growth beyond a few MiB would be a leak.
  EXPECT_LT(rss_max - rss_start, 32 * 1024) << "memory grew under garbage and storms";

  // Still alive and listening.
  rig.clear();
  ASSERT_TRUE(rig.send(cc(0, 25, 1)));
  ASSERT_TRUE(rig.send(cc(0, 26, 126)));
  EXPECT_TRUE(wait_for_dumps(rig, 1, 10s)) << "knobs dead after the storm\n" << proc->output();
  proc->signal(SIGTERM);
  const auto status = proc->wait_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_EQ(ChildProcess::describe_status(*status), 0) << proc->output();
}

}  // namespace
}  // namespace dxlatent::testing
