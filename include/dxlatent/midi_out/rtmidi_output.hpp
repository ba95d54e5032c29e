#pragma once
// A hardware MIDI output (a DX7 on a USB-MIDI interface, or Dexed standalone)
// reached through RtMidi. The port is chosen by a regex on RtMidi's port names,
// so "UM-ONE" still finds the interface after it was re-plugged under a new ALSA
// client number.
//
// APIs: the ALSA sequencer is the normal route on Linux. Where it is missing
// (no /dev/snd/seq: containers, CI) RtMidi's JACK API is used instead; that is
// how the tests reach this class (a JACK sink stands in for the synth).
//
// Port loss: RtMidi does not tell a sender that its destination went away (ALSA
// and JACK both accept events for a vanished port), so before every send and at
// most every `check_interval` in connected() the opened port's exact name is
// looked up again. When it is gone the RtMidi client is dropped, the loss is
// logged once, and reopening is tried with exponential backoff (retry_min ..
// retry_max) from send()/connected(); the return is logged once too. The writer
// sees connected() go false -> true and must then resend the whole current voice
// (VoiceSync::forget_synth()): the synth may have lost or changed its edit buffer.
//
// JACK API: a jack_connect() takes effect only when the server switches its graph
// (a period or more later); a voice written before that is lost. So after
// opening, the port counts as connected only once the connection shows in the
// server's current graph, looked up through a small port-less query client.
//
// Threads: everything runs on the SysEx writer thread (the one that owns the
// object); nothing here is real-time. RtMidi reports errors through the error
// callback installed here (RtMidi 5 does not throw from sendMessage).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dxlatent/midi_out/midi_output.hpp"

class RtMidiOut;  // <rtmidi/RtMidi.h> stays in src/midi_out/rtmidi_output.cpp
typedef struct _jack_client jack_client_t;

namespace dxlatent {

namespace detail {
/// Filled by RtMidi's error callback, synchronously inside the failing RtMidi call.
struct RtMidiErrorState {
  bool seen = false;
  std::string text;
};
}  // namespace detail

enum class MidiApi {
  Auto,  ///< the ALSA sequencer when it opens, else JACK
  Alsa,  ///< the ALSA sequencer only
  Jack,  ///< RtMidi's JACK API (its own JACK client, one output port)
};

/// "auto", "alsa" or "jack"; nullopt otherwise.
std::optional<MidiApi> parse_midi_api(std::string_view name);
std::string_view to_string(MidiApi api);

struct RtMidiOutputOptions {
  /// ECMAScript regex searched in RtMidi's output port names (e.g. "UM-ONE",
  /// "Dexed", "^sink:in$"). The first match in RtMidi's order is used.
  std::string port_pattern;
  MidiApi api = MidiApi::Auto;
  /// Our ALSA/JACK client name and the name of our JACK output port.
  std::string client_name = "dxlatent";
  std::chrono::milliseconds check_interval{100};  ///< port health check in connected()
  std::chrono::milliseconds retry_min{100};       ///< first reconnect delay
  std::chrono::milliseconds retry_max{2000};      ///< backoff ceiling
};

class RtMidiOutput final : public MidiOutput {
 public:
  /// Writer thread (or before it starts). Selects the API and tries to open the
  /// port; a missing port is not an error (logged once, retried later), so the
  /// service can start before the synth is switched on. Throws
  /// std::invalid_argument for a bad regex, std::runtime_error when the chosen
  /// API cannot be used at all (e.g. `alsa` without /dev/snd/seq).
  explicit RtMidiOutput(RtMidiOutputOptions options);
  ~RtMidiOutput() override;
  RtMidiOutput(const RtMidiOutput&) = delete;
  RtMidiOutput& operator=(const RtMidiOutput&) = delete;

  /// Writer thread. Sends one complete message (RtMidi hands a SysEx on whole).
  /// False when the port is gone (a reconnect is attempted if the backoff allows).
  bool send(std::span<const std::uint8_t> message) override;
  /// Writer thread. Re-checks the port at most every check_interval and retries
  /// a lost one when the backoff allows; cheap to call every loop.
  bool connected() const override;
  /// e.g. "rtmidi/jack:sink:in", or "rtmidi/alsa:(no port matching 'UM-ONE')".
  std::string describe() const override;

  MidiApi api() const { return api_; }
  /// Times the port was lost and found again since construction.
  std::uint64_t reconnects() const { return reconnects_; }

  /// Output port names RtMidi offers on an API (for `dxlatent --list-ports`).
  /// Auto: ALSA if it opens, else JACK. Throws std::runtime_error when the API
  /// cannot be opened.
  static std::vector<std::string> list_ports(MidiApi api);
  /// Which API Auto resolves to on this machine (ALSA when it opens).
  static MidiApi resolve(MidiApi api);

 private:
  using Time = std::chrono::steady_clock::time_point;
  std::unique_ptr<RtMidiOut> make_client() const;
  bool try_open(Time now) const;
  void schedule_retry(Time now) const;
  void lose(std::string_view why) const;
  bool port_still_there() const;
  /// JACK API: true once our port's connection to port_name_ is in the current graph.
  bool connection_live() const;
  void close_probe() const;
  /// Closes and destroys out_ (JACK API: port first, then a short wait; see the .cpp).
  void drop_client() const;

  RtMidiOutputOptions options_;
  std::regex pattern_;
  MidiApi api_;
  // Mutable: connected() is const in MidiOutput but must notice losses and
  // reconnect; all of it is touched by the writer thread only.
  mutable std::unique_ptr<RtMidiOut> out_;
  mutable std::string port_name_;        ///< exact name of the opened port; empty when none
  mutable bool live_ = false;            ///< the connection to port_name_ carries data
  mutable Time opened_at_{};
  mutable jack_client_t* probe_ = nullptr;  ///< JACK API: query client, never activated
  mutable detail::RtMidiErrorState error_;
  mutable bool ever_connected_ = false;
  mutable bool loss_logged_ = false;
  mutable bool absent_logged_ = false;
  mutable std::chrono::milliseconds backoff_{0};
  mutable Time next_attempt_{};
  mutable Time next_check_{};
  mutable std::uint64_t reconnects_ = 0;
};

}  // namespace dxlatent
