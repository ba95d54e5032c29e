#include "dxlatent/render/hexter_renderer.hpp"

#include <alsa/seq_event.h>  // snd_seq_event_t, headers only: no ALSA at run time

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace dxlatent::render {
namespace {

// A bad rate is reported before the plugin is looked for.
std::filesystem::path checked(std::filesystem::path plugin, unsigned rate) {
  if (rate < 8000 || rate > 384000) throw RenderError("sample rate " + std::to_string(rate) + " Hz: expected 8000..384000");
  return plugin;
}

}  // namespace

HexterRenderer::HexterRenderer(std::filesystem::path plugin, unsigned sample_rate)
    : plugin_(checked(std::move(plugin), sample_rate)), rate_(sample_rate) {}

std::size_t HexterRenderer::note_frames(const NoteSpec& spec) const {
  return static_cast<std::size_t>(std::llround(double(rate_) * (std::max(0.0, spec.hold_s) + std::max(0.0, spec.release_s))));
}

std::vector<float> HexterRenderer::render_note(const Voice& voice, const NoteSpec& spec) {
  const auto off = static_cast<std::size_t>(std::llround(double(rate_) * std::max(0.0, spec.hold_s)));
  const NoteEvent events[2] = {{0, spec.note, spec.velocity}, {off, spec.note, 0}};
  return render(voice, events, note_frames(spec));
}

std::vector<float> HexterRenderer::render(const Voice& voice, std::span<const NoteEvent> events, std::size_t frames) {
  // A fresh instance per render: hexter keeps oscillator phases, envelopes and
  // the LFO in it, and its voice memory comes zeroed (plugin_malloc.hpp).
  HexterInstance instance(plugin_, rate_);
  instance.set_voice(voice);

  // The sample-and-hold LFO draws from rand(): the same sequence for every render.
  std::srand(kRandSeed);

  std::array<float, kBlockFrames> out{};
  std::vector<float> samples(frames);
  std::vector<snd_seq_event_t> block_events;
  std::size_t next = 0;
  for (std::size_t pos = 0; pos < frames; pos += kBlockFrames) {
    const std::size_t n = std::min(kBlockFrames, frames - pos);
    block_events.clear();
    for (; next < events.size() && events[next].frame < pos + n; ++next) {
      if (events[next].frame < pos) continue;  // unsorted: dropped rather than sent late
      snd_seq_event_t e;
      std::memset(&e, 0, sizeof e);
      e.type = events[next].velocity ? SND_SEQ_EVENT_NOTEON : SND_SEQ_EVENT_NOTEOFF;
      e.time.tick = static_cast<unsigned>(events[next].frame - pos);
      e.data.note.channel = 0;
      e.data.note.note = events[next].note & 0x7F;
      e.data.note.velocity = events[next].velocity & 0x7F;
      block_events.push_back(e);
    }
    instance.run(out.data(), n, block_events.data(), block_events.size());
    std::copy_n(out.begin(), n, samples.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  return samples;
}

}  // namespace dxlatent::render
