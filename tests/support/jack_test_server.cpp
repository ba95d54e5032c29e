#include "support/jack_test_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace dxlatent::testing {

namespace {

std::atomic<int> g_counter{0};

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

/// Runs a program with stdout/stderr to /dev/null; returns its exit status (-1 if it could not run).
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
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

JackTestServer::JackTestServer(std::string name, std::uint32_t sample_rate, std::uint32_t period,
                               bool realtime)
    : name_(std::move(name)), sample_rate_(sample_rate), period_(period), realtime_(realtime) {
  if (name_.empty())
    name_ = "dxl-" + std::to_string(getpid()) + "-" + std::to_string(g_counter.fetch_add(1));
  const char* tmp = std::getenv("TMPDIR");
  log_path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + name_ + ".jackd.log";
}

JackTestServer::~JackTestServer() { stop(); }

bool JackTestServer::available() { return on_path("jackd") && on_path("jack_lsp"); }

void JackTestServer::start() {
  if (running()) return;
  // No client of this process may start a server on its own, and all default to ours.
  // setenv is not thread-safe against getenv in libjack: only write when it changes.
  const char* current = std::getenv("JACK_DEFAULT_SERVER");
  if (current == nullptr || name_ != current) setenv("JACK_DEFAULT_SERVER", name_.c_str(), 1);
  if (std::getenv("JACK_NO_START_SERVER") == nullptr) setenv("JACK_NO_START_SERVER", "1", 1);

  std::vector<std::string> args = {"jackd", realtime_ ? "-R" : "-r", "-n", name_, "-d", "dummy",
                                   "-r", std::to_string(sample_rate_),
                                   "-p", std::to_string(period_)};
  // Everything the child needs is built before fork(): only async-signal-safe calls after it.
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  // PR_SET_PDEATHSIG fires when the forking *thread* ends: only the main
  // thread's lifetime is the process's.
  const bool main_thread = gettid() == parent;
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed for jackd");
  if (pid == 0) {
    if (main_thread) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      if (getppid() != parent) _exit(127);
    }
    const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    // Do not hand the test's open JACK sockets to the new server: a client
    // connection it holds a copy of never closes from the server's side.
    close_range(3, ~0u, 0);
    execvp("jackd", argv.data());
    _exit(127);
  }
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("jackd '" + name_ + "' exited at start:\n" + read_file(log_path_));
    }
    if (run_quiet({"jack_lsp", "-s", name_}) == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("jackd '" + name_ + "' not ready within 10 s:\n" + read_file(log_path_));
}

void JackTestServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

void JackServerTest::SetUp() {
  if (!JackTestServer::available()) GTEST_SKIP() << "jackd/jack_lsp not on PATH (install jackd2)";
  server_.start();
}

void JackServerTest::TearDown() { server_.stop(); }

}  // namespace dxlatent::testing
