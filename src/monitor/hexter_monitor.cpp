#include "dxlatent/monitor/hexter_monitor.hpp"

#include <alsa/seq_event.h>  // snd_seq_event_t, headers only: no ALSA at run time

#include <chrono>
#include <cstring>
#include <thread>

namespace dxlatent {
namespace {

constexpr std::size_t kSeqCapacity = HexterMonitor::kMaxHeldEvents + AudioMonitor::kMaxEventsPerPeriod;

// A controller message as the ALSA sequencer event run_synth takes. [rt]
// False for what hexter does not play (program change: dxlatent's snapshot
// trigger or the synth's own programs, not the monitor's business).
bool to_seq_event(std::uint8_t status, std::uint8_t data1, std::uint8_t data2, unsigned tick,
                  snd_seq_event_t& e) {
  std::memset(&e, 0, sizeof e);
  e.time.tick = tick;
  const std::uint8_t channel = status & 0x0F;
  switch (status & 0xF0) {
    case 0x80:
      e.type = SND_SEQ_EVENT_NOTEOFF;
      e.data.note = {channel, data1, data2, 0, 0};
      return true;
    case 0x90:
      // Velocity 0 is a note-off; hexter's NOTEON handler knows it too.
      e.type = data2 ? SND_SEQ_EVENT_NOTEON : SND_SEQ_EVENT_NOTEOFF;
      e.data.note = {channel, data1, data2, 0, 0};
      return true;
    case 0xA0:
      e.type = SND_SEQ_EVENT_KEYPRESS;
      e.data.note = {channel, data1, data2, 0, 0};
      return true;
    case 0xB0:
      e.type = SND_SEQ_EVENT_CONTROLLER;
      e.data.control.channel = channel;
      e.data.control.param = data1;
      e.data.control.value = data2;
      return true;
    case 0xD0:
      e.type = SND_SEQ_EVENT_CHANPRESS;
      e.data.control.channel = channel;
      e.data.control.value = data1;
      return true;
    case 0xE0:
      e.type = SND_SEQ_EVENT_PITCHBEND;  // ALSA's value is signed around 0
      e.data.control.channel = channel;
      e.data.control.value = ((data2 << 7) | data1) - 8192;
      return true;
    default:
      return false;
  }
}

}  // namespace

HexterMonitor::HexterMonitor(std::filesystem::path plugin)
    : plugin_(std::move(plugin)), seq_(new snd_seq_event_t[kSeqCapacity]) {}

HexterMonitor::~HexterMonitor() = default;

void HexterMonitor::prepare(std::uint32_t sample_rate, std::uint32_t) {
  std::lock_guard lock(mutex_);
  // A fresh instance every time, even at the same rate: after a server restart
  // the note-offs of keys held through the outage are lost, and the old
  // instance would keep those notes sounding.
  playing_ = nullptr;
  held_count_ = 0;
  instance_.reset();
  instance_ = std::make_unique<render::HexterInstance>(plugin_, sample_rate);
  rate_.store(sample_rate);
  if (voice_) instance_->set_voice(*voice_);
  playing_ = instance_.get();
}

void HexterMonitor::process(std::span<const MonitorEvent> events, float* out,
                            std::uint32_t frames) noexcept {  // [rt]
  in_process_.store(true, std::memory_order_seq_cst);
  const bool hold = hold_.load(std::memory_order_seq_cst);
  render::HexterInstance* instance = playing_;
  if (instance == nullptr || frames == 0) {
    std::memset(out, 0, sizeof(float) * frames);
    in_process_.store(false, std::memory_order_seq_cst);
    return;
  }
  snd_seq_event_t* seq = seq_.get();
  std::size_t n = 0;
  if (hold) {
    // Keep the period's messages back, in order; the sounding notes play on.
    for (const MonitorEvent& e : events) {
      if (held_count_ < held_.size()) {
        held_[held_count_++] = Held{e.status, e.data1, e.data2};
        held_total_.store(held_total_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      } else {
        dropped_total_.store(dropped_total_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      }
    }
  } else {
    // What a voice change held back goes first, at the period's first frame.
    for (std::size_t i = 0; i < held_count_; ++i)
      if (to_seq_event(held_[i].status, held_[i].data1, held_[i].data2, 0, seq[n])) ++n;
    held_count_ = 0;
    for (const MonitorEvent& e : events) {
      const unsigned tick = e.offset < frames ? e.offset : frames - 1;
      if (n < kSeqCapacity && to_seq_event(e.status, e.data1, e.data2, tick, seq[n])) ++n;
    }
  }
  instance->run(out, frames, seq, n);
  in_process_.store(false, std::memory_order_seq_cst);
}

bool HexterMonitor::set_voice(const Voice& voice) {
  std::lock_guard lock(mutex_);
  if (!instance_) {
    voice_ = voice;
    return true;
  }
  // Raise the flag, then wait out a process() that may have started before it
  // (seq_cst on both sides: either we see it running, or it sees the flag).
  hold_.store(true, std::memory_order_seq_cst);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (in_process_.load(std::memory_order_seq_cst)) {
    if (std::chrono::steady_clock::now() > give_up) {
      hold_.store(false, std::memory_order_seq_cst);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  bool ok = true;
  try {
    instance_->set_voice(voice);
    voice_ = voice;
  } catch (const render::RenderError&) {
    ok = false;
  }
  // Release: the next process() that sees the flag down also sees the new patch.
  hold_.store(false, std::memory_order_seq_cst);
  return ok;
}

std::optional<Voice> HexterMonitor::voice() const {
  std::lock_guard lock(mutex_);
  return voice_;
}

}  // namespace dxlatent
