#pragma once
// The built-in audio monitor: Debian's hexter DX7 emulator played live inside
// dxlatent's JACK client (output kind "hexter"), so that a musician with a
// MIDI controller and a sound card hears the decoded voices without Dexed.
//
// Threads:
//   - control thread: construction (loads the plugin), prepare() (JackClient
//     calls it while the client is open and not active: the instance is made
//     there, at the server's rate, never on the process thread).
//   - process thread [rt]: process(), from JackClient's callback. It turns the
//     period's thru messages into ALSA sequencer events in a preallocated array
//     and calls hexter's run_synth on JACK's port buffer. No allocation, no lock,
//     no wait (tests/jack/test_jack_client_rt_safety.cpp): hexter's run_synth
//     takes its own voice-list mutex with pthread_mutex_trylock, which nobody
//     else holds after activation, so it never fails and never waits.
//   - the SysEx writer thread (one non-rt thread at a time): set_voice().
//
// Why note-ons wait during a voice change: hexter's configure("edit_buffer")
// copies the voice into the patch buffer that a note-on reads (dx7_voice_set_data,
// no lock on that side), so a note starting during the copy would read a torn
// voice -- a data race. set_voice() raises `hold_`, waits until no process()
// call that might have missed the flag is running (a Dekker pair of seq_cst
// flags: the writer waits, never the process thread), configures, and lowers
// it; a process() that sees the flag renders as usual but keeps the period's
// messages (in order, so a note-off never overtakes its note-on) in a
// preallocated array and plays them at the start of the next period without
// it. A voice change thus delays notes by at most a period or two, and only
// when they coincide; sounding notes never stop.

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "dxlatent/jack/audio_monitor.hpp"
#include "dxlatent/render/hexter_plugin.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class HexterMonitor final : public AudioMonitor {
 public:
  /// Messages kept back while a voice change holds note-ons; more are dropped
  /// and counted (a period would need hundreds of messages to get there).
  static constexpr std::size_t kMaxHeldEvents = 256;

  /// Control thread. Loads the plugin (empty: render::HexterPlugin::default_path(),
  /// i.e. $DXLATENT_HEXTER or /usr/lib/dssi/hexter.so); throws render::PluginMissing
  /// naming the path and the package to install.
  explicit HexterMonitor(std::filesystem::path plugin = {});
  ~HexterMonitor() override;
  HexterMonitor(const HexterMonitor&) = delete;
  HexterMonitor& operator=(const HexterMonitor&) = delete;

  /// Control thread, while no process() call can run (JackClient: open or
  /// reconnect, before activation). Makes a fresh hexter instance at
  /// `sample_rate` (no note of the last one sounds on) with the current voice.
  /// Throws render::RenderError when hexter refuses.
  void prepare(std::uint32_t sample_rate, std::uint32_t period_frames) override;
  /// Process thread [rt]. See the file comment.
  void process(std::span<const MonitorEvent> events, float* out, std::uint32_t frames) noexcept override;

  /// Writer thread (or any one non-rt thread at a time). The voice the next
  /// note-ons play; sounding notes keep theirs, as on Dexed and a DX7. Before
  /// prepare() it is only kept (and given to the instance when it is made).
  /// Waits at most for the end of one process() call. False when hexter rejected
  /// the voice or process() did not return within a second (a stalled server):
  /// nothing changed, the caller may retry.
  bool set_voice(const Voice& voice);

  /// Any thread. The voice last handed over by set_voice(), if any.
  std::optional<Voice> voice() const;
  /// Any thread. 0 before the first prepare().
  std::uint32_t sample_rate() const { return rate_.load(); }
  /// Any thread. Messages delayed by a voice change / dropped because too many
  /// were waiting, since construction.
  std::uint64_t held_events() const { return held_total_.load(std::memory_order_relaxed); }
  std::uint64_t dropped_events() const { return dropped_total_.load(std::memory_order_relaxed); }

 private:
  render::HexterPlugin plugin_;

  // Non-rt side: prepare() and set_voice() may meet during a reconnect.
  mutable std::mutex mutex_;
  std::unique_ptr<render::HexterInstance> instance_;  // replaced only in prepare()
  std::optional<Voice> voice_;
  std::atomic<std::uint32_t> rate_{0};

  // The process thread reads this pointer; prepare() writes it while no
  // process() runs (JackClient activates only afterwards).
  render::HexterInstance* playing_ = nullptr;

  // The Dekker pair between set_voice() and process() (see the file comment).
  std::atomic<bool> hold_{false};
  std::atomic<bool> in_process_{false};

  // Process thread only: the messages kept back while hold_ was up, and the
  // ALSA events of one run_synth call (allocated by the constructor, for the
  // held messages and a full period's).
  struct Held {
    std::uint8_t status, data1, data2;
  };
  std::array<Held, kMaxHeldEvents> held_{};
  std::size_t held_count_ = 0;
  std::unique_ptr<snd_seq_event[]> seq_;
  std::atomic<std::uint64_t> held_total_{0};
  std::atomic<std::uint64_t> dropped_total_{0};
};

}  // namespace dxlatent
