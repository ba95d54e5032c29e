// Atomic whole-file replacement: temp file + fsync + rename + fsync(dir), after
// deciding from what is at the path whether it may be replaced at all.
#include "dxlatent/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace dxlatent::util {
namespace fs = std::filesystem;
namespace {

// Linux's own limit on symlinks followed while resolving one path (MAXSYMLINKS).
constexpr int kMaxSymlinkHops = 40;

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw FileError(what + " " + path.string() + ": " + std::strerror(err));
}

[[noreturn]] void refuse(const fs::path& path, const std::string& why) {
  throw FileError(path.string() + ": " + why);
}

bool is_stdout(const fs::path& path) { return path == "-"; }

std::string octal_mode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

fs::path directory_of(const fs::path& path) {
  fs::path dir = path.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

// Follows `path` through any chain of symlinks to the path that would really be
// written. A dangling link resolves to its (missing) target, which the write
// then creates, as `cp` and shell redirections do.
fs::path resolve_links(const fs::path& path, const fs::path& given) {
  fs::path p = path;
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p;
    if (hops == kMaxSymlinkHops) refuse(given, "too many levels of symbolic links");
    std::error_code ec;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) refuse(given, "cannot read the symbolic link " + p.string() + ": " + ec.message());
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
}

void write_all(int fd, std::span<const std::uint8_t> data, const std::string& name) {
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", name, errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Standard output, a device or a FIFO: there is nothing to replace atomically,
// and renaming a regular file over /dev/null would destroy the node.
void write_stream(const OutputTarget& target, std::span<const std::uint8_t> data) {
  if (is_stdout(target.path)) {
    std::fflush(stdout);  // what the program printf'ed before must come first
    write_all(STDOUT_FILENO, data, "standard output");
    return;
  }
  const int fd = ::open(target.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail("cannot open", target.path, errno);
  try {
    write_all(fd, data, target.path.string());
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail("cannot close", target.path, errno);
}

// A file with other hard links: a rename would give this name a new inode and
// leave the other names on the old content, so the file is rewritten in place,
// as cp does. The space is reserved first, so a full disk fails before a byte
// of the old content is touched; a crash during the write itself can leave it
// mixed, which is why only hard-linked files are written this way.
void rewrite_in_place(const fs::path& path, std::span<const std::uint8_t> data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail("cannot open", path, errno);
  try {
    if (!data.empty()) {
      const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(data.size()));
      if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) fail("cannot reserve space for", path, rc);
    }
    write_all(fd, data, path.string());
    if (::ftruncate(fd, static_cast<off_t>(data.size())) != 0) fail("cannot truncate", path, errno);
    if (::fsync(fd) != 0) fail("cannot fsync", path, errno);
  } catch (...) {
    ::close(fd);
    throw;
  }
  if (::close(fd) != 0) fail("cannot close", path, errno);
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

void replace_file(const fs::path& path, std::span<const std::uint8_t> data) {
  const fs::path dir = directory_of(path);

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
    // Root replacing a user's file must not hand it over to root; an ordinary
    // user cannot give files away, and then the rename makes it theirs, as any
    // editor's save would.
    if (::geteuid() == 0 && ::fchown(tmp.fd, st.st_uid, st.st_gid) != 0) {
      // best effort: the content is what matters
    }
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0644 & ~mask;
  }
  if (::fchmod(tmp.fd, mode) != 0) fail("cannot set the mode of", tmp.path, errno);

  write_all(tmp.fd, data, tmp.path);
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

}  // namespace

OutputTarget check_output(const fs::path& given, const WriteOptions& options) {
  if (given.empty()) throw FileError("an empty output path");
  if (is_stdout(given)) return {given, true, true};

  OutputTarget target;
  target.path = resolve_links(given, given);
  struct stat st {};
  if (::stat(target.path.c_str(), &st) != 0) {
    if (errno != ENOENT) fail("cannot check", given, errno);
    // A new file: its directory must exist and take new entries.
    const fs::path dir = directory_of(target.path);
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0) fail("cannot write " + given.string() + ": no directory", dir, errno);
    if (!S_ISDIR(dst.st_mode)) refuse(given, dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0) fail("cannot create " + given.string() + " in", dir, errno);
    return target;
  }
  target.exists = true;
  if (S_ISDIR(st.st_mode)) refuse(given, "is a directory");
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
    if (::access(target.path.c_str(), W_OK) != 0) fail("cannot write", given, errno);
    target.stream = true;
    return target;
  }
  if (!S_ISREG(st.st_mode)) refuse(given, "is not a regular file, a device or a FIFO; not replacing it");
  if (!options.force) {
    const bool no_write_bit = (st.st_mode & 0222) == 0;
    if (no_write_bit || ::access(target.path.c_str(), W_OK) != 0)
      refuse(given, std::string("is read-only (mode ") + octal_mode(st.st_mode) +
                        (no_write_bit ? "" : ", not writable by this user") +
                        "); not replacing it (--force replaces it)");
  }
  if (st.st_nlink > 1) {
    target.in_place = true;  // the file is written, not its directory
    if (::access(target.path.c_str(), W_OK) != 0) fail("cannot write", given, errno);
    return target;
  }
  const fs::path dir = directory_of(target.path);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) fail("cannot replace " + given.string() + " in", dir, errno);
  return target;
}

bool same_file(const fs::path& a, const fs::path& b) {
  if (is_stdout(a) || is_stdout(b)) return false;
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void write_file_atomically(const fs::path& path, std::span<const std::uint8_t> data, const WriteOptions& options) {
  const OutputTarget target = check_output(path, options);
  if (target.stream)
    write_stream(target, data);
  else if (target.in_place)
    rewrite_in_place(target.path, data);
  else
    replace_file(target.path, data);
}

void write_file_atomically(const fs::path& path, std::string_view text, const WriteOptions& options) {
  write_file_atomically(
      path, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
      options);
}

}  // namespace dxlatent::util
