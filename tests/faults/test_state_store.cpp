// The state directory: CC map and last latent round-trip exactly, and damaged
// files are reported (naming the file) and treated as absent, never trusted.
#include "dxlatent/engine/state_store.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <random>
#include <string>

namespace dxlatent {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("dxlatent-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(StateStoreTest, CreatesTheDirectory) {
  StateStore store(dir_ / "nested" / "deeper");
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "nested" / "deeper"));
}

// Issue 14: two `dxlatent run`s on one state directory both fed the synth. The
// engine takes the directory; a second engine is refused naming the first's pid;
// `dxlatent snapshot` asks engine_running() whether anything plays at all.
TEST_F(StateStoreTest, OneEnginePerDirectory) {
  EXPECT_FALSE(StateStore::engine_running(dir_)) << "no directory yet";
  {
    StateStore first(dir_);
    EXPECT_FALSE(StateStore::engine_running(dir_)) << "a store that did not lock is no engine";
    first.lock_for_engine();
    EXPECT_TRUE(StateStore::engine_running(dir_));
    StateStore second(dir_);  // a reader (e.g. the state tests' child) may still open the directory
    try {
      second.lock_for_engine();
      ADD_FAILURE() << "a second engine took a locked state directory";
    } catch (const StateLockedError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(dir_.string()), std::string::npos) << what;
      EXPECT_NE(what.find("pid " + std::to_string(::getpid())), std::string::npos) << what;
    }
    EXPECT_TRUE(StateStore::engine_running(dir_));
  }
  EXPECT_FALSE(StateStore::engine_running(dir_)) << "the lock outlived its engine";
  StateStore again(dir_);
  EXPECT_NO_THROW(again.lock_for_engine()) << "a stopped engine's directory must be free";
}

TEST_F(StateStoreTest, NothingSavedMeansNothingLoaded) {
  StateStore store(dir_);
  std::string error;
  EXPECT_FALSE(store.load_cc_map(&error));
  EXPECT_NE(error.find("cc-map.txt"), std::string::npos) << error;
  EXPECT_FALSE(store.load_latent(&error));
  EXPECT_NE(error.find("latent.txt"), std::string::npos) << error;
}

TEST_F(StateStoreTest, CcMapRoundTripsIncludingUnlearnedDimensions) {
  StateStore store(dir_);
  StateStore::CcNumbers numbers{};
  numbers[0] = 74;
  numbers[1] = 71;
  numbers[2] = 0;
  numbers[5] = 119;
  store.save_cc_map(numbers);
  const auto loaded = StateStore(dir_).load_cc_map();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, numbers);
}

TEST_F(StateStoreTest, LatentRoundTripsBitExact) {
  StateStore store(dir_);
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.f, 2.f);
  for (int i = 0; i < 100; ++i) {
    Latent z;
    for (float& x : z) x = n(rng);
    store.save_latent(z);
    const auto loaded = store.load_latent();
    ASSERT_TRUE(loaded);
    ASSERT_EQ(*loaded, z);
  }
}

TEST_F(StateStoreTest, DebouncedSavesWriteAtMostOncePerIntervalAndFlushKeepsTheLast) {
  StateStore store(dir_, std::chrono::milliseconds(1000));
  const auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  Latent z{};
  int writes = 0;
  for (int i = 0; i < 500; ++i) {  // 500 knob moves over 2.5 s
    z[0] = static_cast<float>(i);
    writes += store.save_latent_debounced(z, t + std::chrono::milliseconds(5 * i)) ? 1 : 0;
  }
  EXPECT_EQ(writes, 3);  // at 0, 1000 and 2000 ms
  EXPECT_EQ((*store.load_latent())[0], 400.f);
  store.flush_latent();
  EXPECT_EQ((*store.load_latent())[0], 499.f);
}

// The engine offers the latent every tick; an idle engine must not rewrite the
// file every second for as long as it runs.
TEST_F(StateStoreTest, AnUnchangedLatentIsNotWrittenAgain) {
  StateStore store(dir_, std::chrono::milliseconds(1000));
  const auto t = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  const Latent z{0.5f, -1.0f, 0, 0, 0, 0, 0, 2.0f};
  EXPECT_TRUE(store.save_latent_debounced(z, t));
  const auto written = std::filesystem::last_write_time(store.latent_path());
  int writes = 0;
  for (int s = 1; s <= 60; ++s) writes += store.save_latent_debounced(z, t + std::chrono::seconds(s)) ? 1 : 0;
  EXPECT_EQ(writes, 0);
  EXPECT_EQ(std::filesystem::last_write_time(store.latent_path()), written);
  Latent moved = z;
  moved[3] = 1.0f;
  EXPECT_TRUE(store.save_latent_debounced(moved, t + std::chrono::seconds(61)));
  store.flush_latent();  // nothing pending: the file keeps `moved`
  EXPECT_EQ(*store.load_latent(), moved);
}

TEST_F(StateStoreTest, DamagedFilesAreReportedAndIgnored) {
  StateStore store(dir_);
  const std::pair<const char*, const char*> bad_maps[] = {
      {"", "first line"},
      {"something else\n", "first line"},
      {"dxlatent-cc-map 1\ndim1 = 74\n", "dim2 is missing"},
      {"dxlatent-cc-map 1\ndim1 = 74\ndim2 = 74\ndim3 = ?\ndim4 = ?\ndim5 = ?\ndim6 = ?\ndim7 = ?\ndim8 = ?\n",
       "two dimensions"},
      {"dxlatent-cc-map 1\ndim1 = 120\n", "CC 0..119"},
      {"dxlatent-cc-map 1\ndim9 = 1\n", "N 1..8"},
      {"dxlatent-cc-map 1\ndim1 = 7x\n", "CC 0..119"},
  };
  for (const auto& [text, why] : bad_maps) {
    write(store.cc_map_path(), text);
    std::string error;
    EXPECT_FALSE(store.load_cc_map(&error)) << text;
    EXPECT_NE(error.find("cc-map.txt"), std::string::npos) << error;
    EXPECT_NE(error.find(why), std::string::npos) << "for '" << text << "': " << error;
  }
  const char* bad_latents[] = {
      "dxlatent-latent 1\ndim1 = nan\n",
      "dxlatent-latent 1\ndim1 = 1e99\n",
      "dxlatent-latent 1\ndim1 = 0.5\ndim1 = 0.5\n",
      "dxlatent-latent 1\ndim1 = 0.5\n",  // seven missing
      "dxlatent-latent 2\n",
  };
  for (const char* text : bad_latents) {
    write(store.latent_path(), text);
    std::string error;
    EXPECT_FALSE(store.load_latent(&error)) << text;
    EXPECT_NE(error.find("latent.txt"), std::string::npos) << error;
  }
}

TEST_F(StateStoreTest, LeftoverTemporaryFilesOfAKilledWriterAreSwept) {
  std::filesystem::create_directories(dir_);
  write(dir_ / ".latent.txt.tmp.AbC123", "dxlatent-lat");
  write(dir_ / ".cc-map.txt.tmp.XyZ789", "");
  write(dir_ / "unrelated.txt", "keep me");
  StateStore store(dir_);
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".latent.txt.tmp.AbC123"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / ".cc-map.txt.tmp.XyZ789"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "unrelated.txt"));
}

}  // namespace
}  // namespace dxlatent
