#pragma once
// Splits a byte stream (a .syx file, a MIDI capture) into SysEx messages, decodes
// the DX7 ones it knows and reports every bad one with its byte offset, keeping
// the good ones. Pure and allocation-happy: not for the JACK process thread.
// Thread safety: parse() is a pure function; any thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent::sysex {

/// A 163-byte single voice dump: the edit buffer.
struct SingleVoiceMessage {
  std::uint8_t channel;
  Voice voice;
};
/// A 4104-byte 32-voice bulk dump, unpacked.
struct BulkMessage {
  std::uint8_t channel;
  std::vector<Voice> voices;  ///< always 32
};

/// One good message and where it starts in the stream.
struct Message {
  std::size_t offset;  ///< byte offset of its F0
  std::size_t size;    ///< bytes from F0 to F7 inclusive
  std::variant<SingleVoiceMessage, BulkMessage, ParamChangeFields> body;
};

enum class ProblemKind {
  WrongLength,    ///< a known DX7 header, but not the length (or byte count) it needs
  WrongChecksum,  ///< dump whose checksum does not match its data
  HighDataByte,   ///< a byte >= 0x80 other than F7 between F0 and F7
  Truncated,      ///< F0 with no F7 before the end of the stream
  Unterminated,   ///< F0 with no F7 before the next F0
  Unknown,        ///< well formed, but not a DX7 message this parser decodes
  StrayBytes,     ///< bytes outside any F0..F7 message
};
const char* to_string(ProblemKind kind);

/// One bad message (or run of stray bytes); nothing of it is kept.
struct Problem {
  std::size_t offset;  ///< byte offset of the F0 (or of the first stray byte)
  ProblemKind kind;
  std::string detail;  ///< e.g. "checksum 0x12, expected 0x34"
  /// "offset 4104: wrong checksum: checksum 0x12, expected 0x34"
  std::string describe() const;
};

struct ParseResult {
  std::vector<Message> messages;  ///< the good ones, in stream order
  std::vector<Problem> problems;  ///< the bad ones, in stream order
};

/// Splits `stream` into messages. A message runs from an F0 to the next F7; an F0
/// before that F7 ends it as Unterminated and starts a new one, so one damaged
/// message never swallows the next good one.
ParseResult parse(std::span<const std::uint8_t> stream);

/// The same, streaming: each good message goes to on_message and each of the
/// first max_problems bad ones to on_problem, in stream order; the later bad
/// ones are only counted (their details are never built). Returns the number of
/// bad ones. Memory stays bounded by what the sinks keep, whatever the stream.
std::size_t parse(std::span<const std::uint8_t> stream, const std::function<void(Message&&)>& on_message,
                  const std::function<void(Problem&&)>& on_problem, std::size_t max_problems);

}  // namespace dxlatent::sysex
