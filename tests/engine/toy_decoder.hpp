#pragma once
// ToyDecoder: a deterministic stand-in for the model, for the pure threading and
// coalescing unit tests ONLY (the engine's JACK tests use the real shipped model).
// Each latent coordinate picks one operator parameter, so different knob states
// give different voices, and it counts its calls.

#include <cmath>

#include "dxlatent/model/voice_decoder.hpp"
#include "dxlatent/sysex/sysex.hpp"

namespace dxlatent::testing {

class ToyDecoder final : public VoiceDecoder {
 public:
  ToyDecoder() {
    for (int i = 0; i <= 100; ++i) q_.levels.push_back(float(i) / 100.0f);
    for (auto& v : q_.values)
      for (float l : q_.levels) v.push_back(2.0f * l - 1.0f);
  }
  Voice decode(const Latent& z) override {
    ++calls;
    Voice v = sysex::init_voice();
    for (std::size_t d = 0; d < kLatentDims; ++d)
      v.bytes[d] = std::uint8_t(std::lround((z[d] + 1.0f) * 49.5f));  // EG rates/levels 0..99
    return v;
  }
  Latent encode(const Voice& v) override {
    Latent z{};
    for (std::size_t d = 0; d < kLatentDims; ++d) z[d] = float(v.bytes[d]) / 49.5f - 1.0f;
    return z;
  }
  const LatentQuantiles& quantiles() const override { return q_; }

  int calls = 0;

 private:
  LatentQuantiles q_;
};

}  // namespace dxlatent::testing
