#pragma once
// A private JACK server for tests: `jackd -r -n NAME -d dummy -r RATE -p PERIOD`
// as a child process (rig's JackServerProcess, the one the demo and the
// benchmarks use), so JACK tests run real JACK without a sound card and without
// disturbing other test runs on the machine (each gets its own name).

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "dxlatent/rig/jack_server_process.hpp"

namespace dxlatent::testing {

class JackTestServer {
 public:
  /// Empty name: a unique one ("dxl-<pid>-<n>"). realtime: run jackd with
  /// SCHED_FIFO threads (without `-r`), e.g. for benchmarks on a busy machine.
  explicit JackTestServer(std::string name = {}, std::uint32_t sample_rate = 48000,
                          std::uint32_t period = 64, bool realtime = false);
  /// Stops the server if it runs.
  ~JackTestServer();
  JackTestServer(const JackTestServer&) = delete;
  JackTestServer& operator=(const JackTestServer&) = delete;

  /// Starts jackd and waits (polling `jack_lsp -s NAME` every 20 ms, up to
  /// 10 s) until it answers; sets JACK_DEFAULT_SERVER=NAME for this process.
  /// Throws std::runtime_error with jackd's log on failure.
  void start();
  /// SIGTERM, then SIGKILL after 5 s; waits for the process. Idempotent.
  void stop();
  void restart() {
    stop();
    start();
  }
  bool running() const { return process_ != nullptr; }
  const std::string& name() const { return name_; }
  std::uint32_t sample_rate() const { return sample_rate_; }
  std::uint32_t period() const { return period_; }

  /// True when `jackd` and `jack_lsp` are on PATH.
  static bool available();

 private:
  std::string name_;
  std::uint32_t sample_rate_;
  std::uint32_t period_;
  bool realtime_;
  std::unique_ptr<JackServerProcess> process_;
};

/// Polls `pred` every millisecond until it is true or `timeout` passes.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// GoogleTest fixture: a fresh server per test (skips when jackd is missing).
class JackServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  JackTestServer server_;
};

}  // namespace dxlatent::testing
