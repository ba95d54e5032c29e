#pragma once
// Parameter locks: which of the 145 sound parameters keep a reference voice's
// value while everything else moves (sample --lock, interpolate --lock; later
// the live engine). Pure: no allocation beyond strings for names and messages.
//
// A lock list is parameter names and groups, comma-separated and/or given one
// by one, compared case-insensitively with '-', '_' and runs of blanks all the
// same ("pitch-eg" == "Pitch EG"):
//   algorithm, feedback, transpose      the one global parameter each
//   tuning      every operator's osc mode, freq coarse, freq fine, detune + transpose
//   op1 .. op6  all 21 parameters of one operator (also "OP3 *", "op 3")
//   pitch-eg    the 8 pitch EG rates and levels
//   lfo         LFO speed, delay, pitch/amp mod depth, key sync, wave + pitch mod sens
//   envelopes   every operator's EG rates 1-4 and levels 1-4
//   levels      every operator's output level
//   any parameter by its param_table() name, e.g. "OP3 EG rate 2", "osc key sync".

#include <bitset>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dxlatent/voice/voice.hpp"

namespace dxlatent {

using ParamMask = std::bitset<kSoundParams>;  ///< bit p: VCED offset p is locked

/// An unknown name in a lock list; what() names it and lists the groups.
class LockError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// The group names, in the order above ("algorithm", ..., "levels", "op1".."op6").
const std::vector<std::string>& lock_group_names();

/// One lock list ("algorithm,OP3 *, levels") -> the mask. Empty items are
/// ignored; an unknown item throws LockError.
ParamMask parse_locks(std::string_view list);
/// Several lists (a repeated option): the union.
ParamMask parse_locks(std::span<const std::string> lists);

/// Copies every locked parameter of `reference` into `voice`. The name is not a
/// sound parameter and is never touched. [rt-safe]
void apply_locks(Voice& voice, const Voice& reference, const ParamMask& mask);

/// "algorithm, feedback, OP3 EG rate 2": the locked parameters by name, for
/// reports; after `max` names, " and N more".
std::string describe_locks(const ParamMask& mask, std::size_t max = 8);

}  // namespace dxlatent
