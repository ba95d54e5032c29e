#include "support/test_midi_client.hpp"

#include <jack/midiport.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace dxlatent::testing {

TestMidiClient::TestMidiClient(std::string name, std::size_t max_per_period)
    : name_(std::move(name)), max_per_period_(max_per_period) {
  open_client();
}

bool TestMidiClient::wait_running(std::chrono::milliseconds timeout) {
  const std::uint64_t start = periods_.load();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (periods_.load() < start + 2) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TestMidiClient::~TestMidiClient() { close_client(); }

void TestMidiClient::open_client() {
  jack_status_t status{};
  // A server that just (re)started on a loaded machine may refuse the first tries.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int tries = 0;
  do {
    if (tries++ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client_ = jack_client_open(name_.c_str(),
                               static_cast<jack_options_t>(JackNoStartServer | JackUseExactName),
                               &status);
  } while (client_ == nullptr && std::chrono::steady_clock::now() < deadline);
  if (client_ == nullptr)
    throw std::runtime_error("test client '" + name_ + "': jack_client_open failed, status 0x" +
                             std::to_string(static_cast<int>(status)));
  in_port_ = jack_port_register(client_, "in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
  out_port_ = jack_port_register(client_, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
  jack_set_process_callback(client_, &TestMidiClient::process_cb, this);
  jack_on_info_shutdown(client_, &TestMidiClient::shutdown_cb, this);
  server_lost_ = false;
  if (in_port_ == nullptr || out_port_ == nullptr || jack_activate(client_) != 0) {
    close_client();
    throw std::runtime_error("test client '" + name_ + "': cannot register ports or activate");
  }
  // Right after a server restart, JACK2 now and then activates a client whose
  // process callback never runs; reopen it then, so tests see a working client.
  for (int attempt = 0; !wait_running(std::chrono::seconds(1)); ++attempt) {
    if (attempt == 3) throw std::runtime_error("test client '" + name_ + "': process callback never ran");
    close_client();
    client_ = jack_client_open(name_.c_str(),
                               static_cast<jack_options_t>(JackNoStartServer | JackUseExactName),
                               &status);
    if (client_ == nullptr) continue;
    in_port_ = jack_port_register(client_, "in", JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    out_port_ = jack_port_register(client_, "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    jack_set_process_callback(client_, &TestMidiClient::process_cb, this);
    jack_on_info_shutdown(client_, &TestMidiClient::shutdown_cb, this);
    jack_activate(client_);
  }
}

void TestMidiClient::close_client() {
  if (client_ == nullptr) return;
  if (!server_lost_) jack_deactivate(client_);
  jack_client_close(client_);
  client_ = nullptr;
}

void TestMidiClient::reopen() {
  close_client();
  open_client();
}

bool TestMidiClient::connect(const std::string& src, const std::string& dst) {
  const int rc = jack_connect(client_, src.c_str(), dst.c_str());
  return rc == 0 || rc == EEXIST;
}

bool TestMidiClient::send(std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || bytes.size() > TestMidiMessage::kCapacity) return false;
  TestMidiMessage m;
  m.size = static_cast<std::uint16_t>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), m.bytes.begin());
  return out_.try_enqueue(m);
}

int TestMidiClient::process_cb(jack_nframes_t nframes, void* arg) {
  auto* self = static_cast<TestMidiClient*>(arg);
  const jack_nframes_t base = jack_last_frame_time(self->client_);

  void* in = jack_port_get_buffer(self->in_port_, nframes);
  const std::uint32_t n = jack_midi_get_event_count(in);
  for (std::uint32_t i = 0; i < n; ++i) {
    jack_midi_event_t ev;
    if (jack_midi_event_get(&ev, in, i) != 0) continue;
    TestMidiMessage m;
    m.frame = base + ev.time;
    m.size = static_cast<std::uint16_t>(ev.size);
    std::memcpy(m.bytes.data(), ev.buffer, std::min<std::size_t>(ev.size, TestMidiMessage::kCapacity));
    if (!self->recv_q_.try_enqueue(m)) self->lost_.fetch_add(1);
  }

  void* out = jack_port_get_buffer(self->out_port_, nframes);
  jack_midi_clear_buffer(out);
  std::size_t written = 0;
  while (TestMidiMessage* m = self->out_.peek()) {
    if (self->max_per_period_ != 0 && written >= self->max_per_period_) break;
    if (jack_midi_event_write(out, 0, m->bytes.data(), m->size) != 0) break;  // full: next period
    m->frame = base;
    if (!self->sent_q_.try_enqueue(*m)) self->lost_.fetch_add(1);
    self->out_.pop();
    ++written;
  }
  self->periods_.fetch_add(1);
  return 0;
}

void TestMidiClient::shutdown_cb(jack_status_t, const char*, void* arg) {
  static_cast<TestMidiClient*>(arg)->server_lost_ = true;
}

void TestMidiClient::drain() {
  TestMidiMessage m;
  while (recv_q_.try_dequeue(m)) received_.push_back(m);
  while (sent_q_.try_dequeue(m)) sent_.push_back(m);
}

std::vector<TestMidiMessage> TestMidiClient::received() {
  std::lock_guard lock(mutex_);
  drain();
  return received_;
}

std::vector<TestMidiMessage> TestMidiClient::sent() {
  std::lock_guard lock(mutex_);
  drain();
  return sent_;
}

void TestMidiClient::clear() {
  std::lock_guard lock(mutex_);
  drain();
  received_.clear();
  sent_.clear();
}

}  // namespace dxlatent::testing
