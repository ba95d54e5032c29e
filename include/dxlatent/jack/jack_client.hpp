#pragma once
// The JACK edge of dxlatent: one client with two MIDI ports,
//   <client>:control_in  (from the controller)  and  <client>:synth_out  (to the synth),
// and, when an AudioMonitor is set (output kind "hexter"), one audio port
//   <client>:monitor_out (the monitor's sound; see audio_monitor.hpp).
//
// Threads (each method's comment says which may call it):
//   - process thread [rt]: JACK's; runs the process callback. It reads control_in,
//     pushes channel messages as MidiEvent into a preallocated SPSC queue, forwards
//     thru traffic, and writes queued OutMessages into synth_out. It never
//     allocates, locks, logs or waits (tests/jack/test_jack_client_rt_safety.cpp
//     proves it against a real jackd).
//   - engine decode thread (ONE consumer): poll() / wait_event(); interrupt_wait() any thread.
//   - writer thread (ONE producer): send().
//   - control thread (the one that owns the object, e.g. main): open, activate,
//     close, reconnect, connect_matching, list_ports.
//   - housekeeping thread (internal, non-rt): connects ports when JACK announces
//     new ones, and logs (once per change) dropped/oversize/overflow counts.
//   Settings (thru, channel filter, thru-blocked CCs) and counters are atomics: any thread.
//
// The queues live as long as the JackClient, across reconnect(): the engine and the
// writer keep their ends while the JACK client underneath is replaced.
//
// Server loss: JACK's shutdown callback only sets a flag (server_lost()). The
// engine notices it, keeps its state, and calls reconnect() from a normal thread;
// reconnect() closes the dead client, polls for the server (never starting one),
// re-registers the ports, re-activates and re-applies the connect patterns.

#include <atomic>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dxlatent/jack/audio_monitor.hpp"
#include "dxlatent/midi/messages.hpp"

namespace dxlatent {

/// Thrown by open()/activate()/connect_matching() with a message naming the cause.
class JackError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct JackClientOptions {
  std::string client_name = "dxlatent";
  /// Empty: JACK's default ($JACK_DEFAULT_SERVER, else "default").
  std::string server_name;
  /// MidiEvents buffered between the process thread and the engine; more are
  /// counted as queue_overflows, never allocated.
  std::size_t in_queue_capacity = 4096;
  /// OutMessages buffered between the writer and the process thread.
  std::size_t out_queue_capacity = 256;
  /// > 0: record the duration of each process callback (for bench/, via
  /// poll_callback_ns()); at most this many unread values are kept.
  std::size_t timing_capacity = 0;
  /// The housekeeping thread logs new xruns once a second; off where the
  /// caller shows counters().xruns itself (a terminal status line).
  bool report_xruns = true;
};

/// Monotonic counters since construction (they survive reconnect()).
struct JackCounters {
  std::uint64_t periods = 0;            ///< process callbacks run
  std::uint64_t events_in = 0;          ///< MIDI events read on control_in, all kinds
  std::uint64_t events_queued = 0;      ///< MidiEvents pushed for poll()
  std::uint64_t queue_overflows = 0;    ///< MidiEvents lost: the engine did not poll in time
  std::uint64_t sysex_in_ignored = 0;   ///< SysEx from the controller: not queued, not forwarded
  std::uint64_t system_in_ignored = 0;  ///< realtime/system common (F8 clock, FE sensing, ...)
  std::uint64_t malformed_in = 0;       ///< not a well-formed MIDI message (bad length/status)
  std::uint64_t filtered_in = 0;        ///< channel messages on another channel than the filter's
  std::uint64_t thru_out = 0;           ///< messages forwarded control_in -> synth_out
  std::uint64_t thru_dropped = 0;       ///< thru messages that found no room in synth_out
  std::uint64_t messages_out = 0;       ///< OutMessages written to synth_out
  std::uint64_t messages_deferred = 0;  ///< periods in which the head OutMessage waited for room
  std::uint64_t oversize_dropped = 0;   ///< OutMessages larger than synth_out can ever carry
  std::uint64_t xruns = 0;              ///< JACK xrun callbacks
  std::uint64_t max_callback_ns = 0;    ///< longest process callback (CLOCK_MONOTONIC)
  std::uint64_t monitor_events = 0;     ///< thru messages handed to the audio monitor
  std::uint64_t monitor_dropped = 0;    ///< thru messages beyond AudioMonitor::kMaxEventsPerPeriod
};

struct JackPortInfo {
  std::string name;         ///< full name, "client:port"
  std::string type;         ///< JACK port type, e.g. "8 bit raw midi"
  bool is_output = false;   ///< produces data (connect it to an input)
  bool is_physical = false;
  std::vector<std::string> connections;
};

class JackClient {
 public:
  /// Type of the test hook called at the very start (entering = true) and end
  /// (entering = false) of every process callback, on the process thread.
  using ProcessHook = void (*)(void* user, bool entering);

