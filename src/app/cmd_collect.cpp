// `dxlatent collect DIR_OR_FILES... -o OUT.bin [--invalid drop|clamp]`: builds a
// de-duplicated training corpus (128 x N packed voices) from a pile of voice
// files. Duplicates are voices equal in every byte but the name; the first one
// met (in sorted path order) is kept. Every rejected file, message and voice is
// reported with its reason (bad messages: the first few per file and a count);
// the output is written atomically. The output's name decides its format: a
// .syx name gets what every .syx reader expects, 32-voice bulk dumps, not raw
// records that only this program would take for voices.
#include <CLI/CLI.hpp>
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli_io.hpp"
#include "commands.hpp"
#include "dxlatent/sysex/sysex.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"

namespace dxlatent::app {
namespace {

namespace fs = std::filesystem;

struct CollectOptions {
  std::vector<std::string> inputs;
  std::string output;
  std::string invalid = "drop";
  bool force = false;
};

bool wants_sysex(const std::string& output) {
  std::string ext = fs::path(output).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".syx";
}

// Bulk dumps one after another; the last is padded with INIT VOICE because a
// bulk dump always holds 32.
std::vector<std::uint8_t> bulk_dumps(const std::vector<Voice>& voices) {
  std::vector<std::uint8_t> out;
  for (std::size_t first = 0; first < voices.size(); first += sysex::kCartridgeVoices) {
    const auto dump = sysex::encode_bulk_dump(
        std::span<const Voice>(voices).subspan(first, std::min(sysex::kCartridgeVoices, voices.size() - first)), 0);
    out.insert(out.end(), dump.begin(), dump.end());
  }
  return out;
}

// Files named on the command line as they are; directories walked recursively,
// sorted so the result does not depend on the file system's order. Hidden
// entries (".git", editor leftovers) are skipped.
std::vector<fs::path> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    const fs::file_status st = fs::status(in, ec);
    if (ec || !fs::exists(st)) throw BadInput(in + ": offset 0: no such file or directory");
    if (!fs::is_directory(st)) {
      files.emplace_back(in);
      continue;
    }
    std::vector<fs::path> found;
    auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
    if (ec) throw BadInput(in + ": offset 0: cannot read directory: " + ec.message());
    for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
      if (ec) throw BadInput(in + ": offset 0: cannot read directory: " + ec.message());
      const std::string leaf = it->path().filename().string();
      if (!leaf.empty() && leaf[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// Keeps the first voice of each distinct sound (bytes 0..144); a 64-bit hash
// finds candidates, a byte comparison confirms them.
class Deduplicator {
 public:
  bool insert(const Voice& v) {
    const auto sound = v.sound();
    const XXH64_hash_t h = XXH3_64bits(sound.data(), sound.size());
    auto [first, last] = index_.equal_range(h);
    for (auto it = first; it != last; ++it)
      if (std::memcmp(kept_[it->second].bytes.data(), sound.data(), sound.size()) == 0) return false;
    index_.emplace(h, kept_.size());
    kept_.push_back(v);
    return true;
  }
  const std::vector<Voice>& kept() const { return kept_; }

 private:
  std::unordered_multimap<XXH64_hash_t, std::size_t> index_;
  std::vector<Voice> kept_;
};

void run_collect(const CollectOptions& opt) {
  const bool clamp = opt.invalid == "clamp";
  const std::vector<fs::path> files = expand_inputs(opt.inputs);
  check_output(opt.output, files, opt.force);
  std::FILE* report = report_stream(opt.output);
  std::size_t files_read = 0, files_rejected = 0, bad_messages = 0;
  std::size_t voices = 0, rejected = 0, clamped_count = 0, duplicates = 0;
  Deduplicator dedup;

  for (const fs::path& path : files) {
    VoiceFile file;
    try {
      file = read_voice_file(path);
    } catch (const VoiceFileError& e) {
      std::fprintf(stderr, "collect: rejected file %s\n", e.what());
      ++files_rejected;
      continue;
    }
    ++files_read;
    bad_messages += report_problems(file, "collect: rejected message ");
    std::size_t rejected_here = 0;
    for (const SourcedVoice& sv : file.voices) {
      ++voices;
      Voice v = sv.voice;
      const auto errors = validate(v);
      if (!errors.empty()) {
        if (!clamp) {
          ++rejected;
          if (++rejected_here > kKeptProblems) continue;
          std::string why;
          for (const RangeError& e : errors) why += (why.empty() ? "" : ", ") + e.describe();
          std::fprintf(stderr, "collect: rejected voice %s:%zu \"%s\": out of range: %s\n",
                       file.path.c_str(), sv.index + 1, v.display_name().c_str(), why.c_str());
          continue;
        }
        v = clamped(v);
        ++clamped_count;
      }
      if (!dedup.insert(v)) ++duplicates;
    }
    if (rejected_here > kKeptProblems)
      std::fprintf(stderr, "collect: %s: %s (out of range) not shown (the first %zu are above)\n", file.path.c_str(),
                   plural(rejected_here - kKeptProblems, "more rejected voice").c_str(), kKeptProblems);
  }

  std::fprintf(report, "files: %zu read, %zu rejected (not voice files), %s rejected\n", files_read, files_rejected,
               plural(bad_messages, "bad message").c_str());
  std::fprintf(report, "voices: %zu read, %zu rejected (out of range), %zu clamped, %s, %zu unique\n", voices,
               rejected, clamped_count, plural(duplicates, "duplicate").c_str(), dedup.kept().size());
  const std::vector<Voice>& kept = dedup.kept();
  if (kept.empty()) throw BadInput("no usable voice found; " + opt.output + " not written");
  const util::WriteOptions write{opt.force};
  try {
    if (wants_sysex(opt.output)) {
      const auto bytes = bulk_dumps(kept);
      util::write_file_atomically(opt.output, bytes, write);
      const std::size_t dumps = bytes.size() / sysex::kBulkDumpBytes;
      const std::size_t padding = dumps * sysex::kCartridgeVoices - kept.size();
      std::fprintf(report, "wrote %s (%zu bytes) to %s as %s%s\n", plural(kept.size(), "voice").c_str(),
                   bytes.size(), opt.output.c_str(), plural(dumps, "32-voice bulk dump").c_str(),
                   padding ? (", the last padded with " + plural(padding, "INIT VOICE", "INIT VOICEs")).c_str() : "");
    } else {
      write_packed_file(opt.output, kept, write);
      std::fprintf(report, "wrote %s (%zu bytes) to %s as packed 128-byte records\n",
                   plural(kept.size(), "voice").c_str(), kept.size() * kPackedVoiceBytes, opt.output.c_str());
    }
  } catch (const util::FileError& e) {
    throw BadInput(e.what());
  }
}

}  // namespace

void register_collect(CLI::App& app) {
  auto opt = std::make_shared<CollectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "collect", "Build a de-duplicated corpus (128 x N packed voices) from voice files and folders");
  cmd->add_option("inputs", opt->inputs, "voice files and folders (searched recursively)")->required();
  cmd->add_option("-o,--output", opt->output,
                  "the corpus to write (atomically): packed 128-byte records (collection.bin's layout), or "
                  "32-voice SysEx bulk dumps when the name ends in .syx; - for standard output; never one of "
                  "the inputs")
      ->required();
  add_force_option(*cmd, opt->force);
  cmd->add_option("--invalid", opt->invalid,
                  "voices with out-of-range fields: drop them (default) or clamp them into range")
      ->check(CLI::IsMember({"drop", "clamp"}));
  cmd->callback([opt] { run_collect(*opt); });
}

}  // namespace dxlatent::app
