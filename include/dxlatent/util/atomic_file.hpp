#pragma once
// Writes a whole file so that a crash or a full disk never leaves a half-written
// one: the bytes go to a temporary file in the same directory, which is fsynced,
// renamed over the target (atomic on POSIX), and then the directory is fsynced so
// the rename itself survives a power cut. On any failure the temporary file is
// removed and the old content of `path` is untouched.
// Thread safety: any thread but the JACK process thread (it does file I/O).

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dxlatent::util {

/// Thrown when the file cannot be written; what() names the path and the errno text.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Replaces `path` with `data` atomically. Creates the file with mode 0644
/// (minus umask) or keeps the mode of the file it replaces. Throws FileError.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::uint8_t> data);
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace dxlatent::util
