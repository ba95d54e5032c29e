#pragma once
// Writes a whole file so that a crash or a full disk never leaves a half-written
// one: the bytes go to a temporary file in the same directory, which is fsynced,
// renamed over the target (atomic on POSIX), and then the directory is fsynced so
// the rename itself survives a power cut. On any failure the temporary file is
// removed and the old content of `path` is untouched.
//
// What is at the path decides how it is written, so that a write never destroys
// something that is not a file of ours (docs/files.md):
// - nothing, or a regular file: replaced atomically as above;
// - a symlink: followed; the target is replaced atomically at its real path and
//   the link stays a link;
// - "-": standard output, written directly;
// - a character or block device or a FIFO (/dev/null, /dev/full, a pipe):
//   written directly, never replaced by a regular file; write errors (ENOSPC on
//   /dev/full) are reported like any other;
// - a directory, a socket: refused;
// - a regular file with no write permission bit for anyone (chmod a-w), or one
//   this process may not write (access(2) W_OK): refused, unless force. Root
//   passes every access() check, so the mode bits are what make a read-only
//   file stay read-only for root too.
// Thread safety: any thread but the JACK process thread (it does file I/O).

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dxlatent::util {

/// Thrown when the file cannot be written; what() names the path and the reason.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct WriteOptions {
  bool force = false;  ///< replace a regular file even if it is read-only (like cp -f)
};

/// Where a write to a path would go, as write_file_atomically() decides it.
struct OutputTarget {
  std::filesystem::path path;  ///< the path written: symlinks resolved, "-" kept
  bool stream = false;         ///< standard output, a device or a FIFO: written directly
  bool exists = false;         ///< something is at `path` now
  bool in_place = false;       ///< a regular file with other hard links: rewritten in place, keeping them
};

/// Checks, without writing anything, that `path` can take a write, and says how
/// it would be written. Commands call it before doing any work so that a
/// directory or a read-only file is refused at once. Throws FileError naming
/// the path and the reason (a directory, read-only, a socket, a symlink loop).
OutputTarget check_output(const std::filesystem::path& path, const WriteOptions& options = {});

/// True when both paths name the same existing regular file (device and inode,
/// so through symlinks, hard links and other spellings of the path too).
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

/// Writes `data` to `path` as check_output() decides: atomically replaced for a
/// file (mode and owner of the file it replaces kept, else 0644 minus umask),
/// directly for a stream. Throws FileError.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                           const WriteOptions& options = {});
void write_file_atomically(const std::filesystem::path& path, std::string_view text,
                           const WriteOptions& options = {});

}  // namespace dxlatent::util
