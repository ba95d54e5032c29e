// Reading and writing voice files; format detection by content and size.
#include "dxlatent/voice/voice_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <variant>

#include "dxlatent/sysex/parser.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/util/atomic_file.hpp"

namespace dxlatent {
namespace {

template <std::size_t N>
std::size_t count_valid(std::span<const std::uint8_t> bytes) {
  std::size_t valid = 0;
  for (std::size_t off = 0; off + N <= bytes.size(); off += N) {
    Voice v;
    if constexpr (N == kPackedVoiceBytes)
      v = unpack(bytes.subspan(off).first<kPackedVoiceBytes>());
    else
      std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(off), N, v.bytes.begin());
    valid += is_valid(v);
  }
  return valid;
}

VoiceFileFormat detect(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) throw VoiceFileError(name, 0, "empty file");
  if (bytes[0] == 0xF0) return VoiceFileFormat::SysEx;
  const bool packed = bytes.size() % kPackedVoiceBytes == 0;
  const bool unpacked = bytes.size() % kVoiceBytes == 0;
  if (packed && unpacked) {
    // Both layouts fit the size (a multiple of 19,840 bytes): the one that reads
    // as more valid voices is the real one.
    const std::size_t p = count_valid<kPackedVoiceBytes>(bytes);
    const std::size_t u = count_valid<kVoiceBytes>(bytes);
    if (p == u)
      throw VoiceFileError(name, 0,
                           "size " + std::to_string(bytes.size()) +
                               " fits both 128-byte packed and 155-byte unpacked records and "
                               "the content does not tell them apart; name the format");
    return p > u ? VoiceFileFormat::Packed : VoiceFileFormat::Unpacked;
  }
  if (packed) return VoiceFileFormat::Packed;
  if (unpacked) return VoiceFileFormat::Unpacked;
  // A .syx with junk in front of its first message still ends with F7.
  if (bytes.back() == 0xF7) {
    for (std::uint8_t b : bytes)
      if (b == 0xF0) return VoiceFileFormat::SysEx;
  }
  char first[8];
  std::snprintf(first, sizeof first, "0x%02X", bytes[0]);
  throw VoiceFileError(name, 0,
                       std::string("not a voice file: starts with ") + first +
                           " (SysEx starts with 0xF0) and its size " + std::to_string(bytes.size()) +
                           " is not a multiple of 128 (packed) or 155 (unpacked) bytes");
}

// Streams the parser's output straight into the file's voices: holding every
// parsed message (or every problem) first would cost several times the file.
void read_sysex(std::span<const std::uint8_t> bytes, VoiceFile& file) {
  std::size_t message = 0;
  file.problem_count = sysex::parse(
      bytes,
      [&](sysex::Message&& m) {
        if (const auto* sv = std::get_if<sysex::SingleVoiceMessage>(&m.body)) {
          file.voices.push_back({sv->voice, file.voices.size(), m.offset, message});
        } else if (const auto* bulk = std::get_if<sysex::BulkMessage>(&m.body)) {
          for (const Voice& v : bulk->voices) file.voices.push_back({v, file.voices.size(), m.offset, message});
        } else {
          ++file.ignored_messages;
        }
        ++message;
      },
      [&](sysex::Problem&& p) {
        file.problems.push_back({p.offset, std::string(sysex::to_string(p.kind)) + ": " + p.detail});
      },
      kKeptProblems);
}

std::string size_text(std::uintmax_t bytes) {
  return std::to_string(bytes) + " bytes";
}

