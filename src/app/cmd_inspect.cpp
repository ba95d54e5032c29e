// `dxlatent inspect FILE...`: one line per voice (source, name, algorithm, valid
// or each out-of-range field), bad messages on stderr with file and offset, and
// a three-line summary. Exit 1 if any file or message could not be read. Bad
// messages: the first few per file and a count of the rest, so that garbage
// cannot flood the terminal.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli_io.hpp"
#include "commands.hpp"
#include "dxlatent/voice/voice_file.hpp"

namespace dxlatent::app {
namespace {

struct InspectOptions {
  std::vector<std::string> files;
  std::string format = "auto";
  bool summary_only = false;
};

VoiceFileFormat parse_format(const std::string& s) {
  if (s == "sysex") return VoiceFileFormat::SysEx;
  if (s == "packed") return VoiceFileFormat::Packed;
  if (s == "unpacked") return VoiceFileFormat::Unpacked;
  return VoiceFileFormat::Auto;
}

// Lines are collected in a buffer and written in large blocks: 29,830 lines
// through iostreams with a flush each would take seconds.
class Out {
 public:
  explicit Out(std::FILE* f) : f_(f) { buf_.reserve(1 << 16); }
  ~Out() { flush(); }
  Out& operator<<(const std::string& s) { buf_ += s; return check(); }
  Out& operator<<(const char* s) { buf_ += s; return check(); }
  Out& operator<<(char c) { buf_ += c; return check(); }
  Out& operator<<(std::size_t n) { buf_ += std::to_string(n); return check(); }
  void flush() {
    std::fwrite(buf_.data(), 1, buf_.size(), f_);
    std::fflush(f_);
    buf_.clear();
  }

 private:
  Out& check() {
    if (buf_.size() > (1 << 16)) flush();
    return *this;
  }
  std::FILE* f_;
  std::string buf_;
};

void run_inspect(const InspectOptions& opt) {
  Out out(stdout);
  std::size_t files_read = 0, unreadable = 0, bad_messages = 0;
  std::size_t voices = 0, valid = 0, invalid = 0;
  std::array<std::size_t, kVoiceBytes> field_errors{};

  for (const std::string& path : opt.files) {
    VoiceFile file;
    try {
      file = read_voice_file(path, parse_format(opt.format));
    } catch (const VoiceFileError& e) {
      out.flush();
      std::fprintf(stderr, "dxlatent: %s\n", e.what());
      ++unreadable;
      continue;
    }
    ++files_read;
    for (const SourcedVoice& sv : file.voices) {
      const auto errors = validate(sv.voice);
      ++voices;
      errors.empty() ? ++valid : ++invalid;
      for (const RangeError& e : errors) ++field_errors[e.offset];
      if (opt.summary_only) continue;
      // Slots print 1-based, as FILE:SLOT is written everywhere else (interpolate,
      // --anchor, [start] voice), so a line can be pasted straight into those.
      out << path << ':' << sv.index + 1 << "  \"" << sv.voice.display_name() << "\"  alg "
          << static_cast<std::size_t>(sv.voice.algorithm()) << "  ";
      if (errors.empty()) {
        out << "ok\n";
        continue;
      }
      out << "out of range: ";
      for (std::size_t i = 0; i < errors.size(); ++i) out << (i ? ", " : "") << errors[i].describe();
      out << '\n';
    }
    if (file.problem_count) {
      out.flush();
      bad_messages += report_problems(file, "dxlatent: ");
    }
  }

  // The fields most often out of range say what kind of damage a collection has.
  std::vector<std::pair<std::size_t, std::size_t>> top;  // count, offset
  for (std::size_t i = 0; i < kVoiceBytes; ++i)
    if (field_errors[i]) top.push_back({field_errors[i], i});
  std::sort(top.begin(), top.end(), [](auto a, auto b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (top.size() > 5) top.resize(5);
  std::string fields;
  for (const auto& [count, offset] : top) {
    const std::string name = offset < kSoundParams ? std::string(param_table()[offset].name)
                                                   : "name char " + std::to_string(offset - kNameOffset + 1);
    fields += (fields.empty() ? "" : ", ") + name + " (" + std::to_string(count) + ")";
  }

  out << "summary: " << plural(files_read, "file") << " read, " << unreadable << " unreadable, "
      << plural(bad_messages, "bad message") << '\n';
  out << "summary: " << plural(voices, "voice") << ", " << valid << " valid, " << invalid
      << " with out-of-range fields\n";
  out << "summary: fields most often out of range: " << (fields.empty() ? "none" : fields) << '\n';
  out.flush();
  if (unreadable || bad_messages) throw CommandError(kExitBadInput, "");
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto opt = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "List every voice of .syx, packed (128 x N) or unpacked (155 x N) files");
  cmd->add_option("files", opt->files, "voice files")->required();
  cmd->add_option("--format", opt->format, "file layout (default: detect by content and size)")
      ->check(CLI::IsMember({"auto", "sysex", "packed", "unpacked"}));
  cmd->add_flag("--summary", opt->summary_only, "print only the summary");
  cmd->callback([opt] { run_inspect(*opt); });
}

}  // namespace dxlatent::app
