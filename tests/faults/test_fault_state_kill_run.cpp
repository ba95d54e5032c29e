// Fault: kill -9 of the running `dxlatent run` while it keeps its state (the
// learned CC map, the last latent, the current voice) in the state directory.
// Provoked by a knob storm (the engine rewrites latent.txt and current.syx as
// the voice moves) and SIGKILL at varying moments, five times over the same
// state directory. Expected: after every kill each state file loads, and the
// next start picks the learned mapping up again.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "dxlatent/engine/snapshot.hpp"
#include "dxlatent/engine/state_store.hpp"
#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class StateKillRun : public JackServerTest {};

TEST_F(StateKillRun, EveryKillLeavesLoadableStateAndTheMappingSurvives) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  const auto dir = fresh_dir("state-kill-run");
  RunConfig cfg;
  cfg.model = tiny_model();
  cfg.state_dir = dir / "state";
  cfg.ccs = "[]";  // learn, so that the mapping is state too
  std::mt19937 rng(5);
  StateStore::CcNumbers learned{};
  for (std::size_t d = 0; d < kLatentDims; ++d) learned[d] = static_cast<std::uint8_t>(30 + d);

  for (int round = 0; round < 5; ++round) {
    TestMidiClient rig("rig");
    auto proc = start_dxlatent(cfg, dir);
    ASSERT_TRUE(wait_for_dumps(rig, 1, 20s)) << proc->output();
    ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 5s)) << proc->output();
    if (round == 0) {
      for (std::uint8_t d = 0; d < kLatentDims; ++d) ASSERT_TRUE(rig.send(cc(0, 30 + d, 64)));
      ASSERT_TRUE(proc->wait_for_output("mapping saved", 10s)) << proc->output();
    } else {
      EXPECT_NE(proc->output().find("using the saved CC mapping"), std::string::npos)
          << "round " << round << ": the mapping was not picked up again\n" << proc->output();
    }
    std::atomic<bool> stop{false};
    std::thread knobs([&, seed = rng()] {
      std::mt19937 r(seed);
      while (!stop) {
        rig.send(cc(0, static_cast<std::uint8_t>(30 + r() % 8), static_cast<std::uint8_t>(r() % 128)));
        std::this_thread::sleep_for(2ms);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1100 + rng() % 1500));
    proc->signal(SIGKILL);
    const auto status = proc->wait_exit(5s);
    stop = true;
    knobs.join();
    ASSERT_TRUE(status);
    ASSERT_EQ(ChildProcess::describe_status(*status), -SIGKILL);

    StateStore store(cfg.state_dir);
    std::string error;
    const auto map = store.load_cc_map(&error);
    ASSERT_TRUE(map) << "round " << round << ": " << error;
    EXPECT_EQ(*map, learned);
    const auto z = store.load_latent(&error);
    EXPECT_TRUE(z) << "round " << round << ": " << error;
    EXPECT_NO_THROW(load_current_voice(cfg.state_dir)) << "round " << round;
  }
}

}  // namespace
}  // namespace dxlatent::testing
