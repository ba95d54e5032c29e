#pragma once
// Decides the next message that brings the synth closer to the newest decoded
// voice (../shared/docs/synth-targets.md). It only ever looks at the newest
// target and at what the synth is known to hold, so nothing stale is sent: a
// target that is replaced before it went out is simply never sent.
//   voice:  one single-voice dump (163 bytes) whenever the synth differs;
//   params: parameter changes for the parameters that differ, one at a time;
//   auto:   parameter changes while keys are held (Dexed would cut the notes on a
//           dump), then one dump once all keys are up, so the synth ends in
//           exactly the decoded voice (LFO changes only take effect on a reload).
// While the synth's content is unknown (start, reconnect) the first message is a
// dump in every mode: a diff needs a known starting point. Never a bulk dump,
// never a function parameter. Pure; owned by the SysEx writer thread.

#include <cstdint>
#include <optional>
#include <string_view>

#include "dxlatent/midi/messages.hpp"
#include "dxlatent/midi_out/pacer.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

enum class OutputMode { Voice, Params, Auto };

/// "voice", "params" or "auto"; nullopt otherwise.
std::optional<OutputMode> parse_output_mode(std::string_view name);
std::string_view to_string(OutputMode mode);

class VoiceSync {
 public:
  /// channel: the synth's device channel, 0..15.
  VoiceSync(OutputMode mode, std::uint8_t channel);

  void set_target(const Voice& target);
  void set_keys_held(bool held) { keys_held_ = held; }
  /// Forget what the synth holds (it restarted, the port came back): the next message is a dump.
  void forget_synth();

  /// The message to send next, or nullopt when the synth needs nothing (now).
  /// Calling it twice without sent() gives the same message.
  std::optional<OutMessage> next() const;
  MessageKind next_kind() const;
  /// The message last returned by next() reached the output: update what the synth holds.
  void sent();

  bool has_target() const { return target_.has_value(); }
  const std::optional<Voice>& target() const { return target_; }
  const std::optional<Voice>& synth() const { return synth_; }
  OutputMode mode() const { return mode_; }

 private:
  enum class Step { None, Dump, Param };
  struct Plan { Step step = Step::None; std::size_t param = 0; };
  Plan plan() const;

  OutputMode mode_;
  std::uint8_t channel_;
  bool keys_held_ = false;
  std::optional<Voice> target_;
  std::optional<Voice> synth_;  ///< what the synth holds, as far as we sent it
  bool reload_pending_ = false; ///< params were sent since the last dump (auto mode)
};

}  // namespace dxlatent
