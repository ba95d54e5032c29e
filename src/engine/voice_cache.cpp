#include "dxlatent/engine/voice_cache.hpp"

namespace dxlatent {

VoiceCache::VoiceCache(std::size_t capacity) : capacity_(capacity) { index_.reserve(capacity); }

std::optional<Voice> VoiceCache::find(const DecodeKey& key) {
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->second;
}

void VoiceCache::insert(const DecodeKey& key, const Voice& voice) {
  if (capacity_ == 0) return;
  if (const auto it = index_.find(key); it != index_.end()) {
    it->second->second = voice;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  if (index_.size() >= capacity_) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
  order_.emplace_front(key, voice);
  index_.emplace(key, order_.begin());
}

}  // namespace dxlatent