  /// Control thread. Preallocates the queues; touches no server.
  explicit JackClient(JackClientOptions options = {});
  /// Control thread. Closes the client (see close()).
  ~JackClient();
  JackClient(const JackClient&) = delete;
  JackClient& operator=(const JackClient&) = delete;

  // ---- lifecycle: control thread ----------------------------------------------

  /// Connects to a running JACK server (never starts one) and registers
  /// control_in and synth_out. Throws JackError naming the server and the
  /// JACK status bits on failure.
  void open();
  /// Starts the process callback and the housekeeping thread, then applies the
  /// connect patterns. Throws JackError if JACK refuses.
  void activate();
  /// Deactivates and closes the client and stops the housekeeping thread.
  /// Idempotent; safe after the server died.
  void close();
  /// True between a successful open() and close() (also while the server is lost).
  bool is_open() const;
  /// True between activate() and close(), while the server is alive.
  bool is_running() const;

  /// Any thread. Set by JACK's shutdown callback when the server went away (or
  /// kicked the client out); cleared by a successful reconnect().
  bool server_lost() const;

  /// Control thread (the engine calls it after server_lost()). Closes the dead
  /// client, then tries jack_client_open(JackNoStartServer) every retry_interval
  /// until it succeeds, `timeout` passes, or *cancel becomes true. On success the
  /// ports are registered again under the same names, the client is activated if
  /// it was active, it is seen running (up to 1 s more, which may exceed
  /// `timeout`), and the connect patterns are re-applied (and keep being
  /// applied as the other clients' ports reappear). Queues, settings and
  /// counters are kept. Returns true when connected again.
  /// JACK2's libjack keeps per-process state while any client of the process is
  /// open: close every other JACK client of the process (e.g. an RtMidi JACK
  /// port) before calling this, or it cannot reach the new server.
  bool reconnect(std::chrono::milliseconds timeout,
                 const std::atomic<bool>* cancel = nullptr,
                 std::chrono::milliseconds retry_interval = std::chrono::milliseconds(200));

  /// Control thread, before open(). Hosts `monitor` in this client: open() (and
  /// reconnect()) registers the audio output port monitor_out and calls
  /// monitor->prepare() at the server's rate before activation; every period
  /// the process thread hands it exactly the messages thru forwards (so with
  /// thru off it hears no notes) and lets it render into monitor_out.
  /// `connect_pattern` (ECMAScript regex; empty = none): audio input ports
  /// monitor_out is connected to, applied like connect_matching()'s. The client
  /// keeps a reference until it is destroyed. Throws JackError on an invalid regex.
  void set_audio_monitor(std::shared_ptr<AudioMonitor> monitor, const std::string& connect_pattern);

  /// Any thread, after open(). Names as JACK knows them (JACK may rename the
  /// client if the name is taken).
  std::string client_name() const;
  std::string control_in_name() const;   ///< "client:control_in"
  std::string synth_out_name() const;    ///< "client:synth_out"
  std::string monitor_out_name() const;  ///< "client:monitor_out" (registered only with a monitor)
  std::uint32_t sample_rate() const;     ///< 0 before open()
  std::uint32_t period_frames() const;   ///< 0 before open()
  /// Largest single event synth_out can carry in an otherwise empty period
  /// (the lower of JACK's jack_midi_max_event_size and set_event_size_limit);
  /// 0 until the first period ran.
  std::size_t max_event_size() const;

  // ---- connections: control thread ----------------------------------------------

