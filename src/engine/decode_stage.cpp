#include "dxlatent/engine/decode_stage.hpp"

#include <utility>

#include "dxlatent/model/voice_naming.hpp"

namespace dxlatent {

namespace {
constexpr std::size_t kMaxPins = 64;  // recalls and resumes of one performance
}

DecodeStage::DecodeStage(VoiceDecoder& decoder, std::size_t cache_size, SteeringSetup steering)
    : decoder_(decoder), cache_(cache_size), steering_(std::move(steering)) {
  if (steering_.anchor) reference_ = steering_.anchor->second;
}

ParamMask DecodeStage::locked() const {
  ParamMask m = reference_ ? steering_.locks : ParamMask{};
  if (toggle_reference_) m |= steering_.toggle_locks;
  return m;
}

// The algorithm a lock holds (1..32), which the decoder is then given; 0: free.
int DecodeStage::condition() const {
  if (toggle_reference_ && steering_.toggle_locks[kAlgorithmOffset]) return toggle_reference_->algorithm();
  if (reference_ && steering_.locks[kAlgorithmOffset]) return reference_->algorithm();
  return 0;
}

Voice DecodeStage::raw(const Latent& z, int cond) {
  const DecodeKey key{z, cond};
  if (auto hit = cache_.find(key)) {
    ++stats_.cache_hits;
    return *hit;
  }
  Voice v = cond ? decoder_.decode_given_algorithm(z, cond) : decoder_.decode(z);
  ++stats_.decodes;
  // Named once, when decoded: a point returned to keeps its name.
  name_generated_voice(v, VoiceOrigin::Live, std::size_t(stats_.decodes));
  cache_.insert(key, v);
  return v;
}

Voice DecodeStage::steer(const Latent& z) {
  for (auto it = pins_.rbegin(); it != pins_.rend(); ++it)
    if (same_point(it->first, z)) return it->second;
  const int cond = condition();
  Voice v = raw(z, cond);
  if (steering_.anchor) {
    // The anchor, changed only where the model's answer moved away from its
    // answer at the anchor's own point.
    const Voice at_anchor = raw(steering_.anchor->first, cond);
    Voice out = steering_.anchor->second;
    for (std::size_t p = 0; p < kSoundParams; ++p)
      if (v.bytes[p] != at_anchor.bytes[p]) out.bytes[p] = v.bytes[p];
    v = out;
  }
  if (reference_) apply_locks(v, *reference_, steering_.locks);
  if (toggle_reference_) apply_locks(v, *toggle_reference_, steering_.toggle_locks);
  if (!steering_.anchor && locked().any()) {
    // The name's tag is of the sound: the locks changed it. The serial stays.
    if (const auto serial = generated_serial(v, VoiceOrigin::Live, /*tag_of_this_sound=*/false))
      name_generated_voice(v, VoiceOrigin::Live, *serial);
  }
  return v;
}

std::optional<Voice> DecodeStage::decode_if_changed(const Latent& z) {
  if (!needs_decode(z)) return std::nullopt;
  Voice v = steer(z);
  decoded_ = z;
  dirty_ = false;
  ++stats_.targets;
  target_ = v;
  return v;
}

Voice DecodeStage::initial_voice(const Latent& z, const std::optional<Voice>& start) {
  if (start) {
    recall(z, *start);
  } else if (!reference_ && steering_.locks.any()) {
    // The locks' reference is the first voice heard; decoded free of them.
    reference_ = steer(z);
  }
  return *decode_if_changed(z);
}

void DecodeStage::recall(const Latent& z, const Voice& voice) {
  pins_.emplace_back(z, voice);
  if (pins_.size() > kMaxPins) pins_.erase(pins_.begin());
  reference_ = voice;
  dirty_ = true;
}

void DecodeStage::set_toggle_lock(bool on) {
  if (on && target_) toggle_reference_ = target_;
  if (!on) toggle_reference_.reset();
  dirty_ = true;
}

void DecodeStage::warm_up(int calls) {
  for (int i = 0; i < calls; ++i) {
    Latent z{};
    for (std::size_t d = 0; d < kLatentDims; ++d) z[d] = float((i * 37 + int(d) * 53 + 11) % 128) / 32.0f - 2.0f;
    (void)decoder_.decode(z);
  }
}

}  // namespace dxlatent
