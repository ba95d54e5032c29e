#pragma once
// A private JACK server for `dxlatent demo`, the benchmarks and the tests.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace dxlatent {

/// `jackd -r -n NAME -d dummy -r RATE -p PERIOD` as a child process, stopped
/// (SIGTERM, then SIGKILL after 5 s) when destroyed; it dies with the parent
/// (PR_SET_PDEATHSIG) and inherits none of its descriptors. The demo, the
/// benchmarks and the tests (tests/support/jack_test_server) all start servers
/// with it. Control thread only.
class JackServerProcess {
 public:
  /// True when a JACK server called `name` ("" = default) answers (opens a client).
  static bool running(const std::string& name);
  /// Starts it and waits until `jack_lsp -s NAME` answers (up to `timeout`).
  /// Throws std::runtime_error (with jackd's output) when it does not come up.
  /// realtime: `-R` (SCHED_FIFO, as a studio runs JACK) instead of `-r`; on a
  /// loaded machine without it, the server's own threads miss periods (xruns).
  JackServerProcess(const std::string& name, std::uint32_t rate = 48000, std::uint32_t period = 64,
                    bool realtime = false, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~JackServerProcess();
  JackServerProcess(const JackServerProcess&) = delete;
  JackServerProcess& operator=(const JackServerProcess&) = delete;
  /// Stops the server now (as the destructor does). Idempotent.
  void stop();
  const std::string& name() const { return name_; }
  /// jackd's output (kept after a server that had to be killed).
  const std::string& log_path() const { return log_path_; }

 private:
  std::string name_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace dxlatent