  /// Sets the auto-connect patterns (ECMAScript regex, searched in full JACK port
  /// names; empty = none): MIDI output ports matching `sources` are connected to
  /// control_in, MIDI input ports matching `destinations` get synth_out. Applied
  /// now if active, after activate()/reconnect(), and whenever ports appear.
  /// Our own ports never match. Throws JackError on an invalid regex.
  void connect_matching(const std::string& sources, const std::string& destinations);
  /// Connects now any port matching the patterns that is not yet connected;
  /// returns how many connections were made. (The housekeeping thread calls it
  /// on port registration; tests may call it directly.)
  int apply_connections();

  /// Any non-rt thread. How many ports synth_out (true) or control_in (false) is
  /// connected to right now; 0 while closed or the server is lost. Cheap: one
  /// libjack call, no port listing.
  int connection_count(bool synth_out) const;
  /// Any non-rt thread. The same for monitor_out; 0 without a monitor.
  int monitor_connection_count() const;

  /// Any non-rt thread. Ports of the server this client is connected to (all types).
  std::vector<JackPortInfo> list_ports() const;
  /// Ports of a server, through a short-lived client; for `--list-ports`. Empty
  /// server_name: the default server. Throws JackError when no server runs.
  static std::vector<JackPortInfo> list_ports(const std::string& server_name);

  // ---- settings read by the process thread: any thread, lock-free ---------------

  /// MIDI thru: note, pitch bend, aftertouch, program change and non-blocked CC
  /// messages from control_in are copied to synth_out in the same period.
  /// SysEx and realtime/system messages are never forwarded.
  void set_thru(bool on);
  /// Program changes are not passed thru (they are snapshot triggers: a synth
  /// that received them would switch to its own program). Any thread.
  void set_thru_blocks_program_change(bool on);
  bool thru() const;
  /// Only channel messages on this channel (0-15) are queued and forwarded;
  /// -1 (the default): all channels.
  void set_channel_filter(int channel);
  int channel_filter() const;
  /// CC numbers thru does not forward: the knobs (while learning, every CC that
  /// could still become one) and the snapshot trigger (ControlStage::thru_blocked_ccs).
  void set_thru_blocked_ccs(const std::bitset<128>& ccs);
  std::bitset<128> thru_blocked_ccs() const;
  /// Caps the size of one event written to synth_out below JACK's own limit
  /// (0 = JACK's limit only), e.g. for a receiver with a small buffer; tests
  /// use it to provoke the oversize path.
  void set_event_size_limit(std::size_t bytes);

  // ---- queues -------------------------------------------------------------------

  /// Writer thread (exactly one). Queues a message for synth_out; false when the
  /// queue is full or size is 0 / larger than kMaxOutMessage (nothing queued).
  /// A message that does not fit a period waits for the next one; one larger
  /// than max_event_size() is dropped and counted in oversize_dropped (and
  /// logged once by the housekeeping thread).
  bool send(const OutMessage& message);
  /// Writer thread. Approximate number of OutMessages waiting.
  std::size_t out_pending() const;

  /// Engine thread (exactly one). Next event from control_in, if any.
  bool poll(MidiEvent& event);
  /// Engine thread. Like poll(), but waits up to `timeout` for an event.
  bool wait_event(MidiEvent& event, std::chrono::microseconds timeout);
  /// Any non-rt thread. Ends a wait_event() now (it returns false if no event
  /// came), e.g. to stop the consumer without waiting for its timeout.
  void interrupt_wait();

  /// Any thread. A consistent-enough snapshot of the counters.
  JackCounters counters() const;
  /// Any thread. Starts max_callback_ns afresh, so a measurement covers only what
  /// follows (a storm in a test, a benchmark's scenario); the process thread may
  /// race it with a new maximum, which is then a true maximum of the new span.
  void reset_max_callback_ns();

  /// One consumer thread (bench). Duration of the oldest unread process
  /// callback, in ns; needs options.timing_capacity > 0.
  bool poll_callback_ns(std::uint32_t& ns);

  /// Control thread, before activate(). Test-only hook (RT-safety proof); see
  /// ProcessHook. nullptr removes it.
  void set_process_hook(ProcessHook hook, void* user);

  struct Impl;  // defined in src/jack/jack_client.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dxlatent
