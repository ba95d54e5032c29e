#include "dxlatent/render/hexter_plugin.hpp"

#include <dlfcn.h>
#include <dssi.h>  // includes <alsa/seq_event.h> (headers only: no ALSA at run time)
#include <ladspa.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

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

// Where the output points between run() calls: hexter may touch its output
// port outside run_synth (it must not, but a stale pointer would be worse).
float g_parking[1];

}  // namespace

std::filesystem::path HexterPlugin::default_path() {
  if (const char* env = std::getenv("DXLATENT_HEXTER"); env && *env) return env;
  return "/usr/lib/dssi/hexter.so";
}

HexterPlugin::HexterPlugin(std::filesystem::path path) : path_(path.empty() ? default_path() : std::move(path)) {
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
    library_ = nullptr;
    throw PluginMissing(path_.string() + " is not a DSSI synth plugin (no dssi_descriptor with run_synth)" + install);
  }
  descriptor_ = d;
  zeroed_allocations_ = detail::redirect_malloc_to_calloc(library_);
}

HexterPlugin::~HexterPlugin() {
  if (library_) ::dlclose(library_);
}

HexterInstance::HexterInstance(const HexterPlugin& plugin, unsigned sample_rate)
    : descriptor_(plugin.descriptor()), rate_(sample_rate) {
  const DSSI_Descriptor* d = dssi(descriptor_);
  const LADSPA_Descriptor* l = d->LADSPA_Plugin;
  controls_.assign(l->PortCount, 0.0f);
  handle_ = l->instantiate(l, rate_);
  if (!handle_) throw RenderError("hexter: instantiate failed at " + std::to_string(rate_) + " Hz");
  bool has_output = false;
  std::string error;
  for (unsigned long p = 0; p < l->PortCount && error.empty(); ++p) {
    const auto pd = l->PortDescriptors[p];
    if (LADSPA_IS_PORT_AUDIO(pd) && LADSPA_IS_PORT_OUTPUT(pd)) {
      if (has_output) error = plugin.path().string() + ": more than one audio output";
      output_port_ = p;
      has_output = true;
      l->connect_port(handle_, p, g_parking);
      continue;
    }
    // Every control port gets a float before activate(); the two hexter has are
    // pinned, so the sound does not depend on its defaults: Tuning 440 Hz, Volume 0 dB.
    const std::string name = l->PortNames[p] ? l->PortNames[p] : "";
    controls_[p] = name == "Tuning" ? 440.0f : name == "Volume" ? 0.0f : port_default(l->PortRangeHints[p]);
    l->connect_port(handle_, p, &controls_[p]);
  }
  if (error.empty() && !has_output) error = plugin.path().string() + ": no audio output port";
  if (!error.empty()) {
    l->cleanup(handle_);
    throw RenderError(error);
  }
  if (l->activate) l->activate(handle_);
  active_ = true;
  d->select_program(handle_, 0, 0);
}

HexterInstance::~HexterInstance() {
  const LADSPA_Descriptor* l = dssi(descriptor_)->LADSPA_Plugin;
  if (active_ && l->deactivate) l->deactivate(handle_);
  l->cleanup(handle_);
}

void HexterInstance::set_voice(const Voice& voice) {
  const DSSI_Descriptor* d = dssi(descriptor_);
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
  d->select_program(handle_, 0, 0);
  if (char* error = d->configure(handle_, "edit_buffer", value.c_str())) {
    std::string msg = error;
    std::free(error);  // DSSI: the host frees configure's message
    throw RenderError("hexter rejected the voice: " + msg);
  }
  d->select_program(handle_, 0, 0);
}

void HexterInstance::run(float* out, std::size_t frames, snd_seq_event* events, std::size_t count) noexcept {
  const DSSI_Descriptor* d = dssi(descriptor_);
  // LADSPA's connect_port is real-time safe (hexter stores the pointer), so the
  // output can follow JACK's port buffer, which may move from period to period.
  d->LADSPA_Plugin->connect_port(handle_, output_port_, out);
  d->run_synth(handle_, frames, events, count);
  d->LADSPA_Plugin->connect_port(handle_, output_port_, g_parking);
}

}  // namespace dxlatent::render
