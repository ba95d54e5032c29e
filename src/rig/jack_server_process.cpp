#include "dxlatent/rig/jack_server_process.hpp"

#include <fcntl.h>
#include <jack/jack.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace dxlatent {

namespace {

void silent(const char*) {}
void to_stderr(const char* msg) { std::fprintf(stderr, "jack: %s\n", msg); }

}  // namespace

bool JackServerProcess::running(const std::string& name) {
  // A probe that fails is the expected answer, not an error worth printing.
  jack_set_error_function(&silent);
  jack_status_t status{};
  const auto opts = JackOptions(JackNoStartServer | (name.empty() ? 0 : JackServerName));
  jack_client_t* c = name.empty() ? jack_client_open("dxlatent-probe", opts, &status)
                                  : jack_client_open("dxlatent-probe", opts, &status, name.c_str());
  jack_set_error_function(&to_stderr);
  if (!c) return false;
  jack_client_close(c);
  return true;
}

namespace {

/// Runs a program with stdout/stderr to /dev/null; its exit status (-1 if it could not run).
int run_quiet(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

JackServerProcess::JackServerProcess(const std::string& name, std::uint32_t rate, std::uint32_t period,
                                     bool realtime, std::chrono::milliseconds timeout)
    : name_(name) {
  const char* tmp = std::getenv("TMPDIR");
  log_path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + name_ + ".jackd.log";
  const std::vector<std::string> args = {"jackd", realtime ? "-R" : "-r", "-n", name_, "-d", "dummy",
                                         "-r", std::to_string(rate), "-p", std::to_string(period)};
  // Everything the child needs is built before fork(): only async-signal-safe calls after it.
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  // PR_SET_PDEATHSIG fires when the forking *thread* ends: only the main
  // thread's lifetime is the process's.
  const bool main_thread = ::gettid() == parent;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot start jackd: fork failed");
  if (pid == 0) {
    if (main_thread) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed parent
      if (::getppid() != parent) _exit(127);
    }
    const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) {
      ::dup2(null, 0);
      ::close(null);
    }
    // Do not hand our open JACK sockets to the new server: a client connection
    // it holds a copy of never closes from the server's side.
    ::close_range(3, ~0u, 0);
    ::execvp("jackd", argv.data());
    _exit(127);
  }
  pid_ = pid;
  // Polled from a separate process (jack_lsp), so no JACK client of ours is
  // opened and closed against a server that is still coming up.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("jackd -n " + name_ + " exited at start (is jackd2 installed?):\n" +
                               read_all(log_path_));
    }
    if (run_quiet({"jack_lsp", "-s", name_}) == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::string log = read_all(log_path_);
  stop();
  throw std::runtime_error("jackd -n " + name_ + " did not come up within " + std::to_string(timeout.count()) +
                           " ms:\n" + log);
}

JackServerProcess::~JackServerProcess() { stop(); }

void JackServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int st = 0;
  bool clean = true;
  while (::waitpid(pid_, &st, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &st, 0);
      clean = false;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  if (clean) std::remove(log_path_.c_str());  // kept after a kill, for the post-mortem
}

}  // namespace dxlatent
