#pragma once
// What dxlatent remembers between runs, in its state directory (the service's
// StateDirectory=, see Config::effective_state_dir()):
//   cc-map.txt     the learned CC numbers of the eight latent dimensions
//   latent.txt     the last latent vector, so a restart resumes the same voice
//   engine.lock    held (flock) by the one `dxlatent run` using the directory
//   snapshots.syx  the snapshot cartridge (written by the engine's snapshot code
//                  with util::write_file_atomically; only its path lives here)
// Every file is replaced atomically (util::write_file_atomically): a kill -9 at
// any moment leaves the previous or the new file, never a torn one
// (tests/faults/test_state_kill.cpp proves it). A file that is missing or does
// not parse is reported once through the returned error text and treated as
// absent: bad state never stops the engine from starting.
//
// How the engine uses it (engine thread, or the control thread before start):
//   StateStore store(config.effective_state_dir());
//   if (config.ccs.empty()) if (auto m = store.load_cc_map()) ... CcMap::with_numbers(*m, ...)
//   when CcMap::map() reports newly_learned:  store.save_cc_map(map.numbers());
//   after each decode:                        store.save_latent_debounced(z, now);
//   at shutdown:                              store.flush_latent();
// Thread: one owner at a time (no locks); never the JACK process thread (file I/O).

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "dxlatent/control/latent.hpp"

namespace dxlatent {

class StateStore {
 public:
  using CcNumbers = std::array<std::optional<std::uint8_t>, kLatentDims>;

  /// Creates the directory (and parents) when missing and removes temporary
  /// files a killed writer left behind (one dxlatent per directory). Throws
  /// std::filesystem::filesystem_error naming it when it cannot be created.
  /// min_latent_interval: the least time between two debounced latent writes
  /// (each write fsyncs; knobs can move thousands of times a second).
  explicit StateStore(std::filesystem::path dir,
                      std::chrono::milliseconds min_latent_interval = std::chrono::milliseconds(1000));

  ~StateStore();  ///< releases the engine lock, if taken
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path cc_map_path() const { return dir_ / "cc-map.txt"; }
  std::filesystem::path latent_path() const { return dir_ / "latent.txt"; }
  std::filesystem::path snapshot_path() const { return dir_ / "snapshots.syx"; }

  /// Takes the directory for this process's engine: an exclusive flock on
  /// engine.lock, held until this StateStore is destroyed (or the process dies:
  /// the kernel drops it, so a kill -9 never leaves the directory locked). Throws
  /// StateLockedError naming the directory and the holder's pid when another
  /// engine has it: two engines on one state directory would both feed the synth.
  void lock_for_engine();
  /// Whether a `dxlatent run` holds dir's engine.lock now (any process).
  static bool engine_running(const std::filesystem::path& dir);

  /// Writes the CC numbers (unlearned dimensions as '?'). Throws util::FileError.
  void save_cc_map(const CcNumbers& numbers);
  /// The saved CC numbers; nullopt when there is no file or it does not parse
  /// (then *error, if given, says why, naming the file).
  std::optional<CcNumbers> load_cc_map(std::string* error = nullptr) const;

  /// Writes the latent now. Throws util::FileError.
  void save_latent(const Latent& z);
  /// Remembers z and writes it when min_latent_interval passed since the last
  /// write, unless it is what was last written; returns whether it wrote. A failed write is logged by the caller
  /// (the exception propagates) and retried on the next call.
  bool save_latent_debounced(const Latent& z, std::chrono::steady_clock::time_point now);
  /// Writes the remembered latent if it changed since the last write (shutdown).
  void flush_latent();
  /// The saved latent; nullopt when missing or unreadable (see load_cc_map).
  std::optional<Latent> load_latent(std::string* error = nullptr) const;

 private:
  std::filesystem::path dir_;
  std::chrono::milliseconds min_latent_interval_;
  std::optional<Latent> pending_latent_;  ///< newer than the file
  std::optional<Latent> written_latent_;  ///< what the file holds, as this store last wrote it
  std::optional<std::chrono::steady_clock::time_point> last_latent_write_;
  int lock_fd_ = -1;  ///< engine.lock while lock_for_engine() holds it
};

/// Another engine holds the state directory (StateStore::lock_for_engine).
class StateLockedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace dxlatent
