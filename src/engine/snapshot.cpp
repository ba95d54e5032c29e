#include "dxlatent/engine/snapshot.hpp"

#include <algorithm>
#include <vector>

#include "dxlatent/model/voice_naming.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"

namespace dxlatent {

namespace fs = std::filesystem;

fs::path current_voice_path(const fs::path& state_dir) { return state_dir / "current.syx"; }

void save_current_voice(const fs::path& state_dir, const Voice& voice) {
  fs::create_directories(state_dir);
  const auto dump = sysex::encode_single_voice(voice, 0);
  util::write_file_atomically(current_voice_path(state_dir), std::span<const std::uint8_t>(dump));
}

Voice load_current_voice(const fs::path& state_dir) {
  const fs::path p = current_voice_path(state_dir);
  if (!fs::exists(p))
    throw std::runtime_error(p.string() + " does not exist: is `dxlatent run` running with this state directory?");
  const VoiceFile f = read_voice_file(p, VoiceFileFormat::SysEx);
  if (f.voices.size() != 1) throw std::runtime_error(p.string() + ": expected one voice dump");
  return f.voices[0].voice;
}

int save_snapshot(const fs::path& cartridge, const Voice& voice, int slot, std::optional<Voice>* replaced,
                  std::string* saved_name) {
  if (slot < 0 || slot > 32) throw std::runtime_error("snapshot slot " + std::to_string(slot) + " is not 1..32");
  std::vector<Voice> voices(sysex::kCartridgeVoices, sysex::init_voice());
  if (fs::exists(cartridge)) {
    const VoiceFile f = read_voice_file(cartridge);
    if (f.voices.size() != sysex::kCartridgeVoices || !f.problems.empty())
      throw std::runtime_error(cartridge.string() + " is not a clean 32-voice cartridge (" +
                               std::to_string(f.voices.size()) + " voices" +
                               (f.problems.empty() ? "" : ", " + f.describe(f.problems.front())) +
                               "); not overwriting it");
    for (std::size_t i = 0; i < voices.size(); ++i) voices[i] = f.voices[i].voice;
  }
  if (slot == 0) {
    const Voice init = sysex::init_voice();
    for (std::size_t i = 0; i < voices.size() && slot == 0; ++i)
      if (voices[i] == init) slot = int(i + 1);
    if (slot == 0)
      throw std::runtime_error(cartridge.string() +
                               " is full (no INIT VOICE slot left); name a slot or another file");
  }
  if (replaced) {
    const Voice& before = voices[std::size_t(slot - 1)];
    *replaced = before == sysex::init_voice() ? std::nullopt : std::optional<Voice>(before);
  }
  Voice saved = clamped(voice);
  if (generated_serial(saved, VoiceOrigin::Live)) {
    std::size_t highest = 0;
    for (std::size_t i = 0; i < voices.size(); ++i)
      if (int(i + 1) != slot) highest = std::max(highest, generated_serial(voices[i], VoiceOrigin::Live).value_or(0));
    name_generated_voice(saved, VoiceOrigin::Live, highest + 1);
  }
  if (saved_name) *saved_name = saved.display_name();
  voices[std::size_t(slot - 1)] = saved;
  if (!cartridge.parent_path().empty()) fs::create_directories(cartridge.parent_path());
  write_cartridge_syx(cartridge, voices);
  return slot;
}

}  // namespace dxlatent