// Closes the descriptor on every path out of read_voice_file.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::vector<std::uint8_t> read_bounded(const std::string& name) {
  Fd in{::open(name.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) throw VoiceFileError(name, 0, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(in.fd, &st) != 0) throw VoiceFileError(name, 0, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw VoiceFileError(name, 0, "is a directory");
  const bool regular = S_ISREG(st.st_mode);
  const auto too_big = [&](std::uintmax_t size, bool at_least) {
    return VoiceFileError(name, 0,
                          "size " + std::string(at_least ? "over " : "") + size_text(size) +
                              ", larger than the largest voice file read (" + size_text(kMaxVoiceFileBytes) +
                              ", 262144 packed voices); not reading it");
  };
  if (regular && static_cast<std::uintmax_t>(st.st_size) > kMaxVoiceFileBytes)
    throw too_big(static_cast<std::uintmax_t>(st.st_size), false);

  // A pipe or device has no size to judge: read it up to one byte past the limit.
  std::vector<std::uint8_t> bytes(regular ? static_cast<std::size_t>(st.st_size) : std::size_t{1} << 16);
  std::size_t got = 0;
  while (true) {
    if (got == bytes.size()) {
      if (regular || bytes.size() > kMaxVoiceFileBytes) {
        // A regular file that grew while being read is judged by what was read.
        std::uint8_t probe;
        const ssize_t more = ::read(in.fd, &probe, 1);
        if (more <= 0) break;
        if (regular) throw VoiceFileError(name, got, "the file grew while being read");
        throw too_big(kMaxVoiceFileBytes, true);
      }
      bytes.resize(std::min(bytes.size() * 2, kMaxVoiceFileBytes + 1));
    }
    const ssize_t n = ::read(in.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw VoiceFileError(name, got, std::string("read error: ") + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace

const char* to_string(VoiceFileFormat format) {
  switch (format) {
    case VoiceFileFormat::Auto: return "auto";
    case VoiceFileFormat::SysEx: return "sysex";
    case VoiceFileFormat::Packed: return "packed";
    case VoiceFileFormat::Unpacked: return "unpacked";
  }
  return "?";
}

VoiceFileError::VoiceFileError(const std::string& path, std::size_t offset, const std::string& what)
    : std::runtime_error(path + ": offset " + std::to_string(offset) + ": " + what), offset_(offset) {}

std::string VoiceFile::describe(const FileProblem& problem) const {
  return path + ": offset " + std::to_string(problem.offset) + ": " + problem.what;
}

VoiceFile parse_voice_file(std::span<const std::uint8_t> bytes, const std::string& name,
                           VoiceFileFormat format) {
  VoiceFile file;
  file.path = name;
  file.format = format == VoiceFileFormat::Auto ? detect(bytes, name) : format;
  switch (file.format) {
    case VoiceFileFormat::SysEx:
      read_sysex(bytes, file);
      break;
    case VoiceFileFormat::Packed:
    case VoiceFileFormat::Unpacked: {
      const std::size_t record =
          file.format == VoiceFileFormat::Packed ? kPackedVoiceBytes : kVoiceBytes;
      if (bytes.empty() || bytes.size() % record != 0)
        throw VoiceFileError(name, bytes.size() / record * record,
                             "size " + std::to_string(bytes.size()) + " is not a multiple of " +
                                 std::to_string(record) + " (" + to_string(file.format) + " records)");
      file.voices.reserve(bytes.size() / record);
      for (std::size_t off = 0; off < bytes.size(); off += record) {
        Voice v;
        if (record == kPackedVoiceBytes)
          v = unpack(bytes.subspan(off).first<kPackedVoiceBytes>());
        else
          std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(off), kVoiceBytes, v.bytes.begin());
        file.voices.push_back({v, off / record, off, 0});
      }
      break;
    }
    case VoiceFileFormat::Auto:
      break;  // unreachable: detect() never returns Auto
  }
  return file;
}

VoiceFile read_voice_file(const std::filesystem::path& path, VoiceFileFormat format) {
  const std::string name = path.string();
  // Every voice file is bounded, so running out of memory means the machine is
  // short of it; the message still says which file was being read.
  try {
    return parse_voice_file(read_bounded(name), name, format);
  } catch (const std::bad_alloc&) {
    throw VoiceFileError(name, 0, "out of memory while reading it");
  }
}

void write_cartridge_syx(const std::filesystem::path& path, std::span<const Voice> voices,
                         std::uint8_t channel, const util::WriteOptions& options) {
  util::write_file_atomically(path, sysex::encode_bulk_dump(voices, channel), options);
}

void write_packed_file(const std::filesystem::path& path, std::span<const Voice> voices,
                       const util::WriteOptions& options) {
  std::vector<std::uint8_t> out;
  out.reserve(voices.size() * kPackedVoiceBytes);
  for (const Voice& v : voices) {
    const PackedVoice p = pack(v);
    out.insert(out.end(), p.begin(), p.end());
  }
  util::write_file_atomically(path, out, options);
}

}  // namespace dxlatent
