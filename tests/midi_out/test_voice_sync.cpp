#include "dxlatent/midi_out/voice_sync.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "dxlatent/sysex/sysex.hpp"

using namespace dxlatent;

namespace {

Voice voice_a() {
  Voice v = sysex::init_voice();
  v.set_name("ALPHA");
  return v;
}

// Differs from voice_a in three sound parameters and the name.
Voice voice_b() {
  Voice v = voice_a();
  v.bytes[0] = 12;                 // OP6 EG rate 1
  v.bytes[kAlgorithmOffset] = 4;   // algorithm 5
  v.bytes[137] = 60;               // LFO speed
  v.set_name("BRAVO");
  return v;
}

// Sends everything VoiceSync wants, returning the messages; applies each to a
// model synth so tests can check where the synth ends up.
std::vector<OutMessage> drain(VoiceSync& sync, Voice* synth = nullptr) {
  std::vector<OutMessage> out;
  while (auto m = sync.next()) {
    out.push_back(*m);
    if (synth) {
      if (m->size == sysex::kSingleVoiceDumpBytes) {
        std::copy(m->bytes.begin() + 6, m->bytes.begin() + 6 + kVoiceBytes, synth->bytes.begin());
      } else {
        sysex::ParamChange pc{};
        std::copy(m->bytes.begin(), m->bytes.begin() + 7, pc.begin());
        sysex::apply(*synth, pc);
      }
    }
    sync.sent();
    if (out.size() > 1000) break;  // a bug, not an endless test
  }
  return out;
}

bool is_dump(const OutMessage& m) { return m.size == sysex::kSingleVoiceDumpBytes; }
bool is_param(const OutMessage& m) { return m.size == sysex::kParamChangeBytes; }

}  // namespace

TEST(VoiceSync, NothingToSendWithoutATarget) {
  VoiceSync sync(OutputMode::Auto, 0);
  EXPECT_FALSE(sync.next());
}

TEST(VoiceSync, UnknownSynthGetsADumpFirstInEveryMode) {
  for (auto mode : {OutputMode::Voice, OutputMode::Params, OutputMode::Auto}) {
    VoiceSync sync(mode, 3);
    sync.set_keys_held(true);
    sync.set_target(voice_a());
    auto msgs = drain(sync);
    ASSERT_EQ(msgs.size(), 1u) << to_string(mode);
    EXPECT_TRUE(is_dump(msgs[0]));
    EXPECT_EQ(msgs[0].bytes[2], 0x03);  // device channel
    const auto expect = sysex::encode_single_voice(voice_a(), 3);
    EXPECT_TRUE(std::equal(expect.begin(), expect.end(), msgs[0].bytes.begin()));
  }
}

TEST(VoiceSync, VoiceModeSendsOneDumpPerChangeAndOnlyTheNewestTarget) {
  VoiceSync sync(OutputMode::Voice, 0);
  sync.set_target(voice_a());
  drain(sync);
  Voice c = voice_b();
  c.bytes[1] = 77;
  sync.set_target(voice_b());
  sync.set_target(c);  // replaces b before anything went out
  auto msgs = drain(sync);
  ASSERT_EQ(msgs.size(), 1u);
  const auto expect = sysex::encode_single_voice(c, 0);
  EXPECT_TRUE(std::equal(expect.begin(), expect.end(), msgs[0].bytes.begin()));
  sync.set_target(c);
  EXPECT_FALSE(sync.next());  // same voice again: nothing
}

TEST(VoiceSync, ParamsModeSendsOnlyTheChangedParameters) {
  VoiceSync sync(OutputMode::Params, 5);
  Voice synth{};
  sync.set_target(voice_a());
  drain(sync, &synth);
  sync.set_target(voice_b());
  auto msgs = drain(sync, &synth);
  const auto expect = sysex::diff(voice_a(), voice_b(), 5);
  ASSERT_EQ(msgs.size(), expect.size());
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    ASSERT_TRUE(is_param(msgs[i]));
    EXPECT_TRUE(std::equal(expect[i].begin(), expect[i].end(), msgs[i].bytes.begin())) << i;
    EXPECT_EQ(msgs[i].bytes[2], 0x15);  // parameter change, channel 6, group 0
  }
  EXPECT_EQ(synth, voice_b());
  // params mode never dumps on its own, even with keys up.
  EXPECT_FALSE(sync.next());
}

TEST(VoiceSync, ATargetChangedHalfWayIsFollowedNotQueued) {
  VoiceSync sync(OutputMode::Params, 0);
  Voice synth{};
  sync.set_target(voice_a());
  drain(sync, &synth);
  sync.set_target(voice_b());
  ASSERT_TRUE(sync.next());
  sync.sent();  // one of b's changes went out (OP6 EG rate 1)
  sync.set_target(voice_a());  // the knob went back
  auto msgs = drain(sync, &synth);
  EXPECT_EQ(msgs.size(), 1u);  // only that one parameter goes back
  EXPECT_EQ(synth.bytes[0], voice_a().bytes[0]);
}

TEST(VoiceSync, AutoModeSendsParamsWhileKeysAreHeldThenOneDumpOnRelease) {
  VoiceSync sync(OutputMode::Auto, 0);
  Voice synth{};
  sync.set_target(voice_a());
  drain(sync, &synth);
  sync.set_keys_held(true);
  sync.set_target(voice_b());
  auto held = drain(sync, &synth);
  ASSERT_FALSE(held.empty());
  for (const auto& m : held) EXPECT_TRUE(is_param(m));
  EXPECT_EQ(synth, voice_b());
  sync.set_keys_held(false);
  auto released = drain(sync, &synth);
  ASSERT_EQ(released.size(), 1u);  // the reload that applies LFO settings too
  EXPECT_TRUE(is_dump(released[0]));
  EXPECT_EQ(synth, voice_b());
  EXPECT_FALSE(sync.next());
  // With keys up, a change is a dump straight away.
  sync.set_target(voice_a());
  auto up = drain(sync, &synth);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_TRUE(is_dump(up[0]));
}

TEST(VoiceSync, OutOfRangeTargetsAreClampedAndForgetSynthForcesADump) {
  VoiceSync sync(OutputMode::Params, 0);
  Voice bad = voice_a();
  bad.bytes[kAlgorithmOffset] = 90;  // algorithm 91 does not exist
  sync.set_target(bad);
  auto msgs = drain(sync);
  ASSERT_EQ(msgs.size(), 1u);
  for (std::size_t i = 1; i + 1 < msgs[0].size; ++i) EXPECT_LT(msgs[0].bytes[i], 0x80);
  EXPECT_EQ(msgs[0].bytes[6 + kAlgorithmOffset], 31);
  EXPECT_FALSE(sync.next());
  sync.forget_synth();
  auto again = drain(sync);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(is_dump(again[0]));
}

TEST(VoiceSync, ModeNames) {
  EXPECT_EQ(parse_output_mode("auto"), OutputMode::Auto);
  EXPECT_EQ(parse_output_mode("params"), OutputMode::Params);
  EXPECT_EQ(parse_output_mode("voice"), OutputMode::Voice);
  EXPECT_FALSE(parse_output_mode("bulk"));
}
