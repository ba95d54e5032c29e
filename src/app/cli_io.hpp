#pragma once
// The file rules every subcommand shares (docs/files.md, docs/exit-codes.md):
// outputs checked before any work (never a directory, a read-only file or one
// of the command's own inputs), bad messages reported as the first few per file
// and a count, FILE:SLOT voice references parsed and checked one way
// everywhere, and counted nouns spelled right. Thread: the main thread.

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "dxlatent/voice/voice_ref.hpp"

namespace CLI {
class App;
}

namespace dxlatent::app {

/// "1 voice", "2 voices", "0 voices"; `many` for irregular plurals.
std::string plural(std::size_t n, std::string_view one, std::string_view many = {});

/// Prints the problems kept for `file` (at most kKeptProblems), each as
/// "<line_prefix>FILE: offset N: what", then one line counting the ones not
/// shown. Returns the file's problem_count.
std::size_t report_problems(const VoiceFile& file, const std::string& line_prefix);

/// Adds --force (replace a read-only output file) to a subcommand.
void add_force_option(CLI::App& cmd, bool& force);

/// Checks `output` before the command does any work: the file rules of
/// util::check_output, and that it is none of `inputs` (same device and inode,
/// whatever the spelling). BadInput (exit 1) naming the file otherwise.
util::OutputTarget check_output(const std::string& output, const std::vector<std::filesystem::path>& inputs,
                                bool force);

/// Where a command's own report lines go: stderr when its output is standard
/// output ("-"), so that the file's bytes are all that reach stdout.
std::FILE* report_stream(const std::string& output);

/// Parses FILE:SLOT into the core's one VoiceRef (dxlatent/voice/voice_ref.hpp). Its form is the command line's business: no ':', no file,
/// or a slot that is not a whole number from 1 is a usage error (exit 2).
VoiceRef parse_voice_ref(const std::string& text);
/// Reads the voice at ref. Whether the slot exists is the file's business: a
/// file that cannot be read and a slot past its last voice are BadInput (exit 1).
Voice read_voice(const VoiceRef& ref);

/// Checks a FILE:SLOT option of `cmd` (e.g. run --anchor) by the rules above as
/// soon as parsing is complete, before the subcommand's own callback runs.
void check_voice_ref_option(CLI::App& cmd, const std::string& option_name);

}  // namespace dxlatent::app
