#pragma once
// The decode stage: latent point -> voice (the model), through a cache of
// decoded voices, then the steering rules that make what reaches the synth
// exact (docs/steering.md):
//   pins     a voice that stands for a point exactly: the start or resumed
//            voice, a recalled snapshot. At that point it plays byte for byte.
//   anchor   with an anchor voice, what plays is the anchor with only the
//            parameters replaced whose decoded value differs from the decode
//            at the anchor's own point: at the knobs' centre the anchor itself,
//            near it a few parameters, far away another voice.
//   locks    locked parameters keep the reference voice's value (the start or
//            recalled voice for [control] lock; the target when the lock
//            button engaged its set). A locked algorithm is not overwritten
//            but given to the decoder, which then decodes every other
//            parameter for that algorithm (when the model is conditioned on it).
// It decodes only when the point (or a lock) differs from what it last
// decoded, so whatever the control stage folded while a decode ran costs one
// decode of the newest state, never one per message.
// Not thread-safe: owned by the engine's decode thread (construction: control
// thread; warm_up() and initial_voice() run on the decode thread).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "dxlatent/control/latent.hpp"
#include "dxlatent/engine/voice_cache.hpp"
#include "dxlatent/model/voice_decoder.hpp"
#include "dxlatent/voice/param_lock.hpp"

namespace dxlatent {

struct DecodeStats {
  std::uint64_t decodes = 0;       ///< decoder calls for the live path (warm-up not counted)
  std::uint64_t cache_hits = 0;
  std::uint64_t targets = 0;       ///< new target voices handed on
};

struct SteeringSetup {
  /// The anchor voice and its latent point (the anchored map's centre).
  std::optional<std::pair<Latent, Voice>> anchor;
  ParamMask locks;         ///< always locked ([control] lock, --lock)
  ParamMask toggle_locks;  ///< what the lock button locks ([control] lock_toggle)
};

class DecodeStage {
 public:
  /// decoder must outlive this object.
  DecodeStage(VoiceDecoder& decoder, std::size_t cache_size, SteeringSetup steering = {});

  /// True when `z` differs from the point last decoded, or a lock changed since.
  bool needs_decode(const Latent& z) const { return dirty_ || !decoded_ || !same_point(z, *decoded_); }
  /// The target voice for `z` if needs_decode(), else nullopt.
  std::optional<Voice> decode_if_changed(const Latent& z);
  /// The first target: `start` when given (pinned to z: it plays whenever the
  /// sound is exactly there; it is also the locks' reference), else the voice for z.
  Voice initial_voice(const Latent& z, const std::optional<Voice>& start);
  /// A recalled voice at its latent point: pinned there and the locks' reference.
  /// The next decode_if_changed(z) returns it.
  void recall(const Latent& z, const Voice& voice);
  /// Engages (true) or releases the lock button's set; engaging takes the
  /// current target as its reference. The next decode re-applies the locks.
  void set_toggle_lock(bool on);
  /// Runs `calls` decodes spread over the latent space, bypassing the cache and
  /// the counters, so that the model's first-use costs (LibTorch's profiling
  /// executor, allocator and BLAS buffers) are paid before the first knob move.
  void warm_up(int calls);

  const std::optional<Voice>& target() const { return target_; }
  ParamMask locked() const;
  const DecodeStats& stats() const { return stats_; }

 private:
  int condition() const;
  Voice raw(const Latent& z, int condition);
  Voice steer(const Latent& z);

  VoiceDecoder& decoder_;
  VoiceCache cache_;
  SteeringSetup steering_;
  std::vector<std::pair<Latent, Voice>> pins_;  ///< newest last, a few dozen at most
  std::optional<Voice> reference_;              ///< for steering_.locks
  std::optional<Voice> toggle_reference_;       ///< set while the lock button is engaged
  std::optional<Latent> decoded_;
  std::optional<Voice> target_;
  bool dirty_ = false;
  DecodeStats stats_;
};

}  // namespace dxlatent
