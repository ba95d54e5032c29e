#pragma once
// Internal: the inclusive maximum of each sound parameter as a constant table, so
// the [rt-safe] checks never touch param_table()'s lazily built strings.
#include <array>
#include <cstdint>

#include "dxlatent/voice/voice.hpp"

namespace dxlatent::detail {

inline constexpr std::array<std::uint8_t, kOperatorBytes> kOperatorMax = {
    99, 99, 99, 99, 99, 99, 99, 99,  // EG rates 1-4, levels 1-4
    99, 99, 99,                      // break point, left depth, right depth
    3, 3, 7, 3, 7,                   // curves, rate scaling, AMS, KVS
    99, 1, 31, 99, 14,               // output level, osc mode, coarse, fine, detune
};
inline constexpr std::array<std::uint8_t, kSoundParams - 6 * kOperatorBytes> kGlobalMax = {
    99, 99, 99, 99, 99, 99, 99, 99,  // pitch EG rates, levels
    31, 7, 1,                        // algorithm, feedback, osc key sync
    99, 99, 99, 99,                  // LFO speed, delay, PMD, AMD
    1, 5, 7, 48,                     // LFO key sync, wave, pitch mod sens, transpose
};

constexpr std::array<std::uint8_t, kSoundParams> make_param_max() {
  std::array<std::uint8_t, kSoundParams> m{};
  for (std::size_t i = 0; i < kSoundParams; ++i)
    m[i] = i < 6 * kOperatorBytes ? kOperatorMax[i % kOperatorBytes]
                                  : kGlobalMax[i - 6 * kOperatorBytes];
  return m;
}
inline constexpr std::array<std::uint8_t, kSoundParams> kParamMax = make_param_max();

}  // namespace dxlatent::detail
