// Wire pacing with a fake clock: the schedule a writer gets from the Pacer never
// outruns a 31,250-baud wire, honours the gaps, and ends with the newest voice.
#include "dxlatent/midi_out/pacer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

namespace dxlatent {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::size_t kVoiceDumpBytes = 163;
constexpr std::size_t kParamChangeBytes = 7;

Clock::time_point t0() { return Clock::time_point{} + std::chrono::hours(1); }

TEST(PacingProfile, Dx7DefaultsMatchTheWireAndEditorGaps) {
  const PacingProfile p = PacingProfile::dx7();
  EXPECT_EQ(p.byte_time, microseconds(320));
  EXPECT_EQ(p.gap_after_param, milliseconds(50));
  EXPECT_EQ(p.gap_after_voice, milliseconds(100));
}

TEST(PacingProfile, DexedHasNoWireLimit) {
  const PacingProfile p = PacingProfile::dexed();
  EXPECT_EQ(p.byte_time, microseconds(0));
  EXPECT_EQ(p.gap_after_param, milliseconds(0));
  EXPECT_EQ(p.gap_after_voice, milliseconds(0));
}

TEST(PacingProfile, NamedAcceptsBothAndRefusesOthersListingTheChoices) {
  EXPECT_EQ(PacingProfile::named("dx7").byte_time, microseconds(320));
  EXPECT_EQ(PacingProfile::named("dexed").byte_time, microseconds(0));
  try {
    PacingProfile::named("tx816");
    FAIL() << "an unknown profile was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("tx816"), std::string::npos) << what;
    EXPECT_NE(what.find("dx7"), std::string::npos) << what;
    EXPECT_NE(what.find("dexed"), std::string::npos) << what;
  }
}

TEST(Pacer, ReadyImmediatelyBeforeAnythingWasSent) {
  Pacer pacer(PacingProfile::dx7());
  EXPECT_TRUE(pacer.ready(t0()));
}

TEST(Pacer, VoiceDumpKeepsTheWireBusyThenRestsTheGap) {
  Pacer pacer(PacingProfile::dx7());
  pacer.sent(kVoiceDumpBytes, MessageKind::VoiceDump, t0());
  // 163 bytes x 320 us = 52.16 ms on the wire, then 100 ms of rest.
  EXPECT_EQ(pacer.ready_at(), t0() + microseconds(52'160) + milliseconds(100));
  EXPECT_FALSE(pacer.ready(t0() + microseconds(152'159)));
  EXPECT_TRUE(pacer.ready(t0() + microseconds(152'160)));
}

TEST(Pacer, ParamChangeUsesItsOwnGap) {
  Pacer pacer(PacingProfile::dx7());
  pacer.sent(kParamChangeBytes, MessageKind::ParamChange, t0());
  EXPECT_EQ(pacer.ready_at(), t0() + microseconds(2'240) + milliseconds(50));
}

TEST(Pacer, OtherMessagesOnlyCostWireTime) {
  Pacer pacer(PacingProfile::dx7());
  pacer.sent(3, MessageKind::Other, t0());
  EXPECT_EQ(pacer.ready_at(), t0() + microseconds(960));
}

TEST(Pacer, ConfiguredGapsReplaceTheProfileDefaults) {
  PacingProfile p = PacingProfile::dx7();
  p.gap_after_voice = milliseconds(250);
  Pacer pacer(p);
  pacer.sent(kVoiceDumpBytes, MessageKind::VoiceDump, t0());
  EXPECT_EQ(pacer.ready_at(), t0() + microseconds(52'160) + milliseconds(250));
}

TEST(Pacer, SendingEarlyQueuesBehindThePreviousMessage) {
  Pacer pacer(PacingProfile::dx7());
  pacer.sent(kVoiceDumpBytes, MessageKind::VoiceDump, t0());
  const Clock::time_point first_ready = pacer.ready_at();
  // A careless caller sends again at once: the second dump can only start when
  // the first and its gap are over, so the schedule still respects the wire.
  pacer.sent(kVoiceDumpBytes, MessageKind::VoiceDump, t0() + milliseconds(1));
  EXPECT_EQ(pacer.ready_at(), first_ready + microseconds(52'160) + milliseconds(100));
}

TEST(Pacer, DexedIsAlwaysReady) {
  Pacer pacer(PacingProfile::dexed());
  for (int i = 0; i < 100; ++i) pacer.sent(kVoiceDumpBytes, MessageKind::VoiceDump, t0());
  EXPECT_TRUE(pacer.ready(t0()));
}

// The writer's policy around the Pacer, as the engine's SysEx writer applies it:
// one pending slot that every newer voice overwrites, sent when the pacer allows.
struct Send {
  Clock::time_point at;
  int voice;
  std::size_t bytes;
  MessageKind kind;
};

std::vector<Send> simulate_storm(const PacingProfile& profile, int updates,
                                 std::chrono::microseconds span, MessageKind kind,
                                 std::size_t bytes, unsigned seed, int* newest) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<long> when(0, span.count());
  std::vector<long> times(static_cast<std::size_t>(updates));
  for (long& t : times) t = when(rng);
  std::sort(times.begin(), times.end());

  Pacer pacer(profile);
  std::vector<Send> sends;
  std::optional<int> pending;
  std::size_t next = 0;
  Clock::time_point now = t0();
  // Event-driven loop with a fake clock: jump to the next update or to the
  // moment the pacer frees the wire, whichever comes first.
  while (next < times.size() || pending) {
    const Clock::time_point update_at =
        next < times.size() ? t0() + microseconds(times[next]) : Clock::time_point::max();
    const Clock::time_point wire_at = pending ? std::max(now, pacer.ready_at())
                                              : Clock::time_point::max();
    if (update_at <= wire_at) {
      now = update_at;
      pending = static_cast<int>(next);  // a newer voice replaces the pending one
      *newest = pending.value();
      ++next;
    } else {
      now = wire_at;
      EXPECT_TRUE(pacer.ready(now));
      sends.push_back({now, *pending, bytes, kind});
      pacer.sent(bytes, kind, now);
      pending.reset();
    }
  }
  return sends;
}

void expect_wire_respected(const std::vector<Send>& sends, const PacingProfile& p) {
  for (std::size_t i = 1; i < sends.size(); ++i) {
    const auto& prev = sends[i - 1];
    const auto gap = prev.kind == MessageKind::VoiceDump ? microseconds(p.gap_after_voice)
                                                          : microseconds(p.gap_after_param);
    const auto min_spacing = p.byte_time * static_cast<long>(prev.bytes) + gap;
    ASSERT_GE(sends[i].at - prev.at, min_spacing) << "send " << i << " came too early";
    ASSERT_GT(sends[i].voice, prev.voice) << "an older voice was sent after a newer one";
  }
  // Over any one-second window the bytes handed on fit the 3,125 bytes/s wire.
  std::size_t window_bytes = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < sends.size(); ++i) {
    window_bytes += sends[i].bytes;
    while (sends[i].at - sends[first].at >= std::chrono::seconds(1)) {
      window_bytes -= sends[first].bytes;
      ++first;
    }
    // The last message of the window may still be on the wire when it closes.
    ASSERT_LE(window_bytes, 3125u + sends[i].bytes) << "wire rate exceeded at send " << i;
  }
}

TEST(PacerStorm, TenThousandVoicesInOneSecondNeverOutrunTheWireAndEndNewest) {
  const PacingProfile p = PacingProfile::dx7();
  int newest = -1;
  const auto sends = simulate_storm(p, 10'000, std::chrono::seconds(1), MessageKind::VoiceDump,
                                    kVoiceDumpBytes, 7u, &newest);
  ASSERT_FALSE(sends.empty());
  EXPECT_EQ(sends.back().voice, newest);
  expect_wire_respected(sends, p);
  // 152.16 ms per dump with its gap: at most 7 dumps fit into the 1 s storm plus
  // the final one after it.
  EXPECT_LE(sends.size(), 8u);
  EXPECT_GE(sends.size(), 6u) << "the writer idled although voices were pending";
}

TEST(PacerStorm, ParameterChangeStormsAreBoundedByTheirGap) {
  const PacingProfile p = PacingProfile::dx7();
  int newest = -1;
  const auto sends = simulate_storm(p, 5'000, std::chrono::milliseconds(500),
                                    MessageKind::ParamChange, kParamChangeBytes, 11u, &newest);
  ASSERT_FALSE(sends.empty());
  EXPECT_EQ(sends.back().voice, newest);
  expect_wire_respected(sends, p);
  EXPECT_LE(sends.size(), 11u);  // 52.24 ms each over 500 ms, plus the last
}

TEST(PacerStorm, EveryRandomStormEndsWithTheNewestVoice) {
  PacingProfile p = PacingProfile::dx7();
  p.gap_after_voice = milliseconds(30);
  for (unsigned seed = 1; seed <= 50; ++seed) {
    int newest = -1;
    const int updates = 1 + static_cast<int>(seed * 37 % 400);
    const auto sends = simulate_storm(p, updates, std::chrono::milliseconds(seed * 13),
                                      MessageKind::VoiceDump, kVoiceDumpBytes, seed, &newest);
    ASSERT_FALSE(sends.empty());
    ASSERT_EQ(sends.back().voice, newest) << "seed " << seed;
    expect_wire_respected(sends, p);
  }
}

}  // namespace
}  // namespace dxlatent
