#pragma once
// Shared pieces of the fault tests: the `dxlatent run` child with a config
// written for the test's private jackd, a notify socket standing in for systemd,
// and checks on the SysEx that reached the test's sink.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "support/jack_test_server.hpp"
#include "support/notify_socket.hpp"
#include "support/test_midi_client.hpp"

namespace dxlatent::testing {

/// A tiny valid model (random weights; written at build time by
/// tests/model/make_wrong_models.py): fast to load, honours the contract.
std::filesystem::path tiny_model();
/// Where the contract-breaking models are.
std::filesystem::path wrong_model(const std::string& name);

/// The dxlatent program under test.
std::filesystem::path dxlatent_bin();
/// The shipped model (models/dxlatent-vae.pt).
std::filesystem::path shipped_model();
/// A fresh, empty folder for one test.
std::filesystem::path fresh_dir(const std::string& tag);

/// The [sections] of a config; the defaults suit the fault tests: fixed CCs
/// 20..27 on every channel, JACK output connected to rig:in, input from rig:out.
struct RunConfig {
  std::string client = "dxl-fault";
  std::string connect_controller = "^rig:out$";
  std::string connect_synth = "^rig:in$";
  bool thru = false;
  int control_channel = 0;  ///< 0 = all, 1..16
  std::string ccs = "[20, 21, 22, 23, 24, 25, 26, 27]";  ///< "[]" = learn
  std::string control_extra;  ///< more [control] lines, verbatim
  std::string output_kind = "jack";
  std::string output_port;
  std::string output_api = "jack";
  std::string mode = "voice";
  std::string pacing = "dexed";
  std::filesystem::path model;
  std::filesystem::path state_dir;
  std::string extra;        ///< appended verbatim
  std::string text() const;
};

/// Writes `config` to dir/dxlatent.toml and starts `dxlatent run --config` on it.
std::unique_ptr<ChildProcess> start_dxlatent(const RunConfig& config, const std::filesystem::path& dir,
                                             std::vector<std::string> env = {});

/// An AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET.
bool is_voice_dump(const std::vector<std::uint8_t>& m);
/// A 163-byte F0 43 0n 00 01 1B ... sum F7 with a correct checksum.
bool is_whole_voice_dump(const std::vector<std::uint8_t>& m);
/// The voice dumps among the messages, in order.
std::vector<std::vector<std::uint8_t>> voice_dumps(const std::vector<TestMidiMessage>& messages);
/// Waits until the sink has received at least `n` voice dumps in total.
bool wait_for_dumps(TestMidiClient& sink, std::size_t n, std::chrono::milliseconds timeout);

/// Polls `jack_lsp -c` (on $JACK_DEFAULT_SERVER) until src is connected to dst.
bool wait_for_connection(const std::string& src, const std::string& dst,
                         std::chrono::milliseconds timeout);

/// Control change on channel 0..15.
inline std::vector<std::uint8_t> cc(std::uint8_t channel, std::uint8_t number, std::uint8_t value) {
  return {static_cast<std::uint8_t>(0xB0 | channel), number, value};
}

}  // namespace dxlatent::testing
