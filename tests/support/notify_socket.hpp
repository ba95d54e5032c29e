#pragma once
// A stand-in for systemd's notification socket: an AF_UNIX datagram socket whose
// path the process under test finds in NOTIFY_SOCKET, as sd_notify() does.
// Used by the service-notify unit test and the fault tests of `dxlatent run`.

#include <string>
#include <vector>

namespace dxlatent::testing {

class NotifySocket {
 public:
  NotifySocket();  ///< binds a fresh socket under /tmp (unique per process and instance)
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }
  /// Datagrams that arrive within `ms`.
  std::vector<std::string> collect(int ms);
  /// Waits up to `ms` for a datagram containing `needle`; everything read so far in *seen.
  bool wait_for(const std::string& needle, int ms, std::vector<std::string>* seen = nullptr);

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace dxlatent::testing
