// The SysEx stream parser: framing first (F0..F7), then per-message decoding.
#include "dxlatent/sysex/parser.hpp"

#include <algorithm>
#include <cstdio>

namespace dxlatent::sysex {
namespace {

constexpr std::uint8_t kSysEx = 0xF0, kEox = 0xF7, kYamaha = 0x43;

std::string hex(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", v & 0xFFu);
  return buf;
}

// One message from F0 to F7 inclusive, framing already checked.
void decode(std::span<const std::uint8_t> m, std::size_t offset, ParseResult& out) {
  auto problem = [&](ProblemKind kind, std::string detail) {
    out.problems.push_back({offset, kind, std::move(detail)});
  };
  for (std::size_t i = 1; i + 1 < m.size(); ++i)
    if (m[i] >= 0x80) {
      problem(ProblemKind::HighDataByte,
              "data byte " + hex(m[i]) + " at offset " + std::to_string(offset + i));
      return;
    }
  if (m.size() < 4 || m[1] != kYamaha) {
    problem(ProblemKind::Unknown, m.size() < 3 ? "empty SysEx message"
                                                : "manufacturer " + hex(m[1]) + ", not Yamaha (0x43)");
    return;
  }
  const std::uint8_t channel = m[2] & 0x0F;
  const unsigned substatus = m[2] >> 4;
  if (substatus == 1) {  // parameter change
    if (m.size() != kParamChangeBytes) {
      problem(ProblemKind::WrongLength, "parameter change of " + std::to_string(m.size()) +
                                            " bytes, expected " + std::to_string(kParamChangeBytes));
      return;
    }
    const auto fields = decode_param_change(m);
    if (fields->group == 0 && fields->param > kVoiceBytes) {
      problem(ProblemKind::Unknown, "voice parameter " + std::to_string(fields->param) +
                                        " does not exist (0-155)");
      return;
    }
    out.messages.push_back({offset, m.size(), *fields});
    return;
  }
  if (substatus != 0) {
    problem(ProblemKind::Unknown, "Yamaha sub-status " + std::to_string(substatus) +
                                      " (only 0 = dump, 1 = parameter change are decoded)");
    return;
  }
  const std::uint8_t format = m[3];
  std::size_t expected = 0, count = 0;
  if (format == 0) expected = kSingleVoiceDumpBytes, count = kVoiceBytes;
  else if (format == 9) expected = kBulkDumpBytes, count = kCartridgeVoices * kPackedVoiceBytes;
  else {
    problem(ProblemKind::Unknown, "dump format " + std::to_string(format) +
                                      " (only 0 = single voice, 9 = 32 voices are decoded)");
    return;
  }
  const char* what = format == 0 ? "single voice dump" : "32-voice bulk dump";
  if (m.size() != expected) {
    problem(ProblemKind::WrongLength, std::string(what) + " of " + std::to_string(m.size()) +
                                          " bytes, expected " + std::to_string(expected));
    return;
  }
  const std::size_t declared = static_cast<std::size_t>(m[4]) << 7 | m[5];
  if (declared != count) {
    problem(ProblemKind::WrongLength, std::string(what) + " declares " + std::to_string(declared) +
                                          " data bytes, expected " + std::to_string(count));
    return;
  }
  const auto data = m.subspan(6, count);
  const std::uint8_t sum = checksum(data);
  if (sum != m[6 + count]) {
    problem(ProblemKind::WrongChecksum,
            std::string(what) + " checksum " + hex(m[6 + count]) + ", expected " + hex(sum));
    return;
  }
  if (format == 0) {
    SingleVoiceMessage sv{channel, {}};
    std::copy(data.begin(), data.end(), sv.voice.bytes.begin());
    out.messages.push_back({offset, m.size(), std::move(sv)});
  } else {
    BulkMessage bulk{channel, {}};
    bulk.voices.reserve(kCartridgeVoices);
    for (std::size_t v = 0; v < kCartridgeVoices; ++v)
      bulk.voices.push_back(
          unpack(data.subspan(v * kPackedVoiceBytes).first<kPackedVoiceBytes>()));
    out.messages.push_back({offset, m.size(), std::move(bulk)});
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

ParseResult parse(std::span<const std::uint8_t> s) {
  ParseResult out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != kSysEx) {
      const std::size_t start = i;
      while (i < s.size() && s[i] != kSysEx) ++i;
      out.problems.push_back({start, ProblemKind::StrayBytes,
                              std::to_string(i - start) + " byte(s) outside any F0..F7 message"});
      continue;
    }
    const std::size_t start = i++;
    while (i < s.size() && s[i] != kEox && s[i] != kSysEx) ++i;
    if (i == s.size()) {
      out.problems.push_back({start, ProblemKind::Truncated,
                              std::to_string(i - start) + " byte(s) and no F7 before the end"});
    } else if (s[i] == kSysEx) {
      out.problems.push_back({start, ProblemKind::Unterminated,
                              std::to_string(i - start) + " byte(s) and no F7 before the F0 at offset " +
                                  std::to_string(i)});
    } else {
      ++i;  // take the F7
      decode(s.subspan(start, i - start), start, out);
    }
  }
  return out;
}

}  // namespace dxlatent::sysex
