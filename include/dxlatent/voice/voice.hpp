#pragma once
// The DX7 voice in its two layouts (../shared/docs/dx7-sysex.md):
// the 155-byte unpacked VCED layout (what SysEx single-voice dumps and
// parameter changes address) and the 128-byte packed VMEM layout (inside a
// 32-voice cartridge). Pure code: no allocation beyond std::string for messages.
// Thread safety: every function here is pure and may be called from any thread,
// but only the ones marked [rt-safe] may be called from the JACK process thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dxlatent {

inline constexpr std::size_t kVoiceBytes = 155;       ///< unpacked VCED size
inline constexpr std::size_t kPackedVoiceBytes = 128; ///< packed VMEM size
inline constexpr std::size_t kSoundParams = 145;      ///< VCED bytes 0..144: all but the name
inline constexpr std::size_t kNameLength = 10;        ///< VCED bytes 145..154
inline constexpr std::size_t kNameOffset = 145;
inline constexpr std::size_t kOperatorBytes = 21;     ///< per operator, OP6 first
inline constexpr std::size_t kAlgorithmOffset = 134;

/// One parameter of the unpacked layout.
struct ParamInfo {
  std::uint8_t offset;    ///< VCED byte offset == SysEx voice parameter number
  std::uint8_t max;       ///< inclusive maximum; minimum is always 0
  std::int8_t op;         ///< operator 1..6, or 0 for a global parameter
  std::string_view name;  ///< e.g. "OP3 EG rate 2", "algorithm"
};

/// The 145 sound parameters in VCED order (index == offset).
const std::array<ParamInfo, kSoundParams>& param_table();

/// An unpacked voice: 155 bytes, VCED order.
struct Voice {
  std::array<std::uint8_t, kVoiceBytes> bytes{};

  bool operator==(const Voice&) const = default;

  std::string name() const;                 ///< the 10 name characters, trailing blanks kept
  void set_name(std::string_view name);     ///< mapped to the DX7 character set, padded with blanks
  int algorithm() const { return bytes[kAlgorithmOffset] + 1; } ///< 1..32 as shown on the DX7
  /// The 145 sound parameters (no name), e.g. as model input.
  std::span<const std::uint8_t, kSoundParams> sound() const {
    return std::span<const std::uint8_t, kSoundParams>(bytes.data(), kSoundParams);
  }
};

using PackedVoice = std::array<std::uint8_t, kPackedVoiceBytes>;

/// One field outside its range, e.g. {offset 57, value 197}: "OP3 EG rate 2 = 197 (0-99)".
struct RangeError {
  std::uint8_t offset;
  std::uint8_t value;
  std::string describe() const;
};

/// VCED -> VMEM. Values are masked to their field widths (the caller validates first).
PackedVoice pack(const Voice& voice);
/// VMEM -> VCED. Each field is masked to its width; junk high bits are dropped,
/// out-of-range values inside the width are kept so validate() can name them.
Voice unpack(std::span<const std::uint8_t, kPackedVoiceBytes> packed);

/// Every sound parameter out of range, and name bytes outside 32..127; empty if valid.
std::vector<RangeError> validate(const Voice& voice);
bool is_valid(const Voice& voice);
/// Clamps every parameter into its range and replaces bad name characters with blanks.
Voice clamped(const Voice& voice);

}  // namespace dxlatent
