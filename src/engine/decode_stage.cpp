#include "dxlatent/engine/decode_stage.hpp"

#include <utility>

#include "dxlatent/model/voice_naming.hpp"

namespace dxlatent {

DecodeStage::DecodeStage(VoiceDecoder& decoder, LatentMap latent_map, std::size_t cache_size)
    : decoder_(decoder), latent_map_(std::move(latent_map)), cache_(cache_size) {}

Voice DecodeStage::decode_named(const KnobState& knobs) {
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

std::optional<Voice> DecodeStage::decode_if_changed(const KnobState& knobs) {
  if (!needs_decode(knobs)) return std::nullopt;
  Voice v = decode_named(knobs);
  decoded_ = knobs;
  ++stats_.targets;
  return v;
}

Voice DecodeStage::initial_voice(const KnobState& knobs, const std::optional<Voice>& start) {
  if (start) {
    decoded_ = knobs;
    ++stats_.targets;
    return *start;
  }
  return *decode_if_changed(knobs);
}

void DecodeStage::warm_up(int calls) {
  for (int i = 0; i < calls; ++i) {
    KnobState k;
    for (std::size_t d = 0; d < kLatentDims; ++d) k.values[d] = std::uint8_t((i * 37 + int(d) * 53 + 11) % 128);
    (void)decoder_.decode(latent_map_.latent(k));
  }
}

}  // namespace dxlatent
