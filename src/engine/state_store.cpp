#include "dxlatent/engine/state_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dxlatent/util/atomic_file.hpp"

namespace dxlatent {
namespace {

// The first line names the format and its version, so a file from another
// program or a future version is refused rather than misread.
constexpr const char* kCcMapHeader = "dxlatent-cc-map 1";
constexpr const char* kLatentHeader = "dxlatent-latent 1";

std::optional<std::string> read_text(const std::filesystem::path& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = path.string() + ": not found";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void fail(std::string* error, const std::filesystem::path& path, const std::string& why) {
  if (error) *error = path.string() + ": " + why;
}

// Splits "dimN = V" lines after the header; returns false on any other line.
template <typename F>
bool for_each_dim(std::istringstream& lines, F&& f) {
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    unsigned dim = 0;
    char value[64] = {};
    if (std::sscanf(line.c_str(), "dim%u = %63s", &dim, value) != 2) return false;
    if (dim < 1 || dim > kLatentDims) return false;
    if (!f(dim - 1, std::string(value))) return false;
  }
  return true;
}

}  // namespace

StateStore::StateStore(std::filesystem::path dir, std::chrono::milliseconds min_latent_interval)
    : dir_(std::move(dir)), min_latent_interval_(min_latent_interval) {
  std::filesystem::create_directories(dir_);
  // A kill -9 in the middle of write_file_atomically leaves its temporary file
  // (".latent.txt.tmp.XXXXXX") behind; the target itself is intact. Sweep ours
  // at start so they do not pile up over months of restarts. Only one dxlatent
  // uses a state directory, so no live writer owns them.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    for (const char* ours : {".cc-map.txt.tmp.", ".latent.txt.tmp."}) {
      if (name.rfind(ours, 0) == 0) std::filesystem::remove(entry.path(), ec);
    }
  }
}

StateStore::~StateStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void StateStore::lock_for_engine() {
  if (lock_fd_ >= 0) return;
  const auto path = dir_ / "engine.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw StateLockedError(path.string() + ": cannot open: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    const ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : std::string("?");
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    throw StateLockedError("state directory " + dir_.string() + " is in use by another dxlatent run (pid " + holder +
                           "); stop it, or give this one its own [state] dir");
  }
  // The holder's pid, for the message above; the lock itself is the flock.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // Only the message's pid is lost; the lock holds.
  }
  lock_fd_ = fd;
}

bool StateStore::engine_running(const std::filesystem::path& dir) {
  const int fd = ::open((dir / "engine.lock").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

void StateStore::save_cc_map(const CcNumbers& numbers) {
  std::string text = std::string(kCcMapHeader) + "\n";
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    text += "dim" + std::to_string(d + 1) + " = " +
            (numbers[d] ? std::to_string(*numbers[d]) : std::string("?")) + "\n";
  }
  util::write_file_atomically(cc_map_path(), text);
}

std::optional<StateStore::CcNumbers> StateStore::load_cc_map(std::string* error) const {
  const auto path = cc_map_path();
  const auto text = read_text(path, error);
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  std::string header;
  if (!std::getline(lines, header) || header != kCcMapHeader) {
    fail(error, path, std::string("first line is not '") + kCcMapHeader + "'");
    return std::nullopt;
  }
  CcNumbers numbers{};
  std::array<bool, kLatentDims> seen{};
  const bool ok = for_each_dim(lines, [&](std::size_t d, const std::string& v) {
    if (seen[d]) return false;
    seen[d] = true;
    if (v == "?") return true;
    char* end = nullptr;
    const long cc = std::strtol(v.c_str(), &end, 10);
    if (*end != '\0' || cc < 0 || cc > 119) return false;
    numbers[d] = static_cast<std::uint8_t>(cc);
    return true;
  });
  if (!ok) {
    fail(error, path, "expected lines 'dimN = CC' (N 1..8, CC 0..119 or '?')");
    return std::nullopt;
  }
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    if (!seen[d]) {
      fail(error, path, "dim" + std::to_string(d + 1) + " is missing");
      return std::nullopt;
    }
    for (std::size_t e = d + 1; e < kLatentDims; ++e) {
      if (numbers[d] && numbers[d] == numbers[e]) {
        fail(error, path, "CC " + std::to_string(*numbers[d]) + " is given to two dimensions");
        return std::nullopt;
      }
    }
  }
  return numbers;
}

void StateStore::save_latent(const Latent& z) {
  std::string text = std::string(kLatentHeader) + "\n";
  char value[32];
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    // %.9g round-trips every float exactly.
    std::snprintf(value, sizeof value, "%.9g", static_cast<double>(z[d]));
    text += "dim" + std::to_string(d + 1) + " = " + value + "\n";
  }
  util::write_file_atomically(latent_path(), text);
  pending_latent_.reset();
  written_latent_ = z;
}

bool StateStore::save_latent_debounced(const Latent& z, std::chrono::steady_clock::time_point now) {
  // The engine calls this every tick: an unchanged point is not written again
  // (a service idling for months would otherwise rewrite the file every second).
  if (written_latent_ == z) {
    pending_latent_.reset();
    return false;
  }
  pending_latent_ = z;
  if (last_latent_write_ && now - *last_latent_write_ < min_latent_interval_) return false;
  save_latent(z);
  last_latent_write_ = now;
  return true;
}

void StateStore::flush_latent() {
  if (pending_latent_) save_latent(*pending_latent_);
}

std::optional<Latent> StateStore::load_latent(std::string* error) const {
  const auto path = latent_path();
  const auto text = read_text(path, error);
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  std::string header;
  if (!std::getline(lines, header) || header != kLatentHeader) {
    fail(error, path, std::string("first line is not '") + kLatentHeader + "'");
    return std::nullopt;
  }
  Latent z{};
  std::array<bool, kLatentDims> seen{};
  const bool ok = for_each_dim(lines, [&](std::size_t d, const std::string& v) {
    if (seen[d]) return false;
    seen[d] = true;
    char* end = nullptr;
    errno = 0;
    const float x = std::strtof(v.c_str(), &end);
    if (*end != '\0' || errno != 0 || !std::isfinite(x)) return false;
    z[d] = x;
    return true;
  });
  if (!ok) {
    fail(error, path, "expected lines 'dimN = X' (N 1..8, X a finite number)");
    return std::nullopt;
  }
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    if (!seen[d]) {
      fail(error, path, "dim" + std::to_string(d + 1) + " is missing");
      return std::nullopt;
    }
  }
  return z;
}

}  // namespace dxlatent
