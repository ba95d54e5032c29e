#pragma once
// The interface the engine and the CLI decode through. The real implementation
// (TorchDecoder, src/model) is the only code that sees LibTorch headers; tests of
// the engine's threading may also use a small deterministic implementation.

#include <memory>
#include <span>
#include <string>

#include "dxlatent/control/latent.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class VoiceDecoder {
 public:
  virtual ~VoiceDecoder() = default;
  /// Latent -> voice (argmax). The name is left blank; see voice naming.
  /// Thread: the decode thread (or any single non-real-time thread). Never the JACK thread.
  virtual Voice decode(const Latent& z) = 0;
  /// Voice -> its latent point (posterior mean through the flows). Same thread rule.
  virtual Latent encode(const Voice& voice) = 0;
  /// Quantiles of the training voices' latents. Any thread after construction.
  virtual const LatentQuantiles& quantiles() const = 0;
};

}  // namespace dxlatent
