// Fault: the hardware MIDI port disappears (USB unplugged) and comes back, under
// a running `dxlatent run` with `kind = "midi-port"`. Provoked through RtMidi's
// JACK API: the sink client standing in for the DX7's interface closes (its
// port vanishes) and opens again. Expected: one "lost" log line however long
// the outage, retries with backoff, one "back" line, and the current voice
// (including knob moves made during the outage) is sent whole when it is back.
#include <gtest/gtest.h>

#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class PortLoss : public JackServerTest {};

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST_F(PortLoss, TheCurrentVoiceIsResentWhenThePortReturns) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  const auto dir = fresh_dir("port-loss");
  TestMidiClient rig("rig");  // the controller
  auto dx7 = std::make_unique<TestMidiClient>("dx7");
  RunConfig cfg;
  cfg.model = tiny_model();
  cfg.state_dir = dir / "state";
  cfg.connect_synth = "";
  cfg.output_kind = "midi-port";
  cfg.output_port = "^dx7:in$";
  cfg.output_api = "jack";
  cfg.pacing = "dx7";
  auto proc = start_dxlatent(cfg, dir);

  ASSERT_TRUE(wait_for_dumps(*dx7, 1, 20s)) << "no start voice at the DX7\n" << proc->output();
  // Knobs only once the controller connection is in the JACK graph.
  ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 5s)) << proc->output();
  ASSERT_TRUE(rig.send(cc(0, 20, 127)));
  ASSERT_TRUE(rig.send(cc(0, 23, 3)));
  ASSERT_TRUE(wait_for_dumps(*dx7, 2, 10s)) << proc->output();
  std::this_thread::sleep_for(300ms);  // the pacing lets a second dump through at most every 152 ms
  const auto before = voice_dumps(dx7->received()).back();

  const std::size_t log_mark = proc->output().size();
  dx7.reset();  // unplugged
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(rig.send(cc(0, 22, 5)));  // the knobs keep moving during the outage
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(proc->running()) << proc->output();
  const std::string outage_log = proc->output().substr(log_mark);
  EXPECT_EQ(count(outage_log, "MIDI port 'dx7:in' lost"), 1) << "the loss must be logged once:\n" << outage_log;
  EXPECT_EQ(count(outage_log, "is not connected"), 1) << "the writer must say it once:\n" << outage_log;

  dx7 = std::make_unique<TestMidiClient>("dx7");  // plugged back in
  ASSERT_TRUE(wait_for_dumps(*dx7, 1, 10s)) << "nothing arrived after the port returned\n"
                                             << proc->output().substr(log_mark);
  std::this_thread::sleep_for(500ms);
  const auto after = voice_dumps(dx7->received());
  for (const auto& d : after) EXPECT_TRUE(is_whole_voice_dump(d));
  EXPECT_NE(after.back(), before) << "the knob move made during the outage was lost";
  const std::string log = proc->output().substr(log_mark);
  EXPECT_EQ(count(log, "MIDI port 'dx7:in' back"), 1) << log;
  EXPECT_EQ(count(log, "lost"), 1) << log;
  std::printf("--- dxlatent log from the unplug on ---\n%s", log.c_str());

  // Knobs still work after the return.
  ASSERT_TRUE(rig.send(cc(0, 24, 77)));
  EXPECT_TRUE(wait_for_dumps(*dx7, after.size() + 1, 10s)) << proc->output();
  proc->signal(SIGTERM);
  ASSERT_TRUE(proc->wait_exit(3s));
}

}  // namespace
}  // namespace dxlatent::testing
