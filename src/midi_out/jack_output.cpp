#include "dxlatent/midi_out/jack_output.hpp"

#include <algorithm>

namespace dxlatent {

bool JackOutput::send(std::span<const std::uint8_t> message) {
  if (message.empty() || message.size() > kMaxOutMessage) return false;
  OutMessage m;
  m.size = std::uint16_t(message.size());
  std::copy(message.begin(), message.end(), m.bytes.begin());
  return client_.send(m);
}

bool JackOutput::connected() const { return client_.is_running() && client_.connection_count(true) > 0; }

std::string JackOutput::describe() const {
  return "jack:" + (client_.is_open() ? client_.synth_out_name() : std::string("synth_out"));
}

}  // namespace dxlatent
