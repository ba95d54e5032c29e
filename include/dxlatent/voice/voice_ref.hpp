#pragma once
// A voice named by the file that holds it and its 1-based slot: "FILE:SLOT"
// (the last ':' separates them, so paths with ':' work). The one type and parser
// for --anchor, [start] voice, and the model tools' arguments. Pure parsing;
// VoiceRef::read() reads the file. Any thread.

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

/// A malformed reference, or a slot the file does not have. what() names it.
class VoiceRefError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct VoiceRef {
  std::filesystem::path file;
  std::size_t slot = 1;  ///< 1-based, as the DX7 numbers a cartridge's voices
  std::string text;      ///< as given, for messages

  VoiceRef() = default;
  VoiceRef(std::filesystem::path file, std::size_t slot);

  /// Parses "FILE:SLOT" (slot a number from 1). Throws VoiceRefError naming the problem.
  static VoiceRef parse(std::string_view text);
  /// "FILE:SLOT".
  std::string describe() const;
  /// The voice in any readable voice file (cartridge, single dump, packed).
  /// Problems of the file that spare the voice go to *warnings (when given).
  /// Throws VoiceFileError when the file cannot be read, VoiceRefError when it
  /// has no such slot.
  Voice read(std::vector<std::string>* warnings = nullptr) const;
};

}  // namespace dxlatent
