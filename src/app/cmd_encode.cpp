// `dxlatent encode FILE... [--format csv|json] [--clamp] [-o OUT]`: the latent
// point (zK of the posterior mean) of every voice of the given files. Voices with
// an out-of-range field cannot be encoded: each is reported on stderr with its
// file, slot and field (the first 20, then a count) and the exit status is 1,
// but every other voice is still written; --clamp encodes them clamped instead.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "model_tool.hpp"
#include "progress.hpp"

namespace dxlatent::app {
namespace {

constexpr std::size_t kChunk = 512;

struct EncodeOptions {
  std::vector<std::string> files;
  std::string format = "csv";
  std::string out = "-";
  bool clamp = false;
  bool force = false;
  ModelOptions model;
};

constexpr std::size_t kReportedVoices = 20;

struct Row {
  std::string file;
  std::size_t slot;
  std::string name;
  Latent z;
};

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string json_string(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      q += '\\';
      q += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      q += buf;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

std::string number(float x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", static_cast<double>(x));
  return buf;
}

std::string render(const std::vector<Row>& rows, bool json) {
  std::string s;
  if (!json) {
    s = "file,slot,name,z1,z2,z3,z4,z5,z6,z7,z8\n";
    for (const Row& r : rows) {
      s += csv_field(r.file) + "," + std::to_string(r.slot) + "," + csv_field(r.name);
      for (float x : r.z) s += "," + number(x);
      s += "\n";
    }
    return s;
  }
  s = "[\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    s += "  {\"file\": " + json_string(r.file) + ", \"slot\": " + std::to_string(r.slot) +
         ", \"name\": " + json_string(r.name) + ", \"z\": [";
    for (std::size_t d = 0; d < kLatentDims; ++d) s += (d ? ", " : "") + number(r.z[d]);
    s += i + 1 < rows.size() ? "]},\n" : "]}\n";
  }
  return s + "]\n";
}

void run_encode(const EncodeOptions& opt) {
  // Read everything first: a bad file is reported before the model is loaded.
  struct Pending {
    std::string file;
    std::size_t slot;
    Voice voice;
  };
  std::vector<Pending> todo;
  std::size_t failures = 0, bad_voices = 0, clamped_voices = 0;
  check_output(opt.out, {opt.files.begin(), opt.files.end()}, opt.force);
  for (const std::string& path : opt.files) {
    VoiceFile file;
    try {
      file = read_voice_file(path);
    } catch (const VoiceFileError& e) {
      std::fprintf(stderr, "dxlatent: %s\n", e.what());
      ++failures;
      continue;
    }
    failures += report_problems(file, "dxlatent: ");
    for (const SourcedVoice& sv : file.voices) {
      const auto errors = validate(sv.voice);
      if (!errors.empty() && errors.front().offset < kSoundParams) {
        if (opt.clamp) {
          ++clamped_voices;
          todo.push_back({path, sv.index + 1, clamped(sv.voice)});
          continue;
        }
        ++failures;
        if (++bad_voices <= kReportedVoices)
          std::fprintf(stderr, "dxlatent: %s:%zu \"%s\": not encoded, %s (--clamp encodes it clamped)\n",
                       path.c_str(), sv.index + 1, sv.voice.name().c_str(), errors.front().describe().c_str());
        continue;
      }
      todo.push_back({path, sv.index + 1, sv.voice});
    }
  }
  if (bad_voices > kReportedVoices)
    std::fprintf(stderr, "dxlatent: ... %s not encoded\n", plural(bad_voices - kReportedVoices, "more voice").c_str());
  if (clamped_voices)
    std::fprintf(stderr, "dxlatent: %s with out-of-range fields encoded clamped\n",
                 plural(clamped_voices, "voice").c_str());
  if (todo.empty() && failures) throw CommandError(kExitBadInput, "");

  auto decoder = load_decoder(opt.model);
  std::vector<Row> rows;
  rows.reserve(todo.size());
  Progress progress("encode", todo.size());
  std::vector<Voice> chunk;
  for (std::size_t at = 0; at < todo.size(); at += kChunk) {
    chunk.clear();
    for (std::size_t i = at; i < std::min(todo.size(), at + kChunk); ++i) chunk.push_back(todo[i].voice);
    const auto zs = decoder->encode_batch(chunk);
    for (std::size_t i = 0; i < zs.size(); ++i)
      rows.push_back({todo[at + i].file, todo[at + i].slot, todo[at + i].voice.name(), zs[i]});
    progress.update(rows.size());
  }
  progress.finish();

  const std::string text = render(rows, opt.format == "json");
  try {
    util::write_file_atomically(opt.out, text, util::WriteOptions{opt.force});
  } catch (const util::FileError& e) {
    throw BadInput(e.what());
  }
  if (opt.out != "-")
    std::fprintf(stderr, "dxlatent: wrote %s to %s\n", plural(rows.size(), "latent point").c_str(), opt.out.c_str());
  if (failures)
    throw CommandError(kExitBadInput,
                       plural(failures, "voice or message", "voices or messages") + " could not be encoded (see above)");
}

}  // namespace

void register_encode(CLI::App& app) {
  auto opt = std::make_shared<EncodeOptions>();
  CLI::App* cmd = app.add_subcommand("encode", "The latent coordinates of every voice of the given files");
  cmd->add_option("files", opt->files, "voice files (.syx, packed or unpacked)")->required();
  cmd->add_option("--format", opt->format, "output format")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("-o,--output", opt->out, "output file; - (the default) for standard output; never one of the inputs");
  add_force_option(*cmd, opt->force);
  cmd->add_flag("--clamp", opt->clamp, "encode voices with out-of-range fields clamped into range (default: skip them, exit 1)");
  add_model_options(*cmd, opt->model);
  cmd->callback([opt] { run_encode(*opt); });
}

}  // namespace dxlatent::app
