#include "jack_output.hpp"

#include <algorithm>

namespace dxlatent {

bool JackOutput::send(std::span<const std::uint8_t> message) {
  if (message.empty() || message.size() > kMaxOutMessage || !connected()) return false;
  OutMessage m;
  m.size = std::uint16_t(message.size());
  std::copy(message.begin(), message.end(), m.bytes.begin());
  return client_.send(m);
}

bool JackOutput::connected() const {
  if (!client_.is_running() || client_.server_lost()) {
    next_check_ = {};
    return false;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_check_) {
    next_check_ = now + std::chrono::milliseconds(100);
    listened_ = false;
    const std::string own = client_.synth_out_name();
    for (const auto& p : client_.list_ports())
      if (p.name == own) listened_ = !p.connections.empty();
  }
  return listened_;
}

std::string JackOutput::describe() const {
  return "jack:" + (client_.is_open() ? client_.synth_out_name() : std::string("synth_out"));
}

}  // namespace dxlatent
