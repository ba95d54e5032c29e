// The parameter table, names in the DX7 character set, validation and clamping.
#include <gtest/gtest.h>

#include <set>

#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/voice/voice.hpp"

using namespace dxlatent;

TEST(ParamTable, NamesOffsetsAndRanges) {
  const auto& t = param_table();
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t[i].offset, i);
    names.insert(t[i].name);
  }
  EXPECT_EQ(names.size(), kSoundParams) << "names must be unique";
  // Operator 6 first: offset 0 is OP6, offset 105 is OP1.
  EXPECT_EQ(t[0].name, "OP6 EG rate 1");
  EXPECT_EQ(t[0].op, 6);
  EXPECT_EQ(t[3 * 21 + 1].name, "OP3 EG rate 2");  // 64
  EXPECT_EQ(t[105 + 16].name, "OP1 output level");
  EXPECT_EQ(t[105 + 16].op, 1);
  EXPECT_EQ(t[134].name, "algorithm");
  EXPECT_EQ(t[134].max, 31);
  EXPECT_EQ(t[134].op, 0);
  EXPECT_EQ(t[137].name, "LFO speed");
  EXPECT_EQ(t[144].max, 48);
  EXPECT_EQ(t[20].max, 14);  // detune
  EXPECT_EQ(t[18].max, 31);  // coarse
  const ParamInfo* p = find_param("OP3 EG rate 2");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->offset, 64);
  EXPECT_EQ(find_param("OP7 EG rate 2"), nullptr);
}

TEST(Validate, NamesEachFieldOutOfRange) {
  Voice v = sysex::init_voice();
  EXPECT_TRUE(validate(v).empty());
  EXPECT_TRUE(is_valid(v));
  v.bytes[64] = 197;  // OP3 EG rate 2
  v.bytes[134] = 32;  // algorithm
  v.bytes[146] = 200; // name char 2
  const auto e = validate(v);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].describe(), "OP3 EG rate 2 = 197 (0-99)");
  EXPECT_EQ(e[1].describe(), "algorithm = 32 (0-31)");
  EXPECT_EQ(e[2].describe(), "name char 2 = 200 (0-127)");
  EXPECT_FALSE(is_valid(v));

  const Voice c = clamped(v);
  EXPECT_TRUE(is_valid(c));
  EXPECT_EQ(c.bytes[64], 99);
  EXPECT_EQ(c.bytes[134], 31);
  EXPECT_EQ(c.bytes[146], ' ');
}

TEST(Validate, EveryParameterAtItsMaximumIsValidOneAboveIsNot) {
  for (const ParamInfo& p : param_table()) {
    Voice v = sysex::init_voice();
    v.bytes[p.offset] = p.max;
    EXPECT_TRUE(is_valid(v)) << p.name;
    v.bytes[p.offset] = static_cast<std::uint8_t>(p.max + 1);
    EXPECT_FALSE(is_valid(v)) << p.name;
    ASSERT_EQ(validate(v).size(), 1u);
    EXPECT_EQ(validate(v)[0].offset, p.offset);
  }
}

TEST(VoiceName, DX7CharacterSet) {
  Voice v = sysex::init_voice();
  EXPECT_EQ(v.name(), "INIT VOICE");
  v.set_name("E.PIANO");
  EXPECT_EQ(v.name(), "E.PIANO   ");  // padded with blanks
  v.set_name("A name far too long");
  EXPECT_EQ(v.name(), "A name far");
  v.set_name("a\tb\x01");
  EXPECT_EQ(v.name(), "a b       ");  // controls become blanks
  v.set_name("5\xC2\xA5 \xE2\x86\x92\xE2\x86\x90 \xC3\xA9");  // 5¥ →← é
  EXPECT_EQ(v.bytes[kNameOffset + 1], 92);
  EXPECT_EQ(v.bytes[kNameOffset + 3], 126);
  EXPECT_EQ(v.bytes[kNameOffset + 4], 127);
  EXPECT_EQ(v.bytes[kNameOffset + 6], ' ');  // é is not in the DX7 set
  EXPECT_EQ(v.name(), "5\\ ~      ");
  EXPECT_EQ(v.name().size(), kNameLength);
  EXPECT_EQ(v.display_name(), "5\xC2\xA5 \xE2\x86\x92\xE2\x86\x90     ");
  v.bytes[kNameOffset] = 7;
  EXPECT_EQ(v.name()[0], ' ');
  EXPECT_TRUE(is_valid(v)) << "control characters in a name are stored, not errors";
}
