#pragma once
// The inference thread's state and logic, without the thread: fold controller
// events into the knob state, then decode only the newest state. Whatever
// arrived while a decode ran is folded before the next one, so a burst of CCs
// costs one decode, not one per message (bursts coalesce; nothing stale is
// decoded). Kept apart from the thread so the coalescing is unit-testable.
// Not thread-safe: owned by the inference thread (construction: control thread).

#include <cstdint>
#include <optional>
#include <vector>

#include "dxlatent/control/cc_map.hpp"
#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/control/latent_map.hpp"
#include "dxlatent/engine/held_keys.hpp"
#include "dxlatent/engine/voice_cache.hpp"
#include "dxlatent/midi_in/midi_event.hpp"
#include "dxlatent/model/voice_decoder.hpp"

namespace dxlatent {

struct InferenceSettings {
  std::size_t cache_size = 4096;
  std::optional<std::uint8_t> snapshot_cc;  ///< rising through 64 requests a snapshot
  bool snapshot_program_change = false;     ///< program change N requests slot N+1
  bool thru = true;                         ///< program changes reach the synth (it changes voice)
};

/// What happened since the last take_news(): things the other threads act on.
struct InferenceNews {
  std::uint8_t learned = 0;          ///< bit d: dimension d just learned its CC number
  bool keys_changed = false;
  bool synth_reset = false;          ///< a program change went to the synth: its voice is unknown
  std::vector<int> snapshot_slots;   ///< requested, in order: 0 = next free slot, else 1..32
};

struct InferenceStats {
  std::uint64_t events = 0;        ///< events folded
  std::uint64_t knob_moves = 0;    ///< mapped CCs that changed a knob
  std::uint64_t decodes = 0;       ///< decoder calls
  std::uint64_t cache_hits = 0;
  std::uint64_t targets = 0;       ///< new target voices handed on
};

class Inference {
 public:
  /// decoder must outlive this object.
  Inference(VoiceDecoder& decoder, CcMap cc_map, LatentMap latent_map, InferenceSettings settings = {});

  /// Folds one controller event (CC, note, program change; others are counted and ignored).
  void fold(const MidiEvent& event);
  /// True when the knob state differs from the one last decoded.
  bool needs_decode() const { return !decoded_ || !(knobs_ == *decoded_); }
  /// Decodes the current knob state (cache first) if needs_decode(); returns the
  /// new target voice, named, or nullopt when nothing changed.
  std::optional<Voice> decode_newest();
  /// The first target at start: `start` when given (a cartridge voice), else the
  /// decode of the current (centred) knobs.
  Voice initial_voice(const std::optional<Voice>& start);

  InferenceNews take_news();
  const KnobState& knobs() const { return knobs_; }
  Latent latent() const { return latent_map_.latent(knobs_); }
  const CcMap& cc_map() const { return cc_map_; }
  bool keys_held() const { return keys_.any(); }
  const InferenceStats& stats() const { return stats_; }

 private:
  Voice decode_named(const KnobState& knobs);

  VoiceDecoder& decoder_;
  CcMap cc_map_;
  LatentMap latent_map_;
  InferenceSettings settings_;
  VoiceCache cache_;
  HeldKeys keys_;
  KnobState knobs_;
  std::optional<KnobState> decoded_;
  std::uint8_t snapshot_cc_value_ = 0;
  InferenceNews news_;
  InferenceStats stats_;
};

}  // namespace dxlatent
