#pragma once
// Decoded voices by exact latent point (and the algorithm the decode was
// conditioned on, if any), least recently used evicted first: the same point
// always gives the same voice, and a performer returning to a position should
// not pay for a decode again. Owned by the decode thread.

#include <cstddef>
#include <cstring>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

#include "dxlatent/control/latent.hpp"
#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

/// What a decode depended on. condition: 0 = the algorithm read from z, 1..32 = given.
struct DecodeKey {
  Latent z{};
  int condition = 0;
  bool operator==(const DecodeKey& o) const { return condition == o.condition && same_point(z, o.z); }
};

struct DecodeKeyHash {
  std::size_t operator()(const DecodeKey& k) const noexcept {
    std::uint64_t h = 1469598103934665603ull ^ std::uint64_t(k.condition);
    unsigned char b[sizeof(Latent)];
    std::memcpy(b, k.z.data(), sizeof b);
    for (unsigned char c : b) h = (h ^ c) * 1099511628211ull;  // FNV-1a over the bits
    return std::size_t(h);
  }
};

class VoiceCache {
 public:
  /// capacity 0 disables the cache.
  explicit VoiceCache(std::size_t capacity);
  /// The cached voice, marked most recently used.
  std::optional<Voice> find(const DecodeKey& key);
  void insert(const DecodeKey& key, const Voice& voice);
  std::size_t size() const { return index_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<DecodeKey, Voice>;
  std::size_t capacity_;
  std::list<Entry> order_;  ///< most recently used first
  std::unordered_map<DecodeKey, std::list<Entry>::iterator, DecodeKeyHash> index_;
};

}  // namespace dxlatent
