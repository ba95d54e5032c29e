// sd_notify as systemd would see it: a real AF_UNIX datagram socket named by
// NOTIFY_SOCKET receives READY, STATUS, WATCHDOG (at half of WATCHDOG_USEC, only
// while the engine is healthy) and STOPPING; without NOTIFY_SOCKET nothing is sent.
#include "service_notify.hpp"
#include "support/notify_socket.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

namespace dxlatent {
namespace {

using dxlatent::testing::NotifySocket;

int count(const std::vector<std::string>& v, const std::string& s) {
  int n = 0;
  for (const auto& m : v) n += m == s;
  return n;
}

TEST(ServiceNotify, WithoutNotifySocketNothingHappens) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "100000", 1);
  ServiceNotifier n;
  EXPECT_FALSE(n.active());
  EXPECT_EQ(n.watchdog_interval().count(), 0);
  n.ready("running");  // must not throw, block or start a thread
  n.status("still");
  n.stopping();
  ::unsetenv("WATCHDOG_USEC");
}

TEST(ServiceNotify, ReadyStatusWatchdogAndStoppingReachTheSocket) {
  NotifySocket sock;
  ::setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);  // WatchdogSec=0.2s
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  std::atomic<bool> healthy{true};
  {
    ServiceNotifier n;
    ASSERT_TRUE(n.active());
    EXPECT_EQ(n.watchdog_interval(), std::chrono::microseconds(100000));
    n.ready("model loaded; 8 knobs\nlearning", [&] { return healthy.load(); });
    auto got = sock.collect(560);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.front(), "READY=1\nSTATUS=model loaded; 8 knobs learning");
    const int pings = count(got, "WATCHDOG=1");
    EXPECT_GE(pings, 4) << "expected a keep-alive every 100 ms";
    EXPECT_LE(pings, 7);

    healthy = false;  // a hung engine: the keep-alives stop, systemd will act
    sock.collect(120);  // let a ping already under way pass
    got = sock.collect(400);
    EXPECT_EQ(count(got, "WATCHDOG=1"), 0);
    healthy = true;
    got = sock.collect(300);
    EXPECT_GE(count(got, "WATCHDOG=1"), 2);

    n.status("JACK lost; waiting for the server");
    n.stopping();
    got = sock.collect(250);
    EXPECT_EQ(count(got, "STATUS=JACK lost; waiting for the server"), 1);
    EXPECT_EQ(count(got, "STOPPING=1"), 1);
    EXPECT_EQ(count(got, "WATCHDOG=1"), 0) << "keep-alives after STOPPING=1";
  }
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

TEST(ServiceNotify, AWatchdogMeantForAnotherProcessIsIgnored) {
  NotifySocket sock;
  ::setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ServiceNotifier n;
  EXPECT_TRUE(n.active());
  EXPECT_EQ(n.watchdog_interval().count(), 0);
  n.ready("up");
  const auto got = sock.collect(300);
  EXPECT_EQ(count(got, "WATCHDOG=1"), 0);
  EXPECT_EQ(count(got, "READY=1\nSTATUS=up"), 1);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

}  // namespace
}  // namespace dxlatent
