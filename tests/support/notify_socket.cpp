#include "support/notify_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>

namespace dxlatent::testing {

NotifySocket::NotifySocket() {
  static std::atomic<int> n{0};
  path_ = "/tmp/dxlatent-notify-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
  ::unlink(path_.c_str());
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::perror("NotifySocket: bind");
}

NotifySocket::~NotifySocket() {
  ::close(fd_);
  ::unlink(path_.c_str());
}

std::vector<std::string> NotifySocket::collect(int ms) {
  std::vector<std::string> got;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[1024];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) got.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return got;
}

bool NotifySocket::wait_for(const std::string& needle, int ms, std::vector<std::string>* seen) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    for (const auto& m : collect(20)) {
      if (seen) seen->push_back(m);
      if (m.find(needle) != std::string::npos) return true;
    }
  }
  return false;
}

}  // namespace dxlatent::testing
