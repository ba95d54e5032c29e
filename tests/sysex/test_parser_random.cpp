// A cheap, always-on cousin of the libFuzzer target: seeded random and mutated
// streams must never crash the parser, and every byte must be accounted for
// (each good message and each problem starts at a distinct offset, in order).
#include <gtest/gtest.h>

#include <random>

#include "dxlatent/sysex/parser.hpp"

using namespace dxlatent;
using namespace dxlatent::sysex;

namespace {

std::vector<std::uint8_t> good_stream(std::mt19937& rng) {
  std::vector<std::uint8_t> s;
  const int n = std::uniform_int_distribution<int>(1, 4)(rng);
  for (int i = 0; i < n; ++i) {
    Voice v = init_voice();
    v.bytes[std::uniform_int_distribution<int>(0, 144)(rng)] = 1;
    switch (rng() % 3) {
      case 0: { const auto m = encode_single_voice(v, rng() % 16); s.insert(s.end(), m.begin(), m.end()); break; }
      case 1: { const auto m = encode_bulk_dump(std::vector<Voice>(3, v), rng() % 16); s.insert(s.end(), m.begin(), m.end()); break; }
      default: { const auto m = encode_param_change(rng() % 16, rng() % 156, rng() % 128); s.insert(s.end(), m.begin(), m.end()); }
    }
  }
  return s;
}

void check_invariants(const std::vector<std::uint8_t>& s, const ParseResult& r) {
  std::vector<std::size_t> starts;
  for (const auto& m : r.messages) {
    ASSERT_LT(m.offset, s.size());
    ASSERT_EQ(s[m.offset], 0xF0);
    ASSERT_EQ(s[m.offset + m.size - 1], 0xF7);
    starts.push_back(m.offset);
  }
  for (const auto& p : r.problems) {
    ASSERT_LT(p.offset, s.size());
    starts.push_back(p.offset);
  }
  std::sort(starts.begin(), starts.end());
  ASSERT_TRUE(std::adjacent_find(starts.begin(), starts.end()) == starts.end());
  if (!s.empty()) {
    ASSERT_FALSE(starts.empty()) << "a non-empty stream yields something";
    ASSERT_EQ(starts.front(), 0u) << "the first byte belongs to something";
  }
}

}  // namespace

TEST(ParserRandom, MutatedGoodStreams) {
  std::mt19937 rng(20261125);
  std::size_t kept = 0, problems = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<std::uint8_t> s = good_stream(rng);
    const ParseResult clean = parse(s);
    ASSERT_TRUE(clean.problems.empty()) << "iteration " << iter;
    const int mutations = std::uniform_int_distribution<int>(0, 4)(rng);
    for (int m = 0; m < mutations && !s.empty(); ++m) {
      const std::size_t at = rng() % s.size();
      switch (rng() % 4) {
        case 0: s[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;  // bit flip
        case 1: s.erase(s.begin() + static_cast<std::ptrdiff_t>(at)); break;   // drop a byte
        case 2: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng())); break;
        default: s.resize(at); break;                                            // truncate
      }
    }
    const ParseResult r = parse(s);
    check_invariants(s, r);
    kept += r.messages.size();
    problems += r.problems.size();
  }
  EXPECT_GT(kept, 0u);
  EXPECT_GT(problems, 0u);
}

TEST(ParserRandom, PureNoise) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<std::uint8_t> s(rng() % 600);
    for (auto& b : s) b = static_cast<std::uint8_t>(rng() % 8 == 0 ? (rng() % 2 ? 0xF0 : 0xF7) : rng());
    check_invariants(s, parse(s));
  }
}
