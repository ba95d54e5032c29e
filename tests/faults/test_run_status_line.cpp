// `dxlatent run` with the shipped model, as a service would run it (no
// terminal: the status is a plain line at most once a second): the status
// shows the resumed voice, the region the knobs move in, the kind of sound the
// voice is most like, and knobs that have not taken over yet (issues 12, 14).
#include <gtest/gtest.h>

#include <jack/jack.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
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

// A JACK client that overruns its period on purpose: the server then reports
// xruns to every client, as a stalled plugin in a studio would make it.
class StallClient {
 public:
  StallClient() {
    client_ = jack_client_open("staller", JackNoStartServer, nullptr);
    if (!client_) return;
    jack_set_process_callback(client_, &StallClient::process, this);
    jack_activate(client_);
  }
  ~StallClient() {
    if (client_) jack_client_close(client_);
  }
  bool ok() const { return client_ != nullptr; }
  std::atomic<bool> stall{false};

 private:
  static int process(jack_nframes_t, void* self) {
    if (static_cast<StallClient*>(self)->stall.load()) ::usleep(8000);  // six 1.3 ms periods
    return 0;
  }
  jack_client_t* client_ = nullptr;
};

// Issue 14: on a terminal, JACK xrun warnings broke the status line. Now they
// are counted in it, and no warning line is printed for them.
TEST_F(RunStatusLine, OnATerminalXrunsAreCountedInTheStatusLineNotPrinted) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  if (!std::filesystem::exists("/usr/bin/script")) GTEST_SKIP() << "script(1) (bsdutils) is needed for a terminal";
  const auto dir = fresh_dir("status-tty");
  TestMidiClient rig("rig");
  RunConfig cfg;
  cfg.model = tiny_model();
  cfg.state_dir = dir / "state";
  const auto config = dir / "dxlatent.toml";
  std::ofstream(config) << cfg.text();
  // script(1) gives the program a pseudo-terminal and copies what it shows.
  ChildProcess proc({"/usr/bin/script", "-qefc", "exec " + dxlatent_bin().string() + " run --config " + config.string(),
                     "/dev/null"},
                    (dir / "tty.log").string(), {"OPENBLAS_NUM_THREADS=1"});
  ASSERT_TRUE(proc.wait_for_output("mapping:", 20s)) << proc.output();
  ASSERT_TRUE(proc.wait_for_output("| \"", 10s)) << "no status line\n" << proc.output();
  StallClient staller;
  ASSERT_TRUE(staller.ok());
  staller.stall = true;
  const bool counted = proc.wait_for_output("| xruns ", 10s);
  staller.stall = false;
  std::this_thread::sleep_for(1500ms);  // the JACK edge would log xruns once a second
  proc.signal(SIGTERM);
  (void)proc.wait_exit(10s);
  const std::string out = proc.output();
  EXPECT_TRUE(counted) << "xruns are not in the status line\n" << out;
  EXPECT_EQ(out.find("JACK xrun(s)"), std::string::npos) << "an xrun warning was printed\n" << out;
}

}  // namespace
}  // namespace dxlatent::testing
