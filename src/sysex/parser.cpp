// The SysEx stream parser: framing first (F0..F7), then per-message decoding.
#include "dxlatent/sysex/parser.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace dxlatent::sysex {
namespace {

constexpr std::uint8_t kSysEx = 0xF0, kEox = 0xF7, kYamaha = 0x43;

std::string hex(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

// Hands messages and problems to the caller's sinks. Past the cap a problem is
// only counted: garbage can hold a bad "message" every two bytes, and building
// millions of detail strings nobody reads costs more than parsing the file.
struct Emitter {
  const std::function<void(Message&&)>& on_message;
  const std::function<void(Problem&&)>& on_problem;
  std::size_t max_problems;
  std::size_t problems = 0;

  template <class Detail>
  void problem(std::size_t offset, ProblemKind kind, Detail&& detail) {
    if (problems++ < max_problems) on_problem(Problem{offset, kind, detail()});
  }
  void message(Message&& m) { on_message(std::move(m)); }
};

// One message from F0 to F7 inclusive, framing already checked. Details are
// lambdas so that they are only built for the problems the caller keeps.
void decode(std::span<const std::uint8_t> m, std::size_t offset, Emitter& out) {
  auto problem = [&](ProblemKind kind, auto detail) { out.problem(offset, kind, detail); };
  for (std::size_t i = 1; i + 1 < m.size(); ++i)
    if (m[i] >= 0x80) {
      problem(ProblemKind::HighDataByte,
              [&] { return "data byte " + hex(m[i]) + " at offset " + std::to_string(offset + i); });
      return;
    }
  if (m.size() < 4 || m[1] != kYamaha) {
    problem(ProblemKind::Unknown, [&] {
      return m.size() < 3 ? std::string("empty SysEx message") : "manufacturer " + hex(m[1]) + ", not Yamaha (0x43)";
    });
    return;
  }
  const std::uint8_t channel = m[2] & 0x0F;
  const unsigned substatus = m[2] >> 4;
  if (substatus == 1) {  // parameter change
    if (m.size() != kParamChangeBytes) {
      problem(ProblemKind::WrongLength, [&] {
        return "parameter change of " + std::to_string(m.size()) + " bytes, expected " +
               std::to_string(kParamChangeBytes);
      });
      return;
    }
    const auto fields = decode_param_change(m);
    if (fields->group == 0 && fields->param > kVoiceBytes) {
      problem(ProblemKind::Unknown,
              [&] { return "voice parameter " + std::to_string(fields->param) + " does not exist (0-155)"; });
      return;
    }
    out.message({offset, m.size(), *fields});
    return;
  }
  if (substatus != 0) {
    problem(ProblemKind::Unknown, [&] {
      return "Yamaha sub-status " + std::to_string(substatus) + " (only 0 = dump, 1 = parameter change are decoded)";
    });
    return;
  }
  const std::uint8_t format = m[3];
  std::size_t expected = 0, count = 0;
  if (format == 0) expected = kSingleVoiceDumpBytes, count = kVoiceBytes;
  else if (format == 9) expected = kBulkDumpBytes, count = kCartridgeVoices * kPackedVoiceBytes;
  else {
    problem(ProblemKind::Unknown, [&] {
      return "dump format " + std::to_string(format) + " (only 0 = single voice, 9 = 32 voices are decoded)";
    });
    return;
  }
  const char* what = format == 0 ? "single voice dump" : "32-voice bulk dump";
  if (m.size() != expected) {
    problem(ProblemKind::WrongLength, [&] {
      return std::string(what) + " of " + std::to_string(m.size()) + " bytes, expected " + std::to_string(expected);
    });
    return;
  }
  const std::size_t declared = static_cast<std::size_t>(m[4]) << 7 | m[5];
  if (declared != count) {
    problem(ProblemKind::WrongLength, [&] {
      return std::string(what) + " declares " + std::to_string(declared) + " data bytes, expected " +
             std::to_string(count);
    });
    return;
  }
  const auto data = m.subspan(6, count);
  const std::uint8_t sum = checksum(data);
  if (sum != m[6 + count]) {
    problem(ProblemKind::WrongChecksum,
            [&] { return std::string(what) + " checksum " + hex(m[6 + count]) + ", expected " + hex(sum); });
    return;
  }
  if (format == 0) {
    SingleVoiceMessage sv{channel, {}};
    std::copy(data.begin(), data.end(), sv.voice.bytes.begin());
    out.message({offset, m.size(), std::move(sv)});
  } else {
    BulkMessage bulk{channel, {}};
    bulk.voices.reserve(kCartridgeVoices);
    for (std::size_t v = 0; v < kCartridgeVoices; ++v)
      bulk.voices.push_back(
          unpack(data.subspan(v * kPackedVoiceBytes).first<kPackedVoiceBytes>()));
    out.message({offset, m.size(), std::move(bulk)});
  }
}

}  // namespace

const char* to_string(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::WrongLength: return "wrong length";
    case ProblemKind::WrongChecksum: return "wrong checksum";
    case ProblemKind::HighDataByte: return "data byte >= 0x80";
    case ProblemKind::Truncated: return "truncated";
    case ProblemKind::Unterminated: return "unterminated";
    case ProblemKind::Unknown: return "unknown message";
    case ProblemKind::StrayBytes: return "stray bytes";
  }
  return "?";
}

std::string Problem::describe() const {
  return "offset " + std::to_string(offset) + ": " + to_string(kind) + ": " + detail;
}

std::size_t parse(std::span<const std::uint8_t> s, const std::function<void(Message&&)>& on_message,
                  const std::function<void(Problem&&)>& on_problem, std::size_t max_problems) {
  Emitter out{on_message, on_problem, max_problems};
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != kSysEx) {
      const std::size_t start = i;
      while (i < s.size() && s[i] != kSysEx) ++i;
      out.problem(start, ProblemKind::StrayBytes,
                  [&] { return std::to_string(i - start) + " byte(s) outside any F0..F7 message"; });
      continue;
    }
    const std::size_t start = i++;
    while (i < s.size() && s[i] != kEox && s[i] != kSysEx) ++i;
    if (i == s.size()) {
      out.problem(start, ProblemKind::Truncated,
                  [&] { return std::to_string(i - start) + " byte(s) and no F7 before the end"; });
    } else if (s[i] == kSysEx) {
      out.problem(start, ProblemKind::Unterminated, [&] {
        return std::to_string(i - start) + " byte(s) and no F7 before the F0 at offset " + std::to_string(i);
      });
    } else {
      ++i;  // take the F7
      decode(s.subspan(start, i - start), start, out);
    }
  }
  return out.problems;
}

ParseResult parse(std::span<const std::uint8_t> s) {
  ParseResult out;
  parse(
      s, [&](Message&& m) { out.messages.push_back(std::move(m)); },
      [&](Problem&& p) { out.problems.push_back(std::move(p)); }, SIZE_MAX);
  return out;
}

}  // namespace dxlatent::sysex
