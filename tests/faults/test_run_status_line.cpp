// `dxlatent run` with the shipped model, as a service would run it (no
// terminal: the status is a plain line at most once a second): the status
// shows the resumed voice, the region the knobs move in, the kind of sound the
// voice is most like, and knobs that have not taken over yet (issues 12, 14).
#include <gtest/gtest.h>

#include <thread>

#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class RunStatusLine : public JackServerTest {};

TEST_F(RunStatusLine, ShowsTheRegionTheLikelyCategoryAndTheKnobsToTakeOver) {
  if (!std::filesystem::exists(shipped_model())) GTEST_SKIP() << "no shipped model at " << shipped_model();
  const auto dir = fresh_dir("status-line");
  TestMidiClient rig("rig");
  RunConfig cfg;
  cfg.model = shipped_model();
  cfg.state_dir = dir / "state";
  cfg.control_extra = "category = \"bass\"\n";
  {
    auto proc = start_dxlatent(cfg, dir);
    ASSERT_TRUE(wait_for_dumps(rig, 1, 20s)) << proc->output();
    ASSERT_TRUE(proc->wait_for_output(" | in bass", 5s)) << proc->output();
    ASSERT_TRUE(proc->wait_for_output(" | like ", 5s)) << proc->output();
    // Move a knob so that the next run has a voice to resume.
    ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 5s)) << proc->output();
    rig.send(cc(0, 20, 127));
    ASSERT_TRUE(wait_for_dumps(rig, 2, 10s)) << proc->output();
    proc->signal(SIGTERM);
    ASSERT_TRUE(proc->wait_exit(10s)) << proc->output();
  }
  // The next run resumes that voice: its name is in the status from the start,
  // and the knobs wait to be picked up where the sound is (pick-up, the default).
  rig.clear();
  cfg.control_extra.clear();
  auto proc = start_dxlatent(cfg, dir);
  ASSERT_TRUE(proc->wait_for_output("resuming the last voice", 20s)) << proc->output();
  const std::string out = proc->output();
  const auto at = out.find("resuming the last voice");
  const auto q1 = out.find('"', at), q2 = out.find('"', q1 + 1);
  ASSERT_NE(q2, std::string::npos) << out;
  const std::string name = out.substr(q1 + 1, q2 - q1 - 1);
  ASSERT_TRUE(proc->wait_for_output("| \"" + name + "\" alg", 5s)) << "the status does not show the resumed voice\n"
                                                                    << proc->output();
  ASSERT_TRUE(proc->wait_for_output("| turn to 1@", 5s)) << proc->output();
  proc->signal(SIGTERM);
  ASSERT_TRUE(proc->wait_exit(10s)) << proc->output();
}

}  // namespace
}  // namespace dxlatent::testing
