#include "dxlatent/engine/config.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace dxlatent;

namespace {
// The message of the ConfigError `text` raises, or "" when it is accepted.
std::string refusal(const std::string& text) {
  try {
    (void)parse_config(text, "/etc/dxlatent/test.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, TheShippedExampleLoadsWithTheDocumentedDefaults) {
  const Config c = load_config(DXLATENT_SOURCE_DIR "/config/dxlatent.toml");
  const Config d;
  EXPECT_EQ(c.client_name, d.client_name);
  EXPECT_EQ(c.mode, OutputMode::Auto);
  EXPECT_EQ(c.device_channel, 0);
  EXPECT_FALSE(c.control_channel);
  EXPECT_TRUE(c.ccs.empty());
  EXPECT_EQ(c.learn_ignore, std::vector<std::uint8_t>{64});
  EXPECT_FLOAT_EQ(c.map.low_level, 0.005f);
  EXPECT_FLOAT_EQ(c.map.high_level, 0.995f);
  EXPECT_TRUE(c.thru);
  EXPECT_FALSE(c.snapshot_cc);
  EXPECT_TRUE(c.model_path.empty());
  EXPECT_EQ(c.output_kind, "jack");
  EXPECT_EQ(c.monitor_connect, "system:playback_.*");
}

// The built-in monitor: kind "hexter" with its audio port pattern, which reaches
// make_output(); it plays the notes thru forwards, so thru off is refused.
TEST(Config, TheHexterMonitorKindAndItsAudioPortPattern) {
  const Config d = parse_config("[output]\nkind = \"hexter\"\n", "t.toml");
  EXPECT_EQ(d.output_kind, "hexter");
  EXPECT_EQ(d.monitor_connect, "system:playback_.*");
  EXPECT_EQ(d.output_settings().monitor_connect, "system:playback_.*");
  EXPECT_EQ(d.output_settings().kind, "hexter");
  const Config c = parse_config("[output]\nkind = \"hexter\"\nmonitor_connect = \"Scarlett.*playback_[12]$\"\n", "t.toml");
  EXPECT_EQ(c.output_settings().monitor_connect, "Scarlett.*playback_[12]$");
  EXPECT_EQ(parse_config("[output]\nkind = \"hexter\"\nmonitor_connect = \"\"\n", "t.toml").monitor_connect, "");
  EXPECT_NE(output_kinds_list().find("hexter"), std::string::npos);
}

TEST(Config, ReadsEveryKind) {
  const Config c = parse_config(R"(
[jack]
client_name = "live"
connect_controller = "system:midi_capture_.*"
connect_synth = "Carla:Dexed:events-in"
thru = false
[control]
channel = 10
ccs = [74, 71, 76]
high_level = 0.98
[model]
path = "m/model.pt"
[output]
mode = "params"
channel = 16
[snapshot]
cc = 100
program_change = true
[state]
dir = "/var/lib/dxlatent"
)", "/etc/dxlatent/x.toml");
  EXPECT_EQ(c.client_name, "live");
  EXPECT_FALSE(c.thru);
  EXPECT_EQ(c.control_channel, 9);
  EXPECT_EQ(c.ccs, (std::vector<std::uint8_t>{74, 71, 76}));
  EXPECT_FLOAT_EQ(c.map.high_level, 0.98f);
  EXPECT_EQ(c.model_path, "/etc/dxlatent/m/model.pt");  // relative to the file
  EXPECT_EQ(c.mode, OutputMode::Params);
  EXPECT_EQ(c.device_channel, 15);
  EXPECT_EQ(c.snapshot_cc, 100);
  EXPECT_EQ(c.program_change, ProgramChangeUse::Store);
  EXPECT_EQ(c.effective_state_dir(), "/var/lib/dxlatent");
}

TEST(Config, EachKindOfErrorIsRefusedWithFileLineAndReason) {
  struct Case {
    const char* text;
    const char* line;    // "FILE:LINE:" prefix expected
    const char* reason;  // a phrase the message must contain
  };
  const Case cases[] = {
      {"[output]\nchannel = 17\n", "test.toml:2:", "out of range: a MIDI channel 1..16"},
      {"[output]\nmode = \"bulk\"\n", "test.toml:2:", "is not a mode (voice, params, auto)"},
      {"[jack]\n\nconnect_synth = \"Dexed(\"\n", "test.toml:3:", "not a valid regular expression"},
      {"[control]\nccs = [1, 2, 1]\n", "test.toml:2:", "CC 1 is listed twice"},
      {"[control]\nccs = [1, 123]\n", "test.toml:2:", "120..127 are channel mode"},
      {"[control]\nccs = [1,2,3,4,5,6,7,8,9]\n", "test.toml:2:", "at most 8"},
      {"[control]\nchannel = \"one\"\n", "test.toml:2:", "must be an integer"},
      {"[control]\nlow_level = 0.7\n", "test.toml:2:", "low_level must be in [0, 0.5)"},
      {"[output]\nchanel = 2\n", "test.toml:2:", "unknown key 'chanel' in [output]"},
      {"[outptu]\nchannel = 2\n", "test.toml:1:", "unknown section [outptu]"},
      {"[jack]\nthru = 1\n", "test.toml:2:", "must be true or false"},
      {"[output]\npacing = \"fast\"\n", "test.toml:2:", "unknown pacing profile 'fast'"},
      {"[output]\nkind = \"alsa\"\n", "test.toml:2:", "not an output kind"},
      {"[output]\napi = \"coreaudio\"\n", "test.toml:2:", "not a MIDI API"},
      {"[output]\nkind = \"midi-port\"\n", "test.toml:2:", "needs output.port"},
      {"[start]\nvoice = \"rom1a.syx:0\"\n", "test.toml:2:", "slot '0'"},
      {"[start]\nvoice = \"/nonexistent/rom.syx:4\"\n", "test.toml:2:", "no such file"},
      {"[start]\nanchor = true\n", "test.toml:2:", "needs start.voice"},
      {"[control]\nccs = [100]\n[snapshot]\ncc = 100\n", "test.toml:4:", "also a knob"},
      {"[jack]\nclient_name = \"a:b\"\n", "test.toml:2:", "without ':'"},
      {"[output]\nchannel = 1\nchannel = 2\n", "test.toml:3:", ""},   // duplicate key: TOML syntax
      {"[output\n", "test.toml:1:", "TOML syntax error"},
      {"[engine]\nrealtime_priority = 95\n", "test.toml:2:", "below JACK's"},
      {"[output]\nmonitor_connect = \"playback_(\"\n", "test.toml:2:", "not a valid regular expression"},
      {"[jack]\nthru = false\n[output]\nkind = \"hexter\"\n", "test.toml:4:", "set [jack] thru = true"},
  };
  for (const auto& c : cases) {
    const std::string msg = refusal(c.text);
    ASSERT_FALSE(msg.empty()) << "accepted: " << c.text;
    EXPECT_NE(msg.find(c.line), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.reason), std::string::npos) << "wanted '" << c.reason << "' in:\n" << msg;
  }
}

TEST(Config, AMissingFileIsNamed) {
  try {
    (void)load_config("/nonexistent/dxlatent.toml");
    FAIL() << "accepted a missing file";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dxlatent.toml"), std::string::npos);
  }
}

TEST(Config, VoiceRefs) {
  const auto r = VoiceRef::parse("carts/rom1a.syx:12");
  EXPECT_EQ(r.file, "carts/rom1a.syx");
  EXPECT_EQ(r.slot, 12u);
  EXPECT_EQ(VoiceRef::parse("C:/carts/a:b.syx:40").file, "C:/carts/a:b.syx");  // the last ':' separates
  EXPECT_EQ(VoiceRef::parse("big.bin:1000").slot, 1000u);  // any slot; the file decides
  EXPECT_THROW(VoiceRef::parse("rom1a.syx"), std::invalid_argument);
  EXPECT_THROW(VoiceRef::parse("rom1a.syx:0"), std::invalid_argument);
  EXPECT_THROW(VoiceRef::parse("rom1a.syx:x"), std::invalid_argument);
}

TEST(Config, TheDx7ProfileDefaultsToVoiceModeAndGapsOverrideTheProfile) {
  const Config dx7 = parse_config("[output]\nkind = \"midi-port\"\nport = \"UM-ONE\"\npacing = \"dx7\"\n", "t.toml");
  EXPECT_EQ(dx7.mode, OutputMode::Voice);  // both message kinds reset a DX7's voices: one dump is gentlest
  EXPECT_EQ(dx7.pacing_profile().gap_after_voice, std::chrono::milliseconds(100));
  const Config chosen = parse_config("[output]\npacing = \"dx7\"\nmode = \"params\"\n", "t.toml");
  EXPECT_EQ(chosen.mode, OutputMode::Params);  // an explicit mode wins
  EXPECT_EQ(parse_config("[output]\npacing = \"dexed\"\n", "t.toml").mode, OutputMode::Auto);
  const Config gaps = parse_config(
      "[output]\npacing = \"dx7\"\ngap_after_param_ms = 80\ngap_after_voice_ms = 250\n", "t.toml");
  const PacingProfile p = gaps.pacing_profile();
  EXPECT_EQ(p.byte_time, std::chrono::microseconds(320));
  EXPECT_EQ(p.gap_after_param, std::chrono::milliseconds(80));
  EXPECT_EQ(p.gap_after_voice, std::chrono::milliseconds(250));
  EXPECT_NE(refusal("[output]\ngap_after_voice_ms = -1\n").find("gap_after_voice_ms"), std::string::npos);
  EXPECT_NE(refusal("[output]\ngap_after_param_ms = 1.5\n").find("gap_after_param_ms"), std::string::npos);
}

TEST(Config, SteeringSettingsAndTheirDefaults) {
  const Config d = load_config(DXLATENT_SOURCE_DIR "/config/dxlatent.toml");
  EXPECT_EQ(d.takeover, Takeover::PickUp);
  EXPECT_FALSE(d.locks.any());
  EXPECT_EQ(d.lock_toggle, parse_locks("algorithm"));
  EXPECT_FALSE(d.lock_cc || d.undo_cc);
  EXPECT_TRUE(d.category.empty());
  EXPECT_EQ(d.program_change, ProgramChangeUse::Thru);

  const Config c = parse_config(R"(
[control]
takeover = "scale"
lock = ["algorithm", "OP3 *"]
lock_toggle = "pitch-eg, lfo"
lock_cc = 85
undo_cc = 86
category = "bass"
category_width = 1.5
program_change = "recall"
)", "steer.toml");
  EXPECT_EQ(c.takeover, Takeover::Scale);
  EXPECT_EQ(c.locks, parse_locks("algorithm, op3"));
  EXPECT_EQ(c.lock_toggle, parse_locks("pitch-eg, lfo"));
  EXPECT_EQ(c.lock_cc, 85);
  EXPECT_EQ(c.undo_cc, 86);
  EXPECT_EQ(c.category, "bass");
  EXPECT_EQ(c.origin_of("control.category"), "steer.toml:8: ");
  EXPECT_FLOAT_EQ(c.map.category_width, 1.5f);
  EXPECT_EQ(c.program_change, ProgramChangeUse::Recall);
  // The legacy snapshot switch is the "store" use.
  EXPECT_EQ(parse_config("[snapshot]\nprogram_change = true\n", "x.toml").program_change, ProgramChangeUse::Store);
}

TEST(Config, SteeringErrorsNameTheLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"[control]\ntakeover = \"grab\"\n", "test.toml:2: control.takeover = \"grab\" is not a takeover mode"},
      {"[control]\nlock = [\"algorythm\"]\n", "test.toml:2: control.lock: "},
      {"[control]\nlock = 3\n", "test.toml:2: control.lock must be an array"},
      {"[control]\nprogram_change = \"bank\"\n", "test.toml:2: control.program_change = \"bank\" is not a use"},
      {"[control]\nccs = [20]\nundo_cc = 20\n", "test.toml:3: control.undo_cc = 20 is also a knob"},
      {"[control]\nundo_cc = 30\nlock_cc = 30\n", "test.toml:3: control.lock_cc = 30 is also control.undo_cc"},
      {"[control]\nprogram_change = \"recall\"\n[snapshot]\nprogram_change = true\n",
       "test.toml:4: snapshot.program_change = true (store) conflicts with control.program_change"},
      {"[control]\ncategory_width = 0\n", "test.toml:2: control.category_width must be in (0, 10]"},
  };
  for (const auto& [text, want] : cases) {
    const std::string got = refusal(text);
    EXPECT_NE(got.find(want), std::string::npos) << "config:\n" << text << "gave: " << got;
  }
}
