#pragma once
// Decoded voices by exact knob state, least recently used evicted first: the
// same eight knob values always give the same voice, and a performer returning
// to a position should not pay for a decode again. Owned by the decode thread.

#include <cstddef>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

#include "dxlatent/control/knob_state.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

class VoiceCache {
 public:
  /// capacity 0 disables the cache.
  explicit VoiceCache(std::size_t capacity);
  /// The cached voice, marked most recently used.
  std::optional<Voice> find(const KnobState& knobs);
  void insert(const KnobState& knobs, const Voice& voice);
  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<KnobState, Voice>;
  std::size_t capacity_;
  std::list<Entry> order_;  ///< most recently used first
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
};

}  // namespace dxlatent
