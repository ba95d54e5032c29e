#include "dxlatent/midi_out/voice_sync.hpp"

#include <algorithm>

#include "dxlatent/sysex/sysex.hpp"

namespace dxlatent {

std::optional<OutputMode> parse_output_mode(std::string_view name) {
  if (name == "voice") return OutputMode::Voice;
  if (name == "params") return OutputMode::Params;
  if (name == "auto") return OutputMode::Auto;
  return std::nullopt;
}

std::string_view to_string(OutputMode mode) {
  switch (mode) {
    case OutputMode::Voice: return "voice";
    case OutputMode::Params: return "params";
    case OutputMode::Auto: return "auto";
  }
  return "?";
}

VoiceSync::VoiceSync(OutputMode mode, std::uint8_t channel) : mode_(mode), channel_(channel & 0x0F) {}

// Clamped once here, so every byte ever sent is in range and "differs" compares
// like with like (an out-of-range target would otherwise never look in sync).
void VoiceSync::set_target(const Voice& target) { target_ = clamped(target); }

void VoiceSync::forget_synth() {
  synth_.reset();
  reload_pending_ = false;
}

VoiceSync::Plan VoiceSync::plan() const {
  if (!target_) return {};
  if (!synth_) return {Step::Dump};
  const auto& want = target_->bytes;
  const auto& have = synth_->bytes;
  const bool differs = want != have;
  const bool use_params =
      mode_ == OutputMode::Params || (mode_ == OutputMode::Auto && keys_held_);
  if (!use_params) {
    // voice mode, or auto with all keys up: one dump brings everything, including
    // LFO settings that Dexed applies only on a reload.
    return (differs || reload_pending_) ? Plan{Step::Dump} : Plan{};
  }
  // Parameter numbers are VCED offsets; names (145..154) are parameters too.
  const auto it = std::mismatch(want.begin(), want.begin() + kNameOffset + kNameLength, have.begin());
  if (it.first == want.begin() + kNameOffset + kNameLength) return {};
  return {Step::Param, std::size_t(it.first - want.begin())};
}

std::optional<OutMessage> VoiceSync::next() const {
  const Plan p = plan();
  OutMessage m;
  switch (p.step) {
    case Step::None: return std::nullopt;
    case Step::Dump: {
      const auto dump = sysex::encode_single_voice(*target_, channel_);
      std::copy(dump.begin(), dump.end(), m.bytes.begin());
      m.size = std::uint16_t(dump.size());
      return m;
    }
    case Step::Param: {
      const auto change = sysex::encode_param_change(channel_, std::uint16_t(p.param),
                                                     std::uint8_t(target_->bytes[p.param] & 0x7F));
      std::copy(change.begin(), change.end(), m.bytes.begin());
      m.size = std::uint16_t(change.size());
      return m;
    }
  }
  return std::nullopt;
}

MessageKind VoiceSync::next_kind() const {
  switch (plan().step) {
    case Step::Dump: return MessageKind::VoiceDump;
    case Step::Param: return MessageKind::ParamChange;
    case Step::None: break;
  }
  return MessageKind::Other;
}

void VoiceSync::sent() {
  const Plan p = plan();
  switch (p.step) {
    case Step::None: return;
    case Step::Dump:
      synth_ = *target_;
      reload_pending_ = false;
      return;
    case Step::Param:
      synth_->bytes[p.param] = target_->bytes[p.param];
      // In auto mode the dump after the keys come up reloads what a parameter
      // change cannot (Dexed's LFO); params mode never dumps on its own.
      if (mode_ == OutputMode::Auto) reload_pending_ = true;
      return;
  }
}

}  // namespace dxlatent
