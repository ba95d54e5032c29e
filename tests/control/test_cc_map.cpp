#include "dxlatent/control/cc_map.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace dxlatent;

TEST(CcMap, LearnsTheFirstEightDistinctNumbersInArrivalOrder) {
  CcMap map;
  const std::vector<std::uint8_t> arrivals{74, 74, 71, 10, 71, 1, 2, 3, 4, 5, 6, 7};
  std::vector<std::uint8_t> learned;
  for (auto cc : arrivals) {
    auto r = map.map(0, cc);
    if (r && r->newly_learned) learned.push_back(cc);
  }
  EXPECT_EQ(learned, (std::vector<std::uint8_t>{74, 71, 10, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(map.complete());
  EXPECT_EQ(map.map(0, 74)->dim, 0u);
  EXPECT_EQ(map.map(0, 5)->dim, 7u);
  EXPECT_FALSE(map.map(0, 74)->newly_learned);
  // All eight taken: a ninth number drives nothing.
  EXPECT_FALSE(map.map(0, 6).has_value());
  EXPECT_FALSE(map.map(0, 7).has_value());
}

TEST(CcMap, FiltersByChannelAndNeverLearnsChannelModeOrIgnoredNumbers) {
  const std::vector<std::uint8_t> ignored{64};
  CcMap map(std::uint8_t{2}, ignored);
  EXPECT_FALSE(map.map(0, 20).has_value());   // other channel
  EXPECT_FALSE(map.map(2, 123).has_value());  // all notes off
  EXPECT_FALSE(map.map(2, 120).has_value());  // all sound off
  EXPECT_FALSE(map.map(2, 64).has_value());   // sustain pedal
  auto r = map.map(2, 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dim, 0u);
  EXPECT_TRUE(r->newly_learned);
  EXPECT_EQ(map.describe(), "dim1=CC20 dim2=? dim3=? dim4=? dim5=? dim6=? dim7=? dim8=?");
}

TEST(CcMap, FixedNumbersMapInTheirOrderAndPartialListsKeepLearning) {
  const std::vector<std::optional<std::uint8_t>> numbers{21, 22, std::nullopt, 24};
  auto map = CcMap::with_numbers(numbers);
  EXPECT_EQ(map.map(5, 24)->dim, 3u);
  EXPECT_EQ(map.map(5, 21)->dim, 0u);
  auto r = map.map(5, 99);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->dim, 2u);  // the first free dimension
  EXPECT_TRUE(r->newly_learned);
  EXPECT_FALSE(map.complete());
}

TEST(CcMap, RejectsDuplicateAndChannelModeNumbers) {
  const std::vector<std::optional<std::uint8_t>> dup{21, 22, 21};
  EXPECT_THROW(CcMap::with_numbers(dup), std::invalid_argument);
  const std::vector<std::optional<std::uint8_t>> mode{21, 123};
  EXPECT_THROW(CcMap::with_numbers(mode), std::invalid_argument);
  EXPECT_THROW(CcMap(std::uint8_t{16}), std::invalid_argument);
}
