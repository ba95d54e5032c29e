#pragma once
// The real `dxlatent` program as a child process for the fault tests: started
// with fork/exec, its stdout+stderr captured to a file the test can search,
// its memory read from /proc, and signals sent to it. No mocks: what the tests
// see is what a service manager would see.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace dxlatent::testing {

class ChildProcess {
 public:
  /// Starts `argv[0]` with the arguments; `env` entries ("K=V") are added to
  /// (or replace in) the test's own environment. Output goes to `log_path`.
  ChildProcess(std::vector<std::string> argv, std::string log_path,
               std::vector<std::string> env = {});
  /// Kills (SIGKILL) and reaps the child if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// True while the child has not exited (reaps it when it has).
  bool running();
  /// Waits up to `timeout` for the child to exit; its wait status, or nullopt.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  void signal(int sig) const;

  /// Everything the child printed so far.
  std::string output() const;
  /// Polls the output until it contains `needle` (counting from byte `from`).
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout,
                       std::size_t from = 0) const;
  /// VmRSS of the child in KiB (0 when it is gone).
  long rss_kib() const;

  /// Exit code if the child exited normally, else -signal.
  static int describe_status(int status);

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
};

}  // namespace dxlatent::testing
