#include "dxlatent/voice/param_lock.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace dxlatent;

namespace {
std::size_t offset_of(const char* name) { return find_param(name)->offset; }
}  // namespace

TEST(ParamLock, SingleGlobals) {
  EXPECT_EQ(parse_locks("algorithm"), ParamMask().set(kAlgorithmOffset));
  EXPECT_EQ(parse_locks("feedback"), ParamMask().set(offset_of("feedback")));
  EXPECT_EQ(parse_locks("transpose"), ParamMask().set(offset_of("transpose")));
}

TEST(ParamLock, AnyParameterByItsTableNameCaseInsensitively) {
  for (const ParamInfo& p : param_table()) {
    std::string upper(p.name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse_locks(p.name), ParamMask().set(p.offset)) << p.name;
    EXPECT_EQ(parse_locks(upper), ParamMask().set(p.offset)) << upper;
  }
  EXPECT_EQ(parse_locks("  op3   eg_rate-2 "), ParamMask().set(offset_of("OP3 EG rate 2")));
}

TEST(ParamLock, OperatorGroupInEverySpelling) {
  ParamMask op3;
  for (const ParamInfo& p : param_table())
    if (p.op == 3) op3.set(p.offset);
  ASSERT_EQ(op3.count(), kOperatorBytes);
  for (const char* s : {"OP3 *", "op3", "Op 3", "op3*", "OP3  *"}) EXPECT_EQ(parse_locks(s), op3) << s;
  EXPECT_THROW(parse_locks("op7"), LockError);
  EXPECT_THROW(parse_locks("op0 *"), LockError);
}

TEST(ParamLock, GroupsCoverExactlyTheirParameters) {
  auto names_of = [](const ParamMask& m) {
    std::vector<std::string> v;
    for (const ParamInfo& p : param_table())
      if (m.test(p.offset)) v.emplace_back(p.name);
    return v;
  };
  const auto tuning = names_of(parse_locks("tuning"));
  EXPECT_EQ(tuning.size(), 6u * 4u + 1u);
  EXPECT_EQ(tuning.front(), "OP6 osc mode");
  EXPECT_EQ(tuning.back(), "transpose");
  EXPECT_EQ(names_of(parse_locks("pitch-eg")).size(), 8u);
  EXPECT_EQ(names_of(parse_locks("Pitch EG")).front(), "pitch EG rate 1");
  const auto lfo = names_of(parse_locks("lfo"));
  EXPECT_EQ(lfo, (std::vector<std::string>{"LFO speed", "LFO delay", "LFO pitch mod depth", "LFO amp mod depth",
                                           "LFO key sync", "LFO wave", "pitch mod sens"}));
  const auto env = names_of(parse_locks("envelopes"));
  EXPECT_EQ(env.size(), 6u * 8u);
  for (const auto& n : env) EXPECT_NE(n.find(" EG "), std::string::npos) << n;
  const auto levels = names_of(parse_locks("levels"));
  EXPECT_EQ(levels.size(), 6u);
  for (const auto& n : levels) EXPECT_NE(n.find("output level"), std::string::npos) << n;
  for (const auto& g : lock_group_names()) EXPECT_GT(parse_locks(g).count(), 0u) << g;
}

TEST(ParamLock, CommaListsAndRepeatsAreTheUnion) {
  const ParamMask a = parse_locks("algorithm, feedback,,levels");
  EXPECT_EQ(a.count(), 8u);
  const std::vector<std::string> lists = {"algorithm", "feedback,levels"};
  EXPECT_EQ(parse_locks(lists), a);
  EXPECT_EQ(parse_locks(""), ParamMask());
}

TEST(ParamLock, UnknownNamesListTheGroups) {
  try {
    parse_locks("algorithm,wobble");
    FAIL() << "accepted wobble";
  } catch (const LockError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'wobble'"), std::string::npos) << msg;
    for (const char* g : {"algorithm", "tuning", "pitch-eg", "lfo", "envelopes", "levels", "op1", "OP3 *"})
      EXPECT_NE(msg.find(g), std::string::npos) << g << " missing in: " << msg;
  }
  EXPECT_THROW(parse_locks("OP3 EG rate 5"), LockError);
}

TEST(ParamLock, ApplyCopiesOnlyLockedParametersAndNeverTheName) {
  Voice ref, v;
  for (std::size_t i = 0; i < kVoiceBytes; ++i) {
    ref.bytes[i] = 1;
    v.bytes[i] = 2;
  }
  apply_locks(v, ref, parse_locks("algorithm,OP1 *"));
  for (std::size_t i = 0; i < kVoiceBytes; ++i) {
    const bool locked = i == kAlgorithmOffset || (i >= 5 * kOperatorBytes && i < 6 * kOperatorBytes);
    EXPECT_EQ(v.bytes[i], locked ? 1 : 2) << "byte " << i;
  }
}

TEST(ParamLock, DescribeNamesThemAndCaps) {
  EXPECT_EQ(describe_locks(parse_locks("algorithm,feedback")), "algorithm, feedback");
  EXPECT_EQ(describe_locks(parse_locks("levels"), 2), "OP6 output level, OP5 output level and 4 more");
  EXPECT_EQ(describe_locks(ParamMask()), "");
}
