// Atomic whole-file replacement: temp file + fsync + rename + fsync(dir).
#include "dxlatent/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dxlatent::util {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
  throw FileError(what + " " + path.string() + ": " + std::strerror(err));
}

// Closes the descriptor and removes the temporary file unless released.
struct TempFile {
  int fd = -1;
  std::string path;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> data) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";

  TempFile tmp;
  // mkstemp wants a writable template; the name starts with '.' so a crash leaves
  // an obviously hidden leftover, never a file that looks like the real one.
  std::string leaf = ".";
  leaf += path.filename().string();
  leaf += ".tmp.XXXXXX";
  std::string templ = (dir / leaf).string();
  tmp.fd = ::mkstemp(templ.data());
  if (tmp.fd < 0) fail("cannot create a temporary file next to", path, errno);
  tmp.path = templ;

  // mkstemp creates 0600; give the result the target's mode, or 0644 minus umask.
  struct stat st {};
  mode_t mode;
  if (::stat(path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0644 & ~mask;
  }
  if (::fchmod(tmp.fd, mode) != 0) fail("cannot set the mode of", tmp.path, errno);

  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(tmp.fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", tmp.path, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd) != 0) fail("cannot fsync", tmp.path, errno);
  const int fd = tmp.fd;
  tmp.fd = -1;
  if (::close(fd) != 0) fail("cannot close", tmp.path, errno);
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) fail("cannot rename a temporary file to", path, errno);
  tmp.path.clear();  // renamed: nothing left to remove

  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail("cannot open the directory", dir, errno);
  const int rc = ::fsync(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) fail("cannot fsync the directory", dir, err);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  write_file_atomically(path, std::span<const std::uint8_t>(
                                  reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace dxlatent::util
