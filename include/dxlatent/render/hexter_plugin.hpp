#pragma once
// Debian's hexter DX7 emulator as a loaded DSSI plugin, and one instance of it
// (../shared/docs/hexter.md). Shared by the offline renderer (HexterRenderer:
// a fresh instance per voice) and the live monitor (monitor/HexterMonitor: one
// instance for the whole run, played from the JACK process thread).
// The plugin is dlopen'ed at run time, so a machine without hexter builds and
// runs everything else; only what needs it gets PluginMissing.

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "dxlatent/voice/voice.hpp"

struct snd_seq_event;  // <alsa/seq_event.h>'s snd_seq_event_t: kept out of this header

namespace dxlatent::render {

/// Rendering failed (the plugin misbehaved, a bad argument).
class RenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The plugin could not be loaded; what() names the path and says how to install it.
class PluginMissing : public RenderError {
 public:
  using RenderError::RenderError;
};

/// The loaded library. dlopen returns one handle per path and process, so every
/// HexterPlugin of a path shares the library and its malloc redirection.
class HexterPlugin {
 public:
  /// $DXLATENT_HEXTER if set and non-empty, else /usr/lib/dssi/hexter.so. Any thread.
  static std::filesystem::path default_path();

  /// Loads the plugin (empty path: default_path()). Throws PluginMissing when it
  /// cannot be loaded or is not a DSSI synth. Any non-JACK thread.
  explicit HexterPlugin(std::filesystem::path path = {});
  ~HexterPlugin();
  HexterPlugin(const HexterPlugin&) = delete;
  HexterPlugin& operator=(const HexterPlugin&) = delete;

  const std::filesystem::path& path() const { return path_; }  ///< any thread
  /// The DSSI_Descriptor (as void: <dssi.h> stays out of this header). Any thread.
  const void* descriptor() const { return descriptor_; }
  /// False when hexter's malloc could not be redirected to a zeroing one (a hexter
  /// build other than Debian's): voice memory then starts with what an earlier
  /// instance left there. Any thread.
  bool zeroed_allocations() const { return zeroed_allocations_; }

 private:
  std::filesystem::path path_;
  void* library_ = nullptr;           // dlopen handle
  const void* descriptor_ = nullptr;  // const DSSI_Descriptor*
  bool zeroed_allocations_ = false;
};

/// One activated hexter instance: its single mono output, the control inputs
/// pinned (Tuning 440 Hz, Volume 0 dB, any other at its LADSPA default) so that
/// the sound does not depend on hexter's defaults, and program 0 selected.
class HexterInstance {
 public:
  /// Instantiates and activates at `sample_rate`. Throws RenderError when hexter
  /// refuses or its ports are not what a DX7 synth has. A non-JACK thread
  /// (instantiate allocates hexter's 64 voice structures).
  HexterInstance(const HexterPlugin& plugin, unsigned sample_rate);
  /// Deactivates and cleans up. A non-JACK thread, never while run() runs.
  ~HexterInstance();
  HexterInstance(const HexterInstance&) = delete;
  HexterInstance& operator=(const HexterInstance&) = delete;

  /// Overlays program 0 with `voice` (clamped to its ranges: hexter takes 7-bit
  /// values) through configure("edit_buffer"); the next note-on plays it,
  /// sounding notes keep their voice. Throws RenderError when hexter rejects it.
  /// A non-JACK thread: configure decodes with malloc and takes hexter's patch
  /// mutex. It writes the patch buffer that run()'s note-ons read, so the caller
  /// keeps the two apart (HexterMonitor holds note-ons back meanwhile).
  void set_voice(const Voice& voice);

  /// Renders `frames` samples into `out` with `events` (snd_seq_event_t, sorted
  /// by time.tick, ticks < frames). Real-time safe as far as hexter's run_synth
  /// is: it never allocates; it takes its voice-list mutex with a trylock (held
  /// by nobody else after activation) and its sample-and-hold LFO calls rand().
  /// The one thread that plays this instance (the JACK process thread, or the
  /// renderer's thread).
  void run(float* out, std::size_t frames, snd_seq_event* events, std::size_t count) noexcept;

  unsigned sample_rate() const { return rate_; }  ///< any thread

 private:
  const void* descriptor_;  // const DSSI_Descriptor*
  void* handle_ = nullptr;  // LADSPA_Handle
  unsigned rate_;
  bool active_ = false;
  unsigned long output_port_ = 0;
  std::vector<float> controls_;  // one float per port; control inputs point into it
};

}  // namespace dxlatent::render
