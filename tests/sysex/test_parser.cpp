// The stream parser on good, truncated, corrupted and concatenated streams.
#include <gtest/gtest.h>

#include <random>

#include "dxlatent/sysex/parser.hpp"

using namespace dxlatent;
using namespace dxlatent::sysex;

namespace {

using Bytes = std::vector<std::uint8_t>;

Voice voice_named(const char* name) {
  Voice v = init_voice();
  v.set_name(name);
  v.bytes[134] = 7;
  return v;
}

Bytes single(const Voice& v, std::uint8_t ch = 0) {
  const auto m = encode_single_voice(v, ch);
  return Bytes(m.begin(), m.end());
}
Bytes bulk(std::uint8_t ch = 0) {
  std::vector<Voice> voices;
  for (int i = 0; i < 32; ++i) {
    std::string name = "V";
    name += std::to_string(i);
    voices.push_back(voice_named(name.c_str()));
  }
  return encode_bulk_dump(voices, ch);
}
Bytes param(std::uint16_t p, std::uint8_t v) {
  const auto m = encode_param_change(0, p, v);
  return Bytes(m.begin(), m.end());
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& b : parts) out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

TEST(Parser, ConcatenatedGoodMessages) {
  const Bytes s = cat({single(voice_named("ONE"), 4), bulk(1), param(130, 50), single(voice_named("TWO"))});
  const ParseResult r = parse(s);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[0].offset, 0u);
  EXPECT_EQ(r.messages[1].offset, 163u);
  EXPECT_EQ(r.messages[2].offset, 163u + 4104u);
  EXPECT_EQ(r.messages[3].offset, 163u + 4104u + 7u);
  const auto& sv = std::get<SingleVoiceMessage>(r.messages[0].body);
  EXPECT_EQ(sv.channel, 4);
  EXPECT_EQ(sv.voice, voice_named("ONE"));
  const auto& b = std::get<BulkMessage>(r.messages[1].body);
  ASSERT_EQ(b.voices.size(), 32u);
  EXPECT_EQ(b.voices[31].name(), "V31       ");
  const auto& pc = std::get<ParamChangeFields>(r.messages[2].body);
  EXPECT_EQ(pc.param, 130);
  EXPECT_EQ(pc.value, 50);
  EXPECT_EQ(std::get<SingleVoiceMessage>(r.messages[3].body).voice.name(), "TWO       ");
}

TEST(Parser, TruncatedAtTheEnd) {
  Bytes s = cat({single(voice_named("OK")), bulk()});
  s.resize(163 + 1000);
  const ParseResult r = parse(s);
  ASSERT_EQ(r.messages.size(), 1u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::Truncated);
  EXPECT_EQ(r.problems[0].offset, 163u);
}

TEST(Parser, UnterminatedMessageDoesNotSwallowTheNext) {
  Bytes first = bulk();
  first.resize(3000);  // cut: no F7, and the next message's F0 follows
  const Bytes s = cat({first, single(voice_named("AFTER"))});
  const ParseResult r = parse(s);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::Unterminated);
  EXPECT_EQ(r.problems[0].offset, 0u);
  EXPECT_NE(r.problems[0].describe().find("offset 0: unterminated"), std::string::npos);
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].offset, 3000u);
  EXPECT_EQ(std::get<SingleVoiceMessage>(r.messages[0].body).voice.name(), "AFTER     ");
}

TEST(Parser, WrongChecksum) {
  Bytes a = single(voice_named("BAD"));
  a[10] ^= 0x01;
  const Bytes s = cat({param(1, 2), a, param(3, 4)});
  const ParseResult r = parse(s);
  EXPECT_EQ(r.messages.size(), 2u);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::WrongChecksum);
  EXPECT_EQ(r.problems[0].offset, 7u);
}

TEST(Parser, HighDataByte) {
  Bytes a = bulk();
  a[500] = 0x85;  // a status byte in the middle of the data
  const ParseResult r = parse(cat({a, single(voice_named("X"))}));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::HighDataByte);
  EXPECT_EQ(r.problems[0].offset, 0u);
  EXPECT_NE(r.problems[0].detail.find("offset 500"), std::string::npos) << r.problems[0].detail;
  EXPECT_EQ(r.messages.size(), 1u);
}

TEST(Parser, WrongLength) {
  Bytes shortdump = single(voice_named("S"));
  shortdump.erase(shortdump.begin() + 50);  // 162 bytes, still F0 .. F7
  Bytes longpc = param(1, 2);
  longpc.insert(longpc.begin() + 5, 0x00);
  Bytes badcount = single(voice_named("C"));
  badcount[5] = 0x1A;  // byte count 154
  const ParseResult r = parse(cat({shortdump, longpc, badcount}));
  EXPECT_TRUE(r.messages.empty());
  ASSERT_EQ(r.problems.size(), 3u);
  for (const Problem& p : r.problems) EXPECT_EQ(p.kind, ProblemKind::WrongLength) << p.describe();
  EXPECT_EQ(r.problems[1].offset, 162u);
  EXPECT_EQ(r.problems[2].offset, 162u + 8u);
}

TEST(Parser, UnknownAndStray) {
  const Bytes roland = {0xF0, 0x41, 0x10, 0x42, 0x12, 0x00, 0xF7};
  const Bytes request = {0xF0, 0x43, 0x20, 0x09, 0xF7};  // Yamaha dump request: not decoded
  const Bytes perf = {0xF0, 0x43, 0x00, 0x01, 0x00, 0x5E, 0xF7};  // format 1
  const Bytes junk = {0x00, 0x12, 0xF7};
  const Bytes s = cat({junk, roland, request, perf, single(voice_named("K")), {0xFE}});
  const ParseResult r = parse(s);
  ASSERT_EQ(r.messages.size(), 1u);
  ASSERT_EQ(r.problems.size(), 5u);
  EXPECT_EQ(r.problems[0].kind, ProblemKind::StrayBytes);
  EXPECT_EQ(r.problems[0].offset, 0u);
  EXPECT_EQ(r.problems[1].kind, ProblemKind::Unknown);
  EXPECT_EQ(r.problems[1].offset, 3u);
  EXPECT_EQ(r.problems[2].kind, ProblemKind::Unknown);
  EXPECT_EQ(r.problems[3].kind, ProblemKind::Unknown);
  EXPECT_EQ(r.problems[4].kind, ProblemKind::StrayBytes);
  EXPECT_EQ(r.problems[4].offset, s.size() - 1);
}

TEST(Parser, EmptyStream) {
  const ParseResult r = parse({});
  EXPECT_TRUE(r.messages.empty());
  EXPECT_TRUE(r.problems.empty());
}

TEST(Parser, StreamingKeepsTheFirstProblemsAndCountsTheRest) {
  // Garbage that is a bad "message" every few bytes: only the kept problems get
  // their details built and handed over; all of them are counted.
  Bytes s;
  for (int i = 0; i < 10000; ++i) s.insert(s.end(), {0xF0, 0x7D, 0xF7, 0x11});
  std::vector<Problem> kept;
  std::size_t messages = 0;
  const std::size_t count = parse(
      s, [&](Message&&) { ++messages; }, [&](Problem&& p) { kept.push_back(std::move(p)); }, 3);
  EXPECT_EQ(count, 20000u) << "an unknown message and a stray byte each time";
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].offset, 0u);
  EXPECT_EQ(kept[1].offset, 3u);
  EXPECT_EQ(kept[2].offset, 4u);
  EXPECT_EQ(messages, 0u);
  // The collecting form sees the same problems, all of them.
  EXPECT_EQ(parse(s).problems.size(), 20000u);
}
