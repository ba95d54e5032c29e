#include "dxlatent/midi_out/monitor_output.hpp"

#include <variant>

#include "dxlatent/sysex/parser.hpp"
#include "dxlatent/sysex/sysex.hpp"

namespace dxlatent {

MonitorOutput::MonitorOutput(std::shared_ptr<HexterMonitor> monitor, JackClient& client)
    : monitor_(std::move(monitor)), client_(client) {}

bool MonitorOutput::send(std::span<const std::uint8_t> message) {
  // The writer thread may allocate: the parser is the project's one reader of
  // DX7 SysEx (checksums, lengths), so the monitor accepts what Dexed would.
  Voice next = voice_ ? *voice_ : sysex::init_voice();
  bool changed = false;
  for (auto& m : sysex::parse(message).messages) {
    if (auto* dump = std::get_if<sysex::SingleVoiceMessage>(&m.body)) {
      next = dump->voice;
      changed = true;
    } else if (auto* change = std::get_if<sysex::ParamChangeFields>(&m.body)) {
      changed = sysex::apply(next, *change) || changed;
    }
  }
  if (!changed) return true;
  if (!monitor_->set_voice(next)) return false;
  voice_ = next;
  return true;
}

bool MonitorOutput::connected() const { return client_.is_running(); }

std::string MonitorOutput::describe() const {
  return "hexter:" + (client_.is_open() ? client_.monitor_out_name() : std::string("monitor_out"));
}

}  // namespace dxlatent
