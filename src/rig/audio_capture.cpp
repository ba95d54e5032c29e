#include "dxlatent/rig/audio_capture.hpp"

#include <jack/jack.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace dxlatent {

struct AudioCaptureClient::Impl {
  jack_client_t* client = nullptr;
  jack_port_t* port = nullptr;
  std::string name;
  std::vector<float> buffer;              // sized before activation, never grown
  std::atomic<std::size_t> written{0};    // release by the process thread, acquire by the reader
  std::atomic<std::uint64_t> overflow{0};
  std::uint32_t rate = 0;

  static int process_cb(jack_nframes_t nframes, void* arg) {  // [rt]
    auto* self = static_cast<Impl*>(arg);
    const auto* in = static_cast<const float*>(jack_port_get_buffer(self->port, nframes));
    const std::size_t at = self->written.load(std::memory_order_relaxed);
    const std::size_t n = std::min<std::size_t>(nframes, self->buffer.size() - at);
    std::memcpy(self->buffer.data() + at, in, n * sizeof(float));
    self->written.store(at + n, std::memory_order_release);
    if (n < nframes) self->overflow.fetch_add(nframes - n, std::memory_order_relaxed);
    return 0;
  }
};

AudioCaptureClient::AudioCaptureClient(const std::string& name, double seconds, const std::string& server)
    : impl_(std::make_unique<Impl>()) {
  jack_status_t status{};
  jack_options_t opts = JackNoStartServer;
  if (!server.empty()) opts = static_cast<jack_options_t>(opts | JackServerName);
  impl_->client = jack_client_open(name.c_str(), opts, &status, server.c_str());
  if (impl_->client == nullptr) throw std::runtime_error("cannot open JACK client '" + name + "'");
  impl_->name = jack_get_client_name(impl_->client);
  impl_->rate = jack_get_sample_rate(impl_->client);
  impl_->buffer.assign(static_cast<std::size_t>(std::max(0.0, seconds) * impl_->rate), 0.0f);
  impl_->port = jack_port_register(impl_->client, "in", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
  if (impl_->port == nullptr || jack_set_process_callback(impl_->client, &Impl::process_cb, impl_.get()) != 0 ||
      jack_activate(impl_->client) != 0) {
    jack_client_close(impl_->client);
    throw std::runtime_error("cannot set up JACK client '" + name + "'");
  }
}

AudioCaptureClient::~AudioCaptureClient() {
  jack_deactivate(impl_->client);
  jack_client_close(impl_->client);
}

std::string AudioCaptureClient::in_port() const { return impl_->name + ":in"; }

void AudioCaptureClient::connect(const std::string& source) {
  const int rc = jack_connect(impl_->client, source.c_str(), in_port().c_str());
  if (rc != 0 && rc != EEXIST) throw std::runtime_error("cannot connect " + source + " -> " + in_port());
}

std::size_t AudioCaptureClient::frames() const { return impl_->written.load(std::memory_order_acquire); }

std::vector<float> AudioCaptureClient::copy(std::size_t from, std::size_t to) const {
  to = std::min(to, frames());
  if (from >= to) return {};
  return {impl_->buffer.begin() + static_cast<std::ptrdiff_t>(from), impl_->buffer.begin() + static_cast<std::ptrdiff_t>(to)};
}

std::uint64_t AudioCaptureClient::overflowed() const { return impl_->overflow.load(std::memory_order_relaxed); }
std::uint32_t AudioCaptureClient::sample_rate() const { return impl_->rate; }

}  // namespace dxlatent
