#pragma once
// Voices on disk for the live engine (the start/anchor voice FILE:SLOT is read
// with VoiceRef::read, voice/voice_ref.hpp): the current voice the running engine keeps in its state directory (so that
// `dxlatent snapshot`, a separate process, can save it), and snapshot slots in
// a 32-voice cartridge. Every write is atomic (util::write_file_atomically).
// Thread: the control thread (file I/O); never the JACK process thread.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

/// <state dir>/current.syx: one single-voice dump.
std::filesystem::path current_voice_path(const std::filesystem::path& state_dir);
void save_current_voice(const std::filesystem::path& state_dir, const Voice& voice);
/// Throws std::runtime_error (no engine ran, or the file is damaged).
Voice load_current_voice(const std::filesystem::path& state_dir);

/// Saves voice into `slot` (1..32) of the cartridge file, or into the first slot
/// that still holds INIT VOICE when slot is 0. A missing file starts as 32 INIT
/// VOICEs; an existing one must be a readable 32-voice cartridge (it is never
/// overwritten by guesswork). Returns the slot written. Throws std::runtime_error
/// when the cartridge is full (slot 0) or unreadable, util::FileError on I/O.
/// *replaced, when given, receives the voice the slot held before, unless that
/// was INIT VOICE (an empty slot), so that the caller can say what was replaced.
/// A live voice (named "LNNNN TTTT" by the engine, whose serials restart with
/// each run) is saved under the next serial after the highest live serial the
/// cartridge already holds, so names continue across runs and never repeat;
/// *saved_name, when given, receives the name written.
int save_snapshot(const std::filesystem::path& cartridge, const Voice& voice, int slot = 0,
                  std::optional<Voice>* replaced = nullptr, std::string* saved_name = nullptr);

}  // namespace dxlatent
