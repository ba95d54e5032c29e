#pragma once
// Which controller CC drives which latent dimension. Either the eight CC numbers
// come from the config, or the first eight distinct CC numbers that arrive are
// learned in arrival order (as the seed's live script did), so any controller
// works without set-up. Pure; owned by the decode thread.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dxlatent/control/latent.hpp"

namespace dxlatent {

class CcMap {
 public:
  /// What map() decided for one CC message.
  struct Result {
    std::size_t dim;       ///< 0..7
    bool newly_learned;    ///< this message taught the map a new CC number
  };

  /// Learn mode. channel: 0..15 to listen to one MIDI channel, nullopt for all.
  /// ignored: CC numbers never learned (e.g. the sustain pedal, a snapshot trigger).
  explicit CcMap(std::optional<std::uint8_t> channel = std::nullopt,
                 std::span<const std::uint8_t> ignored = {});

  /// Fixed CC numbers (0..119, distinct), e.g. from the config or a saved mapping.
  /// A partial list (fewer than 8 known) keeps learning the rest.
  /// Throws std::invalid_argument naming the bad number.
  static CcMap with_numbers(std::span<const std::optional<std::uint8_t>> numbers,
                            std::optional<std::uint8_t> channel = std::nullopt,
                            std::span<const std::uint8_t> ignored = {});

  /// The dimension a control change drives, learning the number if a dimension is
  /// still free; nullopt for other channels, channel-mode messages (120..127),
  /// ignored numbers and unknown numbers once all eight are taken.
  std::optional<Result> map(std::uint8_t channel, std::uint8_t cc);

  /// The CC number of each dimension; nullopt while not learned.
  const std::array<std::optional<std::uint8_t>, kLatentDims>& numbers() const { return numbers_; }
  bool complete() const;
  std::optional<std::uint8_t> channel() const { return channel_; }
  /// e.g. "dim1=CC74 dim2=CC71 dim3=? ..." for logs.
  std::string describe() const;

 private:
  std::optional<std::uint8_t> channel_;
  std::array<std::optional<std::uint8_t>, kLatentDims> numbers_{};
  std::array<bool, 128> ignored_{};
};

}  // namespace dxlatent
