#pragma once
// A plain JACK MIDI client for tests: sends messages into a port (`<name>:out`)
// and records what arrives on another (`<name>:in`), with JACK frame times, so a
// test can drive a real JACK graph and check exactly what reached a port. Its
// process callback uses only preallocated lock-free queues, like the product's.

#include <jack/jack.h>
#include <readerwriterqueue/readerwriterqueue.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace dxlatent::testing {

struct TestMidiMessage {
  static constexpr std::size_t kCapacity = 256;
  std::uint32_t frame = 0;  ///< jack_last_frame_time() + offset in the period
  std::uint16_t size = 0;   ///< the message's real size (bytes holds the first kCapacity)
  std::array<std::uint8_t, kCapacity> bytes{};

  std::vector<std::uint8_t> data() const {
    return {bytes.begin(), bytes.begin() + std::min<std::size_t>(size, kCapacity)};
  }
};

class TestMidiClient {
 public:
  /// Opens `name` on the default server ($JACK_DEFAULT_SERVER), registers
  /// `<name>:out` and `<name>:in`, activates. max_per_period 0: as many events a
  /// period as fit. Throws std::runtime_error when JACK refuses.
  explicit TestMidiClient(std::string name, std::size_t max_per_period = 0);
  ~TestMidiClient();
  TestMidiClient(const TestMidiClient&) = delete;
  TestMidiClient& operator=(const TestMidiClient&) = delete;

  std::string out_port() const { return name_ + ":out"; }
  std::string in_port() const { return name_ + ":in"; }

  /// jack_connect(src, dst); true on success or when already connected.
  bool connect(const std::string& src, const std::string& dst);

  /// Test thread (one producer). Queues one message (<= 256 bytes) for `out`,
  /// written at offset 0 of the next period with room. False when the queue is full.
  bool send(std::span<const std::uint8_t> bytes);
  bool send(std::initializer_list<std::uint8_t> bytes) {
    return send(std::span<const std::uint8_t>(bytes.begin(), bytes.size()));
  }
  /// Messages queued but not yet written.
  std::size_t pending() const { return out_.size_approx(); }

  /// Everything received on `in` so far, in order.
  std::vector<TestMidiMessage> received();
  /// Everything written to `out` so far, with the frame it was written at.
  std::vector<TestMidiMessage> sent();
  /// Forgets received and sent messages.
  void clear();

  std::uint64_t periods() const { return periods_.load(); }
  /// Messages that could not be recorded (recording queue full).
  std::uint64_t lost() const { return lost_.load(); }
  /// The server went away (JACK's shutdown callback).
  bool server_lost() const { return server_lost_.load(); }
  /// Closes the dead client and opens it again on the (restarted) server.
  void reopen();

 private:
  static int process_cb(jack_nframes_t nframes, void* arg);
  static void shutdown_cb(jack_status_t, const char*, void* arg);
  void open_client();
  bool wait_running(std::chrono::milliseconds timeout);
  void close_client();
  void drain();

  std::string name_;
  std::size_t max_per_period_;
  jack_client_t* client_ = nullptr;
  jack_port_t* in_port_ = nullptr;
  jack_port_t* out_port_ = nullptr;

  moodycamel::ReaderWriterQueue<TestMidiMessage> out_{16384};
  moodycamel::ReaderWriterQueue<TestMidiMessage> recv_q_{16384};
  moodycamel::ReaderWriterQueue<TestMidiMessage> sent_q_{16384};
  std::atomic<std::uint64_t> periods_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<bool> server_lost_{false};

  std::mutex mutex_;  // non-rt side only
  std::vector<TestMidiMessage> received_, sent_;
};

}  // namespace dxlatent::testing
