#pragma once
// The decode stage: knob state -> latent (LatentMap) -> voice (the model),
// through a cache of decoded voices. It decodes only when the knobs differ from
// the state last decoded, so whatever the control stage folded while a decode
// ran costs one decode of the newest state, never one per message.
// Not thread-safe: owned by the engine's decode thread (construction: control
// thread; warm_up() and initial_voice() may run there before the thread starts).

#include <cstddef>
#include <cstdint>
#include <optional>

#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/control/latent_map.hpp"
#include "dxlatent/engine/voice_cache.hpp"
#include "dxlatent/model/voice_decoder.hpp"

namespace dxlatent {

struct DecodeStats {
  std::uint64_t decodes = 0;       ///< decoder calls for the live path (warm-up not counted)
  std::uint64_t cache_hits = 0;
  std::uint64_t targets = 0;       ///< new target voices handed on
};

class DecodeStage {
 public:
  /// decoder must outlive this object.
  DecodeStage(VoiceDecoder& decoder, LatentMap latent_map, std::size_t cache_size);

  /// True when `knobs` differ from the state last decoded.
  bool needs_decode(const KnobState& knobs) const { return !decoded_ || !(knobs == *decoded_); }
  /// Decodes `knobs` (cache first) if needs_decode(); the new target voice,
  /// named, or nullopt when nothing changed.
  std::optional<Voice> decode_if_changed(const KnobState& knobs);
  /// The first target: `start` when given (a cartridge voice, standing for these
  /// knobs until one moves), else the decode of `knobs`.
  Voice initial_voice(const KnobState& knobs, const std::optional<Voice>& start);
  /// Runs `calls` decodes of latents spread over the knob range, bypassing the
  /// cache and the counters, so that the model's first-use costs (LibTorch's
  /// profiling executor, allocator and BLAS buffers) are paid before the first
  /// knob move. Call on the thread that will decode.
  void warm_up(int calls);

  Latent latent(const KnobState& knobs) const { return latent_map_.latent(knobs); }
  const DecodeStats& stats() const { return stats_; }

 private:
  Voice decode_named(const KnobState& knobs);

  VoiceDecoder& decoder_;
  LatentMap latent_map_;
  VoiceCache cache_;
  std::optional<KnobState> decoded_;
  DecodeStats stats_;
};

}  // namespace dxlatent
