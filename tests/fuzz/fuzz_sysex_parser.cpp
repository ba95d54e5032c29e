// libFuzzer entry point: any byte string through the SysEx stream parser and the
// voice file reader. Crashes, sanitizer reports and broken invariants are bugs.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dxlatent/sysex/parser.hpp"
#include "dxlatent/voice/voice_file.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dxlatent;
  const std::span<const std::uint8_t> bytes(data, size);

  const sysex::ParseResult r = sysex::parse(bytes);
  std::size_t last = 0;
  bool first = true;
  for (const auto& m : r.messages) {
    check(m.offset < size && m.offset + m.size <= size);
    check(data[m.offset] == 0xF0 && data[m.offset + m.size - 1] == 0xF7);
    check(first || m.offset > last);
    last = m.offset, first = false;
    if (const auto* sv = std::get_if<sysex::SingleVoiceMessage>(&m.body)) {
      // Whatever a good single voice dump carries re-encodes to the same bytes.
      const auto again = sysex::encode_single_voice(sv->voice, sv->channel);
      check(m.size == again.size());
      for (std::size_t i = 0; i < again.size(); ++i) check(again[i] == data[m.offset + i]);
    }
  }
  for (const auto& p : r.problems) check(p.offset < size);
  if (size > 0) check(!r.messages.empty() || !r.problems.empty());

  try {
    const VoiceFile f = parse_voice_file(bytes, "fuzz");
    for (const SourcedVoice& v : f.voices) {
      (void)validate(v.voice);
      (void)v.voice.display_name();
      check(is_valid(clamped(v.voice)));
    }
  } catch (const VoiceFileError&) {
    // an unreadable file is a legitimate outcome
  }
  return 0;
}
