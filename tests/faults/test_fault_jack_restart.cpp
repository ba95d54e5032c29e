// Fault: the JACK server stops and starts again under a running `dxlatent run`.
// Provoked by killing the test's jackd (SIGTERM, as `systemctl restart jack`
// would) and starting it again under the same name. Expected: dxlatent keeps
// running, reconnects, re-applies its port connections by pattern, resends the
// voice it had (the last latent state), and reacts to knobs again.
#include <gtest/gtest.h>

#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class JackRestart : public JackServerTest {};

TEST_F(JackRestart, DxlatentReconnectsReappliesConnectionsAndResumesTheVoice) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  const auto dir = fresh_dir("jack-restart");
  TestMidiClient rig("rig");
  RunConfig cfg;
  cfg.model = tiny_model();
  cfg.state_dir = dir / "state";
  NotifySocket notify;
  auto proc = start_dxlatent(cfg, dir, {notify.env()});

  ASSERT_TRUE(wait_for_dumps(rig, 1, 20s)) << "no start voice arrived\n" << proc->output();
  // Knobs only once the controller connection is in the JACK graph.
  ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 5s)) << proc->output();
  // Two knob moves; the voice after the second one is what must survive.
  ASSERT_TRUE(rig.send(cc(0, 20, 127)));
  ASSERT_TRUE(rig.send(cc(0, 23, 3)));
  std::vector<std::uint8_t> before;
  ASSERT_TRUE(wait_until([&] {
    const auto d = voice_dumps(rig.received());
    if (d.size() < 2) return false;
    before = d.back();
    return true;
  }, 10s)) << proc->output();
  std::this_thread::sleep_for(300ms);  // let any last dump of the burst arrive
  before = voice_dumps(rig.received()).back();

  const std::size_t log_mark = proc->output().size();
  server_.stop();
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(proc->running()) << "dxlatent died with the JACK server\n" << proc->output();

  server_.start();
  rig.reopen();
  rig.clear();
  // Without any new knob move, the voice it had comes back: the writer forgot
  // what the (possibly restarted) synth holds and resends the current voice.
  ASSERT_TRUE(wait_for_dumps(rig, 1, 15s)) << "nothing arrived after the restart\n"
                                            << proc->output().substr(log_mark);
  EXPECT_EQ(voice_dumps(rig.received()).front(), before)
      << "the voice after the restart is not the last latent state's";

  // The controller connection was re-applied: a knob move changes the voice.
  ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 10s))
      << "the controller connection was not re-applied\n" << proc->output().substr(log_mark);
  rig.clear();
  ASSERT_TRUE(rig.send(cc(0, 21, 0)));
  ASSERT_TRUE(wait_for_dumps(rig, 1, 10s)) << "knobs are dead after the restart\n"
                                            << proc->output().substr(log_mark);
  EXPECT_NE(voice_dumps(rig.received()).back(), before);
  EXPECT_TRUE(proc->running());
  const std::string log = proc->output().substr(log_mark);
  std::printf("--- dxlatent log after the kill ---\n%s", log.c_str());
  auto count = [&](const std::string& needle) {
    int n = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("JACK server lost"), 1) << "one line per event";
  EXPECT_EQ(count("JACK server back"), 1) << "one line per event";
  // systemd saw the outage in the STATUS= line.
  std::vector<std::string> seen;
  bool ready = false, lost_status = false;
  for (const auto& m : notify.collect(200)) seen.push_back(m);
  for (const auto& m : seen) {
    ready |= m.find("READY=1") != std::string::npos;
    lost_status |= m.find("STATUS=JACK server lost") != std::string::npos;
  }
  EXPECT_TRUE(ready);
  EXPECT_TRUE(lost_status) << "no STATUS= line about the lost JACK server";

  proc->signal(SIGTERM);
  const auto status = proc->wait_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_EQ(ChildProcess::describe_status(*status), 0);
}

}  // namespace
}  // namespace dxlatent::testing
