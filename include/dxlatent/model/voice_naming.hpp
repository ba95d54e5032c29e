#pragma once
// Names for voices the model generates (the model produces none). Pure.
//
// Scheme (docs/voice-names.md): 10 characters, "KNNNN TTTT"
//   K     one letter for the tool that made the voice: S = sample (prior),
//         M = morph (interpolate), L = live (the engine's snapshots);
//   NNNN  the voice's 1-based serial number in that run, 4 digits (0001-9999,
//         then counting on modulo 10000): for sample it runs across the
//         cartridges, so S0033 is slot 1 of the second cartridge; for morph it
//         is the step;
//   TTTT  a tag of the SOUND: 4 characters of Crockford base 32 (0-9, A-Z
//         without I L O U) from a 20-bit FNV-1a hash of the 145 sound
//         parameters. The same sound always gets the same tag, wherever it is
//         found, so a voice copied out of its cartridge can be recognised
//         (`dxlatent inspect` shows the name; voice_tag() recomputes it) and two
//         slots with equal tags are almost surely the same sound.
// Only digits, capitals and a blank: characters the DX7's display shows as they
// look (it shows a yen sign for '\' and arrows for '~' and DEL).

#include <cstddef>
#include <optional>
#include <string>

#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

enum class VoiceOrigin : char { Sample = 'S', Morph = 'M', Live = 'L' };

/// The 4-character tag of the voice's 145 sound parameters (the name is ignored).
std::string voice_tag(const Voice& voice);
/// The 10-character name, e.g. "S0033 K7QX". serial is 1-based.
std::string generated_name(VoiceOrigin origin, std::size_t serial, const Voice& voice);
/// Sets voice's name to generated_name(origin, serial, voice).
void name_generated_voice(Voice& voice, VoiceOrigin origin, std::size_t serial);
/// The serial of a name of this scheme for `origin` ("L0042 K7QX" -> 42);
/// nullopt for any other name. With `tag_of_this_sound`, the tag must also be
/// the voice's own (a name that came with the sound, not one left on an edit).
std::optional<std::size_t> generated_serial(const Voice& voice, VoiceOrigin origin, bool tag_of_this_sound = true);

}  // namespace dxlatent
