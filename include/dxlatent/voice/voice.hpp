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

/// The 145 sound parameters in VCED order (index == offset). The names are the
/// ones the model exports as param_names (models/dx7.py), so the two can be checked
/// against each other.
const std::array<ParamInfo, kSoundParams>& param_table();
/// The parameter called `name` (exact match), or nullptr.
const ParamInfo* find_param(std::string_view name);

/// Name characters. The DX7 LCD shows ASCII 32..126 except 92 (a yen sign instead
/// of a backslash) and 126 (a right arrow instead of a tilde), and 127 as a left
/// arrow. Our mapping:
///  - Voice::name(): plain ASCII, 10 bytes; bytes outside 32..126 become blanks,
///    92 and 126 stay '\\' and '~' (so names stay 1 byte per character);
///  - Voice::display_name(): UTF-8 as the DX7 shows it: 92 -> "¥", 126 -> "→",
///    127 -> "←", everything else outside 32..126 -> blank;
///  - Voice::set_name(): ASCII 32..126 as is, "¥" -> 92, "→" -> 126, "←" -> 127,
///    any other character (control or non-ASCII code point) -> blank.
inline constexpr char kNameBlank = ' ';

/// An unpacked voice: 155 bytes, VCED order.
struct Voice {
  std::array<std::uint8_t, kVoiceBytes> bytes{};

  bool operator==(const Voice&) const = default;

  std::string name() const;                 ///< the 10 name characters, trailing blanks kept
  std::string display_name() const;         ///< UTF-8, as the DX7 LCD shows it (see above)
  void set_name(std::string_view name);     ///< UTF-8 in, mapped to the DX7 character set, padded with blanks
  int algorithm() const { return bytes[kAlgorithmOffset] + 1; } ///< 1..32 as shown on the DX7
  /// The 145 sound parameters (no name), e.g. as model input.
  std::span<const std::uint8_t, kSoundParams> sound() const {
    return std::span<const std::uint8_t, kSoundParams>(bytes.data(), kSoundParams);
  }
};

using PackedVoice = std::array<std::uint8_t, kPackedVoiceBytes>;

/// One field outside its range, e.g. {offset 57, value 197}: "OP3 EG rate 2 = 197 (0-99)".
/// Name bytes (offset 145..154) are reported as "name char 3 = 200 (0-127)".
struct RangeError {
  std::uint8_t offset;
  std::uint8_t value;
  std::string describe() const;
};

/// VCED -> VMEM. Values are masked to their field widths (the caller validates
/// first). A field that fills a whole packed byte (rates, levels, output level,
/// name, ...) has a width of 8 bits, so it is copied unchanged. [rt-safe]
PackedVoice pack(const Voice& voice);
/// VMEM -> VCED. Each field is masked to its width: the unused bits of the shared
/// bytes (e.g. bits 4..7 of the curves byte) are junk and dropped. A whole-byte
/// field keeps all 8 bits, so an EG rate stored as 197 stays 197 and validate()
/// names it: that is how the corpus counts 3,031 out-of-range voices. [rt-safe]
Voice unpack(std::span<const std::uint8_t, kPackedVoiceBytes> packed);

/// Every sound parameter out of its range, then every name byte >= 128 (which no
/// SysEx message can carry); empty if valid. Name bytes 0..31 and 127 are valid:
/// the DX7 stores them, name() shows them as blanks.
std::vector<RangeError> validate(const Voice& voice);
bool is_valid(const Voice& voice);  ///< validate(voice).empty(), without allocating. [rt-safe]
/// Clamps every parameter to its maximum and replaces name bytes outside 32..126
/// with blanks.
Voice clamped(const Voice& voice);

}  // namespace dxlatent
