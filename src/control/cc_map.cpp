#include "dxlatent/control/cc_map.hpp"

#include <stdexcept>

namespace dxlatent {

namespace {
// 120..127 are channel mode messages (all sound off, reset, all notes off...),
// never a knob.
constexpr std::uint8_t kFirstChannelMode = 120;
}  // namespace

CcMap::CcMap(std::optional<std::uint8_t> channel, std::span<const std::uint8_t> ignored)
    : channel_(channel) {
  if (channel && *channel > 15)
    throw std::invalid_argument("MIDI channel index " + std::to_string(*channel) + " is not 0..15");
  for (auto cc : ignored)
    if (cc < 128) ignored_[cc] = true;
}

CcMap CcMap::with_numbers(std::span<const std::optional<std::uint8_t>> numbers,
                          std::optional<std::uint8_t> channel,
                          std::span<const std::uint8_t> ignored) {
  if (numbers.size() > kLatentDims)
    throw std::invalid_argument("at most " + std::to_string(kLatentDims) + " CC numbers, got " +
                                std::to_string(numbers.size()));
  CcMap map(channel, ignored);
  for (std::size_t d = 0; d < numbers.size(); ++d) {
    if (!numbers[d]) continue;
    const auto cc = *numbers[d];
    if (cc >= kFirstChannelMode)
      throw std::invalid_argument("CC " + std::to_string(cc) +
                                  " cannot drive a knob (0..119; 120..127 are channel mode messages)");
    for (std::size_t e = 0; e < d; ++e)
      if (numbers[e] == numbers[d])
        throw std::invalid_argument("CC " + std::to_string(cc) + " is given for both dimension " +
                                    std::to_string(e + 1) + " and " + std::to_string(d + 1));
    map.numbers_[d] = cc;
  }
  return map;
}

std::optional<CcMap::Result> CcMap::map(std::uint8_t channel, std::uint8_t cc) {
  if (channel_ && channel != *channel_) return std::nullopt;
  if (cc >= kFirstChannelMode) return std::nullopt;
  for (std::size_t d = 0; d < kLatentDims; ++d)
    if (numbers_[d] == cc) return Result{d, false};
  if (ignored_[cc]) return std::nullopt;
  for (std::size_t d = 0; d < kLatentDims; ++d)
    if (!numbers_[d]) {
      numbers_[d] = cc;
      return Result{d, true};
    }
  return std::nullopt;
}

bool CcMap::complete() const {
  for (const auto& n : numbers_)
    if (!n) return false;
  return true;
}

std::string CcMap::describe() const {
  std::string s;
  for (std::size_t d = 0; d < kLatentDims; ++d) {
    if (d) s += ' ';
    s += "dim" + std::to_string(d + 1) + '=';
    s += numbers_[d] ? "CC" + std::to_string(*numbers_[d]) : std::string("?");
  }
  return s;
}

}  // namespace dxlatent
