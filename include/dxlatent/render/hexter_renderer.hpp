#pragma once
// Offline DX7 rendering with Debian's hexter DSSI plugin (../shared/docs/hexter.md).
// No JACK, no ALSA device: the plugin is dlopen'ed at run time, so a machine
// without hexter builds and runs everything else; only rendering reports
// PluginMissing. Renders are repeatable: the same voice and notes give the same
// samples whatever was rendered before (see render() for how).
// Thread safety: one HexterRenderer per thread. Never on the JACK process thread
// (it loads a library, allocates, and renders seconds of audio per call).
// render() is also not safe to run on two threads at once even with two
// renderers, because hexter's sample-and-hold LFO uses the process-wide rand():
// run parallel renders in separate processes (RenderPool does).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "dxlatent/render/hexter_plugin.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent::render {

/// One MIDI note event at a frame of the render; velocity 0 is a note-off.
struct NoteEvent {
  std::size_t frame = 0;
  std::uint8_t note = 60;
  std::uint8_t velocity = 100;
};

/// One note held, then released: frames = round(rate * (hold + release)).
struct NoteSpec {
  std::uint8_t note = 60;
  std::uint8_t velocity = 100;
  double hold_s = 1.0;
  double release_s = 1.0;
};

class HexterRenderer {
 public:
  static constexpr std::size_t kBlockFrames = 256;  ///< run_synth() block size
  static constexpr unsigned kRandSeed = 1;          ///< srand() before each render

  /// The plugin used when none is given: $DXLATENT_HEXTER if set and non-empty,
  /// else /usr/lib/dssi/hexter.so. Any thread.
  static std::filesystem::path default_plugin_path() { return HexterPlugin::default_path(); }

  /// Loads the plugin (empty path: default_plugin_path()) for renders at
  /// `sample_rate`. Throws PluginMissing when it cannot be loaded or is not a
  /// DSSI synth, RenderError for a bad rate. Any non-JACK thread.
  explicit HexterRenderer(std::filesystem::path plugin = {}, unsigned sample_rate = 44100);
  HexterRenderer(const HexterRenderer&) = delete;
  HexterRenderer& operator=(const HexterRenderer&) = delete;

  /// Renders `voice` (clamped to its ranges first: hexter takes 7-bit values)
  /// with `events` into `frames` mono samples. Events must be sorted by frame;
  /// those at or past `frames` are ignored. Each call uses a fresh plugin
  /// instance whose voice memory starts zeroed and resets rand(), so the result
  /// depends only on the arguments. The thread that owns this renderer.
  std::vector<float> render(const Voice& voice, std::span<const NoteEvent> events, std::size_t frames);
  /// One note held for spec.hold_s and released for spec.release_s. Same thread.
  std::vector<float> render_note(const Voice& voice, const NoteSpec& spec);
  /// Frames of render_note(spec) at this renderer's rate. Any thread.
  std::size_t note_frames(const NoteSpec& spec) const;

  unsigned sample_rate() const { return rate_; }                     ///< any thread
  const std::filesystem::path& plugin_path() const { return plugin_.path(); }  ///< any thread
  /// False when hexter's malloc could not be redirected to a zeroing one (a hexter
  /// build other than Debian's): renders may then depend on earlier ones. Any thread.
  bool repeatable() const { return plugin_.zeroed_allocations(); }

 private:
  HexterPlugin plugin_;
  unsigned rate_;
};

}  // namespace dxlatent::render
