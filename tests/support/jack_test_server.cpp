#include "support/jack_test_server.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <thread>

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

}  // namespace

JackTestServer::JackTestServer(std::string name, std::uint32_t sample_rate, std::uint32_t period,
                               bool realtime)
    : name_(std::move(name)), sample_rate_(sample_rate), period_(period), realtime_(realtime) {
  if (name_.empty())
    name_ = "dxl-" + std::to_string(getpid()) + "-" + std::to_string(g_counter.fetch_add(1));
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
  process_ = std::make_unique<JackServerProcess>(name_, sample_rate_, period_, realtime_);
}

void JackTestServer::stop() { process_.reset(); }

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
