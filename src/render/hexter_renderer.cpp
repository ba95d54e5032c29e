#include "dxlatent/render/hexter_renderer.hpp"

#include <dlfcn.h>
#include <dssi.h>  // includes <alsa/seq_event.h> (headers only: no ALSA at run time)
#include <ladspa.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "dxlatent/render/seven_in_six.hpp"
#include "plugin_malloc.hpp"

namespace dxlatent::render {
namespace {

const DSSI_Descriptor* dssi(const void* p) { return static_cast<const DSSI_Descriptor*>(p); }

// The LADSPA default of a control input port, from its range hints.
float port_default(const LADSPA_PortRangeHint& hint) {
  const auto h = hint.HintDescriptor;
  const float lo = hint.LowerBound, hi = hint.UpperBound;
  const bool log = LADSPA_IS_HINT_LOGARITHMIC(h) && lo > 0 && hi > 0;
  auto mix = [&](float t) {
    return log ? std::exp(std::log(lo) * (1 - t) + std::log(hi) * t) : lo * (1 - t) + hi * t;
  };
  if (!LADSPA_IS_HINT_HAS_DEFAULT(h)) return LADSPA_IS_HINT_BOUNDED_BELOW(h) ? lo : 0.0f;
  if (LADSPA_IS_HINT_DEFAULT_MINIMUM(h)) return lo;
  if (LADSPA_IS_HINT_DEFAULT_LOW(h)) return mix(0.25f);
  if (LADSPA_IS_HINT_DEFAULT_MIDDLE(h)) return mix(0.5f);
  if (LADSPA_IS_HINT_DEFAULT_HIGH(h)) return mix(0.75f);
  if (LADSPA_IS_HINT_DEFAULT_MAXIMUM(h)) return hi;
  if (LADSPA_IS_HINT_DEFAULT_0(h)) return 0.0f;
  if (LADSPA_IS_HINT_DEFAULT_1(h)) return 1.0f;
  if (LADSPA_IS_HINT_DEFAULT_100(h)) return 100.0f;
  if (LADSPA_IS_HINT_DEFAULT_440(h)) return 440.0f;
  return 0.0f;
}

// Owns one plugin instance: created, activated, and cleaned up on every path.
class Instance {
 public:
  Instance(const DSSI_Descriptor* d, unsigned rate) : d_(d) {
    handle_ = d_->LADSPA_Plugin->instantiate(d_->LADSPA_Plugin, rate);
    if (!handle_) throw RenderError("hexter: instantiate failed");
  }
  ~Instance() {
    if (active_ && d_->LADSPA_Plugin->deactivate) d_->LADSPA_Plugin->deactivate(handle_);
    d_->LADSPA_Plugin->cleanup(handle_);
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;
  void activate() {
    if (d_->LADSPA_Plugin->activate) d_->LADSPA_Plugin->activate(handle_);
    active_ = true;
  }
  LADSPA_Handle get() const { return handle_; }

 private:
  const DSSI_Descriptor* d_;
  LADSPA_Handle handle_ = nullptr;
  bool active_ = false;
};

}  // namespace

std::filesystem::path HexterRenderer::default_plugin_path() {
  if (const char* env = std::getenv("DXLATENT_HEXTER"); env && *env) return env;
  return "/usr/lib/dssi/hexter.so";
}

HexterRenderer::HexterRenderer(std::filesystem::path plugin, unsigned sample_rate)
    : path_(plugin.empty() ? default_plugin_path() : std::move(plugin)), rate_(sample_rate) {
  if (rate_ < 8000 || rate_ > 384000) throw RenderError("sample rate " + std::to_string(rate_) + " Hz: expected 8000..384000");
  const std::string install = " (install it with `sudo apt-get install hexter`, or point DXLATENT_HEXTER at hexter.so)";
  library_ = ::dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library_) {
    const char* why = ::dlerror();
    throw PluginMissing("the hexter DSSI plugin could not be loaded from " + path_.string() + ": " +
                        (why ? why : "dlopen failed") + install);
  }
  auto* entry = reinterpret_cast<DSSI_Descriptor_Function>(::dlsym(library_, "dssi_descriptor"));
  const DSSI_Descriptor* d = entry ? entry(0) : nullptr;
  if (!d || !d->LADSPA_Plugin || !d->run_synth || !d->configure || !d->select_program) {
    ::dlclose(library_);
    throw PluginMissing(path_.string() + " is not a DSSI synth plugin (no dssi_descriptor with run_synth)" + install);
  }
  descriptor_ = d;
  zeroed_allocations_ = detail::redirect_malloc_to_calloc(library_);
}

HexterRenderer::~HexterRenderer() {
  if (library_) ::dlclose(library_);
}

std::size_t HexterRenderer::note_frames(const NoteSpec& spec) const {
  return static_cast<std::size_t>(std::llround(double(rate_) * (std::max(0.0, spec.hold_s) + std::max(0.0, spec.release_s))));
}

std::vector<float> HexterRenderer::render_note(const Voice& voice, const NoteSpec& spec) {
  const auto off = static_cast<std::size_t>(std::llround(double(rate_) * std::max(0.0, spec.hold_s)));
  const NoteEvent events[2] = {{0, spec.note, spec.velocity}, {off, spec.note, 0}};
  return render(voice, events, note_frames(spec));
}

std::vector<float> HexterRenderer::render(const Voice& voice, std::span<const NoteEvent> events, std::size_t frames) {
  const DSSI_Descriptor* d = dssi(descriptor_);
  const LADSPA_Descriptor* l = d->LADSPA_Plugin;
  // A fresh instance per render: hexter keeps oscillator phases, envelopes and
  // the LFO in it, and its voice memory comes zeroed (plugin_malloc.hpp).
  Instance instance(d, rate_);

  std::array<float, kBlockFrames> out{};
  std::vector<float> controls(l->PortCount, 0.0f);
  bool has_output = false;
  for (unsigned long p = 0; p < l->PortCount; ++p) {
    const auto pd = l->PortDescriptors[p];
    if (LADSPA_IS_PORT_AUDIO(pd) && LADSPA_IS_PORT_OUTPUT(pd)) {
      if (has_output) throw RenderError(path_.string() + ": more than one audio output");
      l->connect_port(instance.get(), p, out.data());
      has_output = true;
      continue;
    }
    // Every control port gets a float before activate(); the two hexter has are
    // pinned, so renders do not depend on its defaults: Tuning 440 Hz, Volume 0 dB.
    const std::string name = l->PortNames[p] ? l->PortNames[p] : "";
    controls[p] = name == "Tuning" ? 440.0f : name == "Volume" ? 0.0f : port_default(l->PortRangeHints[p]);
    l->connect_port(instance.get(), p, &controls[p]);
  }
  if (!has_output) throw RenderError(path_.string() + ": no audio output port");
  instance.activate();

  // The voice overlays program 0 through "edit_buffer": hexter's native
  // struct { int program; uint8_t voice[155]; } with its padding zeroed.
  struct EditBuffer {
    int program;
    std::uint8_t voice[kVoiceBytes];
  } eb;
  std::memset(&eb, 0, sizeof eb);
  const Voice v = clamped(voice);
  std::memcpy(eb.voice, v.bytes.data(), kVoiceBytes);
  const std::string value =
      encode_7in6(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&eb), sizeof eb));
  d->select_program(instance.get(), 0, 0);
  if (char* error = d->configure(instance.get(), "edit_buffer", value.c_str())) {
    std::string msg = error;
    std::free(error);  // DSSI: the host frees configure's message
    throw RenderError("hexter rejected the voice: " + msg);
  }
  d->select_program(instance.get(), 0, 0);

  // The sample-and-hold LFO draws from rand(): the same sequence for every render.
  std::srand(kRandSeed);

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
    d->run_synth(instance.get(), n, block_events.data(), block_events.size());
    std::copy_n(out.begin(), n, samples.begin() + static_cast<std::ptrdiff_t>(pos));
  }
  return samples;
}

}  // namespace dxlatent::render
