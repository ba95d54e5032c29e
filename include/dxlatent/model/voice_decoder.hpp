#pragma once
// The interface the engine and the CLI decode through. The real implementation
// (TorchDecoder, src/model) is the only code that sees LibTorch headers; tests of
// the engine's threading may also use a small deterministic implementation.

#include <memory>
#include <span>
#include <string>

#include "dxlatent/control/latent.hpp"
#include "dxlatent/model/category.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class VoiceDecoder {
 public:
  virtual ~VoiceDecoder() = default;
  /// Latent -> voice (argmax). The name is left blank; see voice naming.
  /// Thread: the decode thread (or any single non-real-time thread). Never the JACK thread.
  virtual Voice decode(const Latent& z) = 0;
  /// Latent -> voice with the algorithm given (1..32) instead of read from z.
  /// A model whose decoder is conditioned on the algorithm decodes every other
  /// parameter for that algorithm (a locked algorithm then gets operators that
  /// suit it); the default decodes z and overwrites the algorithm. Same thread rule.
  virtual Voice decode_given_algorithm(const Latent& z, int algorithm) {
    Voice v = decode(z);
    v.bytes[kAlgorithmOffset] = std::uint8_t(algorithm - 1);
    return v;
  }
  /// True when decode_given_algorithm() conditions the decoder (not an overwrite). Any thread.
  virtual bool conditions_on_algorithm() const { return false; }
  /// Kinds of sound as latent regions (model/category.hpp); empty when the model has none. Any thread.
  virtual std::span<const CategoryRegion> categories() const { return {}; }
  /// Voice -> its latent point (posterior mean through the flows). Same thread rule.
  virtual Latent encode(const Voice& voice) = 0;
  /// Quantiles of the training voices' latents. Any thread after construction.
  virtual const LatentQuantiles& quantiles() const = 0;
};

}  // namespace dxlatent
