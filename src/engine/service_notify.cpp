#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdlib>

namespace dxlatent {

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if set) is our pid.
  if (active_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    interval_ = std::chrono::microseconds(usec / 2);
}

ServiceNotifier::~ServiceNotifier() { stop_watchdog(); }

bool ServiceNotifier::notify(const std::string& state) const {
  if (!active_) return false;
  // unset_environment = 0: later notifications need NOTIFY_SOCKET again.
  return sd_notify(0, state.c_str()) > 0;
}

void ServiceNotifier::ready(const std::string& status, std::function<bool()> healthy) {
  std::string line = status;
  std::replace(line.begin(), line.end(), '\n', ' ');
  notify("READY=1\nSTATUS=" + line);
  if (interval_.count() > 0 && !thread_.joinable()) {
    healthy_ = std::move(healthy);
    stop_ = false;
    thread_ = std::thread([this] { watchdog_loop(); });
  }
}

void ServiceNotifier::status(const std::string& text) {
  std::string line = text;
  std::replace(line.begin(), line.end(), '\n', ' ');
  notify("STATUS=" + line);
}

void ServiceNotifier::stopping() {
  stop_watchdog();
  notify("STOPPING=1");
}

void ServiceNotifier::watchdog_loop() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (!healthy_ || healthy_()) notify("WATCHDOG=1");
    wake_.wait_for(lock, interval_, [this] { return stop_; });
  }
}

void ServiceNotifier::stop_watchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace dxlatent
