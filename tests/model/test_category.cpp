#include "dxlatent/model/category.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace dxlatent;

namespace {
std::vector<CategoryRegion> regions() {
  return {{"bass", {}, {}}, {"keys/piano", {}, {}}, {"bell/mallet", {}, {}}, {"pluck/guitar", {}, {}},
          {"pluck/other", {}, {}}};
}
}  // namespace

TEST(Category, FindsByFullNameCaseInsensitively) {
  const auto r = regions();
  ASSERT_NE(find_category(r, "BASS"), nullptr);
  EXPECT_EQ(find_category(r, "BASS")->name, "bass");
  EXPECT_EQ(find_category(r, "Keys/Piano")->name, "keys/piano");
}

TEST(Category, FindsByTheUniquePartBeforeASlash) {
  const auto r = regions();
  EXPECT_EQ(find_category(r, "keys")->name, "keys/piano");
  EXPECT_EQ(find_category(r, "Bell")->name, "bell/mallet");
  EXPECT_EQ(find_category(r, "pluck"), nullptr) << "two regions start with pluck/: ambiguous";
  EXPECT_EQ(find_category(r, "piano"), nullptr) << "only the part before the slash is a short name";
  EXPECT_EQ(find_category(r, "flute"), nullptr);
  EXPECT_EQ(find_category(r, ""), nullptr);
}

TEST(Category, ListsTheNamesInOrder) {
  EXPECT_EQ(category_names(regions()), "bass, keys/piano, bell/mallet, pluck/guitar, pluck/other");
  EXPECT_EQ(category_names({}), "");
}
