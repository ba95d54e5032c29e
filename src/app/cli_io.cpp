#include "cli_io.hpp"

#include <CLI/CLI.hpp>

#include <charconv>

#include "commands.hpp"

namespace dxlatent::app {
namespace fs = std::filesystem;

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  std::string s = std::to_string(n);
  s += ' ';
  if (n == 1)
    s += one;
  else if (!many.empty())
    s += many;
  else
    (s += one) += 's';
  return s;
}

std::size_t report_problems(const VoiceFile& file, const std::string& line_prefix) {
  for (const FileProblem& p : file.problems)
    std::fprintf(stderr, "%s%s\n", line_prefix.c_str(), file.describe(p).c_str());
  if (file.problem_count > file.problems.size())
    std::fprintf(stderr, "%s%s: %s not shown (the first %zu are above)\n", line_prefix.c_str(), file.path.c_str(),
                 plural(file.problem_count - file.problems.size(), "more bad message").c_str(),
                 file.problems.size());
  return file.problem_count;
}

void add_force_option(CLI::App& cmd, bool& force) {
  cmd.add_flag("--force", force, "replace an output file even if it is read-only (chmod a-w)");
}

util::OutputTarget check_output(const std::string& output, const std::vector<fs::path>& inputs, bool force) {
  util::OutputTarget target;
  try {
    target = util::check_output(output, util::WriteOptions{force});
  } catch (const util::FileError& e) {
    throw BadInput(e.what());
  }
  for (const fs::path& in : inputs)
    if (util::same_file(output, in))
      throw BadInput(output + ": is also an input (" + in.string() +
                     "); writing it would destroy what is being read. Name another output");
  return target;
}

std::FILE* report_stream(const std::string& output) { return output == "-" ? stderr : stdout; }

VoiceRef parse_voice_ref(const std::string& text) {
  try {
    return VoiceRef::parse(text);
  } catch (const VoiceRefError& e) {
    throw CommandError(kExitUsage, e.what());
  }
}

Voice read_voice(const VoiceRef& ref) {
  VoiceFile file;
  try {
    file = read_voice_file(ref.file.string());
  } catch (const VoiceFileError& e) {
    throw BadInput(e.what());
  }
  report_problems(file, "dxlatent: warning: ");
  if (ref.slot > file.voices.size())
    throw BadInput(ref.file.string() + ": slot " + std::to_string(ref.slot) + " does not exist (the file has " +
                   plural(file.voices.size(), "voice") + ")");
  return file.voices[ref.slot - 1].voice;
}

void check_voice_ref_option(CLI::App& cmd, const std::string& option_name) {
  CLI::Option* option = cmd.get_option(option_name);
  cmd.parse_complete_callback([option, option_name] {
    if (option->count() == 0) return;
    try {
      read_voice(parse_voice_ref(option->as<std::string>()));
    } catch (const CommandError& e) {
      throw CommandError(e.code(), option_name + ": " + e.what());
    }
  });
}

}  // namespace dxlatent::app
