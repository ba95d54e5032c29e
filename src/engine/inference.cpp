#include "dxlatent/engine/inference.hpp"

#include <utility>

#include "dxlatent/model/voice_naming.hpp"

namespace dxlatent {

Inference::Inference(VoiceDecoder& decoder, CcMap cc_map, LatentMap latent_map, InferenceSettings settings)
    : decoder_(decoder),
      cc_map_(std::move(cc_map)),
      latent_map_(std::move(latent_map)),
      settings_(settings),
      cache_(settings.cache_size) {}

void Inference::fold(const MidiEvent& e) {
  ++stats_.events;
  if (keys_.apply(e)) news_.keys_changed = true;
  switch (e.type()) {
    case 0xB0: {
      if (settings_.snapshot_cc && e.data1 == *settings_.snapshot_cc) {
        // A button sends 127 then 0 (or only 127): act on the press only.
        if (e.data2 >= 64 && snapshot_cc_value_ < 64) news_.snapshot_slots.push_back(0);
        snapshot_cc_value_ = e.data2;
        return;
      }
      const auto r = cc_map_.map(e.channel(), e.data1);
      if (!r) return;
      if (r->newly_learned) news_.learned |= std::uint8_t(1u << r->dim);
      if (knobs_.values[r->dim] != (e.data2 & 0x7F)) {
        knobs_.values[r->dim] = e.data2 & 0x7F;
        ++stats_.knob_moves;
      }
      return;
    }
    case 0xC0:
      if (cc_map_.channel() && e.channel() != *cc_map_.channel()) return;
      if (settings_.snapshot_program_change && e.data1 < 32) news_.snapshot_slots.push_back(e.data1 + 1);
      // Thru passed it on: the synth switched to one of its own programs.
      if (settings_.thru) news_.synth_reset = true;
      return;
    default:
      return;
  }
}

Voice Inference::decode_named(const KnobState& knobs) {
  if (auto hit = cache_.find(knobs)) {
    ++stats_.cache_hits;
    return *hit;
  }
  Voice v = decoder_.decode(latent_map_.latent(knobs));
  ++stats_.decodes;
  name_generated_voice(v, VoiceOrigin::Live, std::size_t(stats_.decodes));
  cache_.insert(knobs, v);
  return v;
}

std::optional<Voice> Inference::decode_newest() {
  if (!needs_decode()) return std::nullopt;
  const KnobState now = knobs_;
  Voice v = decode_named(now);
  decoded_ = now;
  ++stats_.targets;
  return v;
}

Voice Inference::initial_voice(const std::optional<Voice>& start) {
  if (start) {
    // The cartridge voice stands for the centred knobs until a knob moves.
    decoded_ = knobs_;
    ++stats_.targets;
    return *start;
  }
  return *decode_newest();
}

InferenceNews Inference::take_news() { return std::exchange(news_, {}); }

}  // namespace dxlatent
