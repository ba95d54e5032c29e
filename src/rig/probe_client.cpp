#include "dxlatent/rig/jack_server_process.hpp"
#include "dxlatent/rig/probe_client.hpp"

#include <jack/jack.h>
#include <jack/midiport.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include <readerwriterqueue/readerwriterqueue.h>

namespace dxlatent {

namespace {
struct ShortMessage {
  std::uint8_t size = 0;
  std::array<std::uint8_t, 3> bytes{};
};


jack_client_t* open_client(const std::string& name, const std::string& server, jack_status_t* status) {
  const auto opts = JackOptions(JackNoStartServer | (server.empty() ? 0 : JackServerName));
  return server.empty() ? jack_client_open(name.c_str(), opts, status)
                        : jack_client_open(name.c_str(), opts, status, server.c_str());
}
}  // namespace

struct ProbeClient::Impl {
  jack_client_t* client = nullptr;
  jack_port_t* in = nullptr;
  jack_port_t* out = nullptr;
  moodycamel::ReaderWriterQueue<ShortMessage> to_send{65536};
  moodycamel::ReaderWriterQueue<ProbeMessage> sent{65536};
  moodycamel::ReaderWriterQueue<ProbeMessage> received{65536};
  std::atomic<std::uint64_t> xruns{0};

  // [rt] JACK process thread: lock-free queues only.
  static int process(jack_nframes_t n, void* arg) {
    auto& self = *static_cast<Impl*>(arg);
    const jack_nframes_t start = jack_last_frame_time(self.client);
    void* out_buf = jack_port_get_buffer(self.out, n);
    jack_midi_clear_buffer(out_buf);
    ShortMessage m;
    for (int i = 0; i < 64 && self.to_send.try_dequeue(m); ++i) {
      if (jack_midi_event_write(out_buf, 0, m.bytes.data(), m.size) != 0) break;
      ProbeMessage rec;
      rec.frame = start;
      rec.size = m.size;
      std::copy(m.bytes.begin(), m.bytes.begin() + m.size, rec.bytes.begin());
      self.sent.try_enqueue(rec);
    }
    void* in_buf = jack_port_get_buffer(self.in, n);
    const auto count = jack_midi_get_event_count(in_buf);
    for (std::uint32_t i = 0; i < count; ++i) {
      jack_midi_event_t ev;
      if (jack_midi_event_get(&ev, in_buf, i) != 0) continue;
      ProbeMessage rec;
      rec.frame = start + ev.time;
      rec.size = std::uint16_t(std::min<std::size_t>(ev.size, kMaxOutMessage));
      std::copy(ev.buffer, ev.buffer + rec.size, rec.bytes.begin());
      self.received.try_enqueue(rec);
    }
    return 0;
  }
  static int on_xrun(void* arg) {
    static_cast<Impl*>(arg)->xruns.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
};

ProbeClient::ProbeClient(const std::string& name, const std::string& server) : impl_(std::make_unique<Impl>()) {
  jack_status_t status{};
  impl_->client = open_client(name, server, &status);
  if (!impl_->client)
    throw std::runtime_error("cannot open JACK client '" + name + "' on server '" +
                             (server.empty() ? "default" : server) + "' (status 0x" +
                             [&] { std::ostringstream s; s << std::hex << int(status); return s.str(); }() + ")");
  impl_->in = jack_port_register(impl_->client, "in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
  impl_->out = jack_port_register(impl_->client, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
  if (!impl_->in || !impl_->out) {
    jack_client_close(impl_->client);
    throw std::runtime_error("cannot register the ports of JACK client '" + name + "'");
  }
  jack_set_process_callback(impl_->client, &Impl::process, impl_.get());
  jack_set_xrun_callback(impl_->client, &Impl::on_xrun, impl_.get());
  if (jack_activate(impl_->client) != 0) {
    jack_client_close(impl_->client);
    throw std::runtime_error("cannot activate JACK client '" + name + "'");
  }
}

ProbeClient::~ProbeClient() {
  if (impl_->client) {
    jack_deactivate(impl_->client);
    jack_client_close(impl_->client);
  }
}

std::string ProbeClient::out_port() const { return jack_port_name(impl_->out); }
std::string ProbeClient::in_port() const { return jack_port_name(impl_->in); }

void ProbeClient::connect(const std::string& source, const std::string& destination) {
  const int rc = jack_connect(impl_->client, source.c_str(), destination.c_str());
  if (rc != 0 && rc != EEXIST)
    throw std::runtime_error("cannot connect JACK port " + source + " to " + destination);
}

bool ProbeClient::send(std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || bytes.size() > 3) return false;
  ShortMessage m;
  m.size = std::uint8_t(bytes.size());
  std::copy(bytes.begin(), bytes.end(), m.bytes.begin());
  return impl_->to_send.try_enqueue(m);
}

namespace {
std::vector<ProbeMessage> drain(moodycamel::ReaderWriterQueue<ProbeMessage>& q, jack_client_t* client) {
  std::vector<ProbeMessage> out;
  ProbeMessage m;
  while (q.try_dequeue(m)) {
    m.usecs = std::uint64_t(jack_frames_to_time(client, m.frame));
    out.push_back(m);
  }
  return out;
}
}  // namespace

std::vector<ProbeMessage> ProbeClient::take_sent() { return drain(impl_->sent, impl_->client); }
std::vector<ProbeMessage> ProbeClient::take_received() { return drain(impl_->received, impl_->client); }
std::uint32_t ProbeClient::frame_time() const { return jack_frame_time(impl_->client); }
std::uint32_t ProbeClient::sample_rate() const { return jack_get_sample_rate(impl_->client); }
std::uint32_t ProbeClient::period() const { return jack_get_buffer_size(impl_->client); }
std::uint64_t ProbeClient::xruns() const { return impl_->xruns.load(); }

}  // namespace dxlatent
