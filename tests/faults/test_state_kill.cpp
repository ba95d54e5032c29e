// kill -9 during state writes: a child process rewrites the latent and CC map
// files as fast as it can; it is SIGKILLed at random moments, and after every
// kill both files must still load and hold one whole generation (old or new),
// never a mix or a torn file.
#include "dxlatent/engine/state_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

namespace dxlatent {
namespace {

// Generations stay below 2^21 so that g + d/8 is exact in a float.
Latent generation_latent(int g) {
  Latent z;
  for (std::size_t d = 0; d < kLatentDims; ++d) z[d] = static_cast<float>(g) + 0.125f * d;
  return z;
}

StateStore::CcNumbers generation_map(int g) {
  StateStore::CcNumbers m{};
  for (std::size_t d = 0; d < kLatentDims; ++d) m[d] = static_cast<std::uint8_t>((g + d * 13) % 120);
  return m;
}

TEST(StateKill, EveryKillLeavesAWholeOldOrNewFile) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("dxlatent-state-kill-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    StateStore first(dir);
    first.save_latent(generation_latent(0));
    first.save_cc_map(generation_map(0));
  }
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> delay_us(200, 30'000);
  int last_seen = 0;
  int advanced = 0;
  constexpr int kKills = 40;
  for (int k = 0; k < kKills; ++k) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      // Child: no gtest, no return; write generation after generation until killed.
      try {
        StateStore store(dir);
        for (int g = (k + 1) * 10'000;; ++g) {
          store.save_latent(generation_latent(g));
          store.save_cc_map(generation_map(g));
        }
      } catch (...) {
        ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself (status " << status << ")";

    StateStore store(dir);  // also sweeps the killed writer's temporary file
    std::string error;
    const auto z = store.load_latent(&error);
    ASSERT_TRUE(z) << "after kill " << k << ": " << error;
    const int g = static_cast<int>((*z)[0]);
    EXPECT_EQ(*z, generation_latent(g)) << "a latent file mixes generations after kill " << k;
    const auto m = store.load_cc_map(&error);
    ASSERT_TRUE(m) << "after kill " << k << ": " << error;
    // Whole: every entry belongs to one generation.
    for (std::size_t d = 0; d < kLatentDims; ++d)
      ASSERT_EQ((*m)[d], ((*m)[0].value() + d * 13) % 120) << "a cc map mixes generations";
    // The map is written just after the latent: it is of the latent's generation
    // or the one before (unless this writer had only written its first latent).
    if (g % 10'000 != 0) {
      EXPECT_TRUE(*m == generation_map(g) || *m == generation_map(g - 1)) << "generation " << g;
    }
    if (g != last_seen) ++advanced;
    last_seen = g;
  }
  // The test means something only if the kills landed while writing went on.
  EXPECT_GT(advanced, kKills / 2);
  std::size_t leftovers = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) leftovers += e.path().filename().string()[0] == '.';
  EXPECT_EQ(leftovers, 0u) << "temporary files were not swept";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dxlatent
