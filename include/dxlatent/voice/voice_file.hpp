#pragma once
// Voice files on disk: .syx SysEx streams (single voice and 32-voice bulk dumps,
// any number of them), raw 128 x N packed collections (like collection.bin) and
// raw 155 x N unpacked files; and the atomic writers for cartridges and corpora.
// Thread safety: any thread but the JACK process thread (file I/O, allocation).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

/// The largest voice file read: 32 MiB, 262,144 packed voices, nearly nine times
/// the 29,830-voice collection.bin. A file is judged by its size before a byte
/// of it is read, so a bigger one (a disk image, a video given by mistake) is
/// refused at once and reading one costs at most about three times this much
/// memory (the bytes and the voices decoded from them).
inline constexpr std::size_t kMaxVoiceFileBytes = std::size_t{32} << 20;
/// Bad messages kept per file with their details; the rest are only counted
/// (VoiceFile::problem_count), so garbage cannot fill memory or a terminal.
inline constexpr std::size_t kKeptProblems = 5;

enum class VoiceFileFormat {
  Auto,      ///< detect: SysEx if it starts with F0, else by size (and content if both fit)
  SysEx,     ///< F0 ... F7 messages
  Packed,    ///< 128 x N VMEM records, no header
  Unpacked,  ///< 155 x N VCED records, no header
};
const char* to_string(VoiceFileFormat format);

/// A voice and where it came from.
struct SourcedVoice {
  Voice voice;
  std::size_t index;    ///< voice number within the file, from 0
  std::size_t offset;   ///< byte offset of its record, or of its SysEx message's F0
  std::size_t message;  ///< SysEx message number within the file (0 for raw files)
};

/// A part of a file that could not be used (a bad SysEx message, stray bytes).
struct FileProblem {
  std::size_t offset;
  std::string what;  ///< e.g. "wrong checksum: 32-voice bulk dump checksum 0x12, expected 0x34"
};

struct VoiceFile {
  std::string path;  ///< as given, for messages
  VoiceFileFormat format = VoiceFileFormat::Auto;
  std::vector<SourcedVoice> voices;   ///< every voice of every good message, in file order
  std::vector<FileProblem> problems;  ///< the first kKeptProblems bad parts; empty if the whole file was good
  std::size_t problem_count = 0;      ///< every bad part, kept or not
  std::size_t ignored_messages = 0;   ///< good messages that hold no voice (parameter changes)
  /// "PATH: offset N: what" for problem i.
  std::string describe(const FileProblem& problem) const;
};

/// A file that cannot be read as voices at all. what() names the file and offset.
class VoiceFileError : public std::runtime_error {
 public:
  VoiceFileError(const std::string& path, std::size_t offset, const std::string& what);
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

/// Reads a voice file. Bad SysEx messages land in problems (with their offsets),
/// the good ones' voices are kept. Throws VoiceFileError when the file cannot be
/// opened, is empty, is larger than kMaxVoiceFileBytes (judged before reading
/// it; a pipe or device is read up to that much), does not fit in memory, or fits
/// no format (or not the one asked for).
VoiceFile read_voice_file(const std::filesystem::path& path,
                          VoiceFileFormat format = VoiceFileFormat::Auto);
/// The same on bytes already in memory; `name` is used in messages.
VoiceFile parse_voice_file(std::span<const std::uint8_t> bytes, const std::string& name,
                           VoiceFileFormat format = VoiceFileFormat::Auto);

/// Writes a 32-voice cartridge (one 4104-byte bulk dump) atomically; fewer voices
/// are padded with INIT VOICE, more is std::invalid_argument. Throws util::FileError.
void write_cartridge_syx(const std::filesystem::path& path, std::span<const Voice> voices,
                         std::uint8_t channel = 0, const util::WriteOptions& options = {});
/// Writes voices as raw 128 x N packed records atomically. Throws util::FileError.
void write_packed_file(const std::filesystem::path& path, std::span<const Voice> voices,
                       const util::WriteOptions& options = {});

}  // namespace dxlatent
