#pragma once
// systemd's notification protocol for `dxlatent run` under Type=notify
// (systemd/dxlatent.service): READY=1 once the engine runs, STATUS= lines for
// `systemctl status`, WATCHDOG=1 keep-alives at half of WatchdogSec, STOPPING=1
// on shutdown. Everything is a no-op when NOTIFY_SOCKET is unset (a terminal, a
// test, a user's own script), so the engine calls it unconditionally.
//
// The watchdog is fed by a thread of its own, but only while the engine's
// `healthy` check passes (e.g. the writer and decode threads' heartbeats
// advance): a hung engine stops the pings and systemd restarts it, while a long
// JACK reconnect in the main loop does not look like a hang.
//
// Threads: construct, ready(), status(), stopping() and the destructor from the
// control thread (main); the watchdog thread calls only `healthy` and sd_notify.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace dxlatent {

class ServiceNotifier {
 public:
  /// Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID from the environment.
  ServiceNotifier();
  /// Stops the watchdog thread (without sending STOPPING=1: call stopping()).
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  /// True when a service manager listens (NOTIFY_SOCKET set).
  bool active() const { return active_; }
  /// The keep-alive period (half of WATCHDOG_USEC); zero when no watchdog is asked for.
  std::chrono::microseconds watchdog_interval() const { return interval_; }

  /// READY=1 with a status line; starts the watchdog thread if one is asked for.
  /// `healthy` is polled before each keep-alive (any thread-safe check; empty = always).
  void ready(const std::string& status, std::function<bool()> healthy = {});
  /// STATUS=<text> (one line; newlines are replaced).
  void status(const std::string& text);
  /// STOPPING=1; also stops the keep-alives.
  void stopping();

 private:
  bool notify(const std::string& state) const;
  void watchdog_loop();
  void stop_watchdog();

  bool active_ = false;
  std::chrono::microseconds interval_{0};
  std::function<bool()> healthy_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace dxlatent
