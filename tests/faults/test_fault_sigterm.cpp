// Fault: SIGTERM while the writer is sending. Provoked by a stream of knob moves
// that keeps the SysEx writer busy (no pacing, a voice dump per move) and a
// SIGTERM at varying moments. Expected: exit status 0 within 1 s, STOPPING=1 to
// systemd, and every SysEx that reached the synth whole (163 bytes, F0..F7,
// valid checksum): a message is finished or dropped whole, never cut. Run for
// the JACK output and for a midi-port output through RtMidi.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fault_rig.hpp"

namespace dxlatent::testing {
namespace {

using namespace std::chrono_literals;

class Sigterm : public JackServerTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(Sigterm, ExitsWithinOneSecondLeavingOnlyWholeMessages) {
  if (!std::filesystem::exists(tiny_model())) GTEST_SKIP() << "no test model at " << tiny_model();
  const bool midi_port = GetParam() == "midi-port";
  for (int round = 0; round < 3; ++round) {
    const auto dir = fresh_dir("sigterm");
    TestMidiClient rig("rig");
    RunConfig cfg;
    cfg.model = tiny_model();
    cfg.state_dir = dir / "state";
    if (midi_port) {
      cfg.connect_synth = "";
      cfg.output_kind = "midi-port";
      cfg.output_port = "^rig:in$";
      cfg.output_api = "jack";
    }
    NotifySocket notify;
    auto proc = start_dxlatent(cfg, dir, {notify.env()});
    ASSERT_TRUE(notify.wait_for("READY=1", 20000)) << proc->output();
    ASSERT_TRUE(wait_for_dumps(rig, 1, 10s)) << proc->output();
  // Knobs only once the controller connection is in the JACK graph.
  ASSERT_TRUE(wait_for_connection("rig:out", "dxl-fault:control_in", 5s)) << proc->output();

    std::atomic<bool> stop{false};
    std::thread knobs([&] {
      for (int i = 0; !stop; ++i) {
        rig.send(cc(0, static_cast<std::uint8_t>(20 + i % 8), static_cast<std::uint8_t>((i * 37) % 128)));
        std::this_thread::sleep_for(1ms);
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400 + 137 * round));
    const auto sent_before = voice_dumps(rig.received()).size();
    const auto t0 = std::chrono::steady_clock::now();
    proc->signal(SIGTERM);
    const auto status = proc->wait_exit(5s);
    const auto took = std::chrono::steady_clock::now() - t0;
    stop = true;
    knobs.join();
    ASSERT_TRUE(status) << "still running 5 s after SIGTERM\n" << proc->output();
    const double ms = std::chrono::duration<double, std::milli>(took).count();
    std::printf("[%s round %d] %zu dumps before SIGTERM; exit %d after %.1f ms\n", GetParam().c_str(),
                round, sent_before, ChildProcess::describe_status(*status), ms);
    EXPECT_GT(sent_before, 5u) << "the writer was not busy when the signal came";
    EXPECT_EQ(ChildProcess::describe_status(*status), 0) << proc->output();
    EXPECT_LT(ms, 1000.0) << "took too long to stop";
    std::this_thread::sleep_for(100ms);
    for (const auto& m : rig.received()) {
      const auto d = m.data();
      if (!d.empty() && d[0] == 0xF0) {
        EXPECT_TRUE(is_whole_voice_dump(d)) << "a cut SysEx of " << d.size() << " bytes";
      }
    }
    bool stopping = false;
    for (const auto& m : notify.collect(100)) stopping |= m.find("STOPPING=1") != std::string::npos;
    EXPECT_TRUE(stopping) << "no STOPPING=1 sent";
  }
}

INSTANTIATE_TEST_SUITE_P(Outputs, Sigterm, ::testing::Values("jack", "midi-port"),
                         [](const auto& info) { return info.param == "jack" ? std::string("Jack") : std::string("MidiPort"); });

}  // namespace
}  // namespace dxlatent::testing
