// `dxlatent render FILE[:SLOT]... (-o DIR | --reel FILE.wav | --stats)`: voices
// to audio with Debian's hexter DSSI plugin, and statistics of the renders.
//
// Each voice is rendered once per --note x --velocity: the note held for --hold
// seconds, then released for --release seconds, at --rate. Renders are
// repeatable (same voice, same samples, whatever came before; see
// dxlatent/render/hexter_renderer.hpp) and run in --jobs worker processes whose
// results come back in input order, so the output does not depend on --jobs.
// --stats measures each render (dxlatent/render/audio_stats.hpp) and compares
// the set with a reference set: by default a seeded sample of the corpus's valid
// voices, rendered the same way (--reference none skips it).
// Thread: the main thread; the parallelism is in forked processes.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>
#include <unistd.h>

#include "commands.hpp"
#include "dxlatent/render/audio_stats.hpp"
#include "dxlatent/render/hexter_renderer.hpp"
#include "dxlatent/render/render_pool.hpp"
#include "dxlatent/render/wav_file.hpp"
#include "dxlatent/util/atomic_file.hpp"
#include "dxlatent/voice/voice_file.hpp"
#include "progress.hpp"

namespace dxlatent::app {
namespace {

namespace fs = std::filesystem;
using namespace dxlatent::render;

struct RenderOptions {
  std::vector<std::string> inputs;
  std::string format = "auto";
  std::string out_dir;
  std::string reel;
  double gap = 0.5;
  std::vector<int> notes{60};
  std::vector<int> velocities{100};
  unsigned rate = 44100;
  double hold = 1.0;
  double release = 1.0;
  bool stats = false;
  std::string stats_csv;
  std::string reference;  // empty: the corpus when found; "none": no reference
  std::size_t reference_voices = 3000;
  unsigned jobs = 0;      // 0: one per CPU
  std::string plugin;
};

struct Source {
  std::string file;
  std::size_t index;  // 0-based record within the file
  Voice voice;
};

VoiceFileFormat parse_format(const std::string& s) {
  if (s == "sysex") return VoiceFileFormat::SysEx;
  if (s == "packed") return VoiceFileFormat::Packed;
  if (s == "unpacked") return VoiceFileFormat::Unpacked;
  return VoiceFileFormat::Auto;
}

VoiceFile read_file(const std::string& path, VoiceFileFormat format) {
  try {
    VoiceFile f = read_voice_file(path, format);
    for (const FileProblem& p : f.problems) std::fprintf(stderr, "dxlatent: warning: %s\n", f.describe(p).c_str());
    return f;
  } catch (const VoiceFileError& e) {
    throw BadInput(e.what());
  }
}

// FILE (every voice) or FILE:SLOT (slot from 1). An existing path wins, so a
// file name with a colon still works.
void add_input(const std::string& arg, VoiceFileFormat format, std::vector<Source>& out) {
  std::optional<std::size_t> slot;
  std::string path = arg;
  if (!fs::exists(arg)) {
    const auto colon = arg.rfind(':');
    if (colon != std::string::npos && colon > 0 && colon + 1 < arg.size() &&
        arg.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      path = arg.substr(0, colon);
      slot = std::stoul(arg.substr(colon + 1));
      if (*slot == 0) throw CommandError(kExitUsage, "'" + arg + "': the slot must be a number from 1");
    }
  }
  const VoiceFile f = read_file(path, format);
  if (slot) {
    if (*slot > f.voices.size())
      throw BadInput(path + ": slot " + std::to_string(*slot) + " does not exist (the file has " +
                     std::to_string(f.voices.size()) + " voices)");
    const SourcedVoice& sv = f.voices[*slot - 1];
    out.push_back({path, sv.index, sv.voice});
    return;
  }
  for (const SourcedVoice& sv : f.voices) out.push_back({path, sv.index, sv.voice});
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// The voice name without its trailing blanks, for CSV and listings.
std::string trimmed_name(const Voice& v) {
  std::string n = v.name();
  while (!n.empty() && n.back() == ' ') n.pop_back();
  return n;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// A file name for a voice: its ordinal, its name (letters, digits, - and _), note, velocity.
std::string wav_name(std::size_t ordinal, const Voice& v, int note, int velocity) {
  std::string name;
  for (char c : v.name()) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  while (!name.empty() && name.back() == '_') name.pop_back();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%05zu-", ordinal);
  return buf + (name.empty() ? std::string("voice") : name) + "-n" + std::to_string(note) + "-v" +
         std::to_string(velocity) + ".wav";
}

// The corpus next to the repository: ../shared/data/collection.bin from the
// current directory, or from the repository that holds this build (bin/ is
// <repo>/build/<preset>/bin).
std::optional<fs::path> find_corpus() {
  std::vector<fs::path> places{fs::path("..") / "shared" / "data" / "collection.bin"};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) places.push_back(exe.parent_path() / ".." / ".." / ".." / ".." / "shared" / "data" / "collection.bin");
  for (const fs::path& p : places)
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p, ec);
  return std::nullopt;
}

std::string summary_line(const std::string& label, const SetSummary& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-10s %8zu  %6.2f%%  %6.1f (%6.1f, %6.1f)  %6.0f (%5.0f, %5.0f)  %zu", label.c_str(),
                s.count, 100.0 * s.silent_share, s.rms_dbfs.median, s.rms_dbfs.p10, s.rms_dbfs.p90,
                s.centroid_hz.median, s.centroid_hz.p10, s.centroid_hz.p90, s.with_nonfinite);
  return buf;
}

std::vector<RenderJob> make_jobs(const std::vector<Source>& voices, const RenderOptions& opt) {
  std::vector<RenderJob> jobs;
  jobs.reserve(voices.size() * opt.notes.size() * opt.velocities.size());
  for (const Source& s : voices)
    for (int n : opt.notes)
      for (int v : opt.velocities)
        jobs.push_back({s.voice, NoteSpec{std::uint8_t(n), std::uint8_t(v), opt.hold, opt.release}});
  return jobs;
}

SetSummary render_reference(RenderPool& pool, const fs::path& corpus, const RenderOptions& opt) {
  const VoiceFile f = read_file(corpus.string(), VoiceFileFormat::Auto);
  std::vector<Source> valid;
  for (const SourcedVoice& sv : f.voices)
    if (is_valid(sv.voice)) valid.push_back({corpus.string(), sv.index, sv.voice});
  const std::size_t total_valid = valid.size();
  if (opt.reference_voices && opt.reference_voices < valid.size()) {
    // A fixed seed: the same reference every run, so two runs can be compared.
    std::mt19937_64 rng(0x5EED);
    std::shuffle(valid.begin(), valid.end(), rng);
    valid.resize(opt.reference_voices);
    std::sort(valid.begin(), valid.end(), [](const Source& a, const Source& b) { return a.index < b.index; });
  }
  std::printf("reference: %s, %zu of its %zu voices with every parameter in range\n", corpus.c_str(), valid.size(),
              total_valid);
  std::fflush(stdout);
  const auto jobs = make_jobs(valid, opt);
  std::vector<AudioStats> stats(jobs.size());
  Progress progress("reference", jobs.size());
  pool.run(jobs, false, [&](std::size_t i, RenderResult& r) {
    stats[i] = r.stats;
    progress.update(i + 1);
  });
  progress.finish();
  return summarize(stats);
}

void run_render(const RenderOptions& opt) {
  if (opt.out_dir.empty() && opt.reel.empty() && !opt.stats && opt.stats_csv.empty())
    throw CommandError(kExitUsage, "nothing to do: give -o DIR, --reel FILE.wav or --stats");
  if (opt.hold < 0 || opt.release < 0 || opt.hold + opt.release <= 0)
    throw CommandError(kExitUsage, "--hold and --release must be >= 0 and not both 0");

  const VoiceFileFormat format = parse_format(opt.format);
  std::vector<Source> voices;
  for (const std::string& in : opt.inputs) add_input(in, format, voices);
  if (voices.empty()) throw BadInput("no voices in the input");
  const std::size_t out_of_range =
      std::count_if(voices.begin(), voices.end(), [](const Source& s) { return !is_valid(s.voice); });
  if (out_of_range)
    std::fprintf(stderr, "dxlatent: warning: %zu voice(s) have out-of-range fields: rendered clamped to their ranges\n",
                 out_of_range);

  std::unique_ptr<HexterRenderer> renderer;
  try {
    renderer = std::make_unique<HexterRenderer>(opt.plugin, opt.rate);
  } catch (const RenderError& e) {
    throw BadInput(e.what());
  }
  if (!renderer->repeatable())
    std::fprintf(stderr, "dxlatent: warning: %s: could not zero the plugin's voice memory; renders may depend on "
                 "earlier ones\n", renderer->plugin_path().c_str());
  RenderPool pool(*renderer, opt.jobs ? opt.jobs : RenderPool::default_workers());

  const auto jobs = make_jobs(voices, opt);
  const std::size_t per_voice = opt.notes.size() * opt.velocities.size();
  const bool want_stats = opt.stats || !opt.stats_csv.empty();
  const bool want_audio = !opt.out_dir.empty() || !opt.reel.empty();

  if (!opt.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(opt.out_dir, ec);
    if (ec) throw BadInput(opt.out_dir + ": cannot create the folder: " + ec.message());
  }
  std::unique_ptr<WavWriter> reel;
  if (!opt.reel.empty()) reel = std::make_unique<WavWriter>(opt.reel, opt.rate);
  const auto gap = static_cast<std::size_t>(std::llround(opt.gap * opt.rate));

  std::string annotations = "wav,file,index,name,note,velocity,start_sample,end_sample\n";
  std::string stats_csv = "index,name,note,velocity,rms_dbfs,peak_dbfs,centroid_hz,silent,nonfinite,file\n";
  const bool print_rows = opt.stats && opt.stats_csv.empty();
  if (print_rows)
    std::printf("%-6s %-12s %4s %4s %9s %9s %9s %6s %9s\n", "index", "name", "note", "vel", "rms_dbfs", "peak_dbfs",
                "centroid", "silent", "nonfinite");
  std::vector<AudioStats> stats(jobs.size());

  Progress progress("render", jobs.size());
  try {
    pool.run(jobs, want_audio, [&](std::size_t i, RenderResult& r) {
      const Source& src = voices[i / per_voice];
      const int note = jobs[i].note.note, velocity = jobs[i].note.velocity;
      const std::string name = trimmed_name(src.voice);
      stats[i] = r.stats;
      if (!opt.out_dir.empty()) {
        const std::string file = wav_name(i / per_voice + 1, src.voice, note, velocity);
        write_wav(fs::path(opt.out_dir) / file, r.samples, opt.rate);
        annotations += csv_field(file) + "," + csv_field(src.file) + "," + std::to_string(src.index) + "," +
                       csv_field(name) + "," + std::to_string(note) + "," + std::to_string(velocity) + ",0," +
                       std::to_string(r.samples.size()) + "\n";
      }
      if (reel) {
        if (i > 0) reel->append_silence(gap);
        const std::size_t start = reel->frames();
        reel->append(r.samples);
        if (opt.out_dir.empty())
          annotations += csv_field(fs::path(opt.reel).filename().string()) + "," + csv_field(src.file) + "," +
                         std::to_string(src.index) + "," + csv_field(name) + "," + std::to_string(note) + "," +
                         std::to_string(velocity) + "," + std::to_string(start) + "," +
                         std::to_string(reel->frames()) + "\n";
      }
      if (want_stats) {
        const AudioStats& s = r.stats;
        stats_csv += std::to_string(src.index) + "," + csv_field(name) + "," + std::to_string(note) + "," +
                     std::to_string(velocity) + "," + fmt("%.3f", s.rms_dbfs) + "," + fmt("%.3f", s.peak_dbfs) + "," +
                     fmt("%.1f", s.centroid_hz) + "," + (s.silent ? "1" : "0") + "," + std::to_string(s.nonfinite) +
                     "," + csv_field(src.file) + "\n";
        if (print_rows)
          std::printf("%-6zu %-12s %4d %4d %9.2f %9.2f %9.1f %6s %9zu\n", src.index, ("\"" + name + "\"").c_str(), note,
                      velocity, s.rms_dbfs, s.peak_dbfs, s.centroid_hz, s.silent ? "yes" : "no", s.nonfinite);
      }
      progress.update(i + 1);
    });
    progress.finish();
    if (reel) reel->close();
  } catch (const WavError& e) {
    throw BadInput(e.what());
  } catch (const RenderError& e) {
    throw BadInput(e.what());
  }

  try {
    if (!opt.out_dir.empty()) {
      util::write_file_atomically(fs::path(opt.out_dir) / "render.csv", annotations);
      std::printf("wrote %zu WAV file(s) and render.csv to %s\n", jobs.size(), opt.out_dir.c_str());
    }
    if (reel) {
      const fs::path side = fs::path(opt.reel).replace_extension(".csv");
      if (opt.out_dir.empty()) util::write_file_atomically(side, annotations);
      std::printf("wrote the reel %s (%zu renders, %.1f s)%s\n", opt.reel.c_str(), jobs.size(),
                  double(reel->frames()) / opt.rate, opt.out_dir.empty() ? (" and " + side.string()).c_str() : "");
    }
    if (!opt.stats_csv.empty()) util::write_file_atomically(opt.stats_csv, stats_csv);
  } catch (const util::FileError& e) {
    throw BadInput(e.what());
  }
  if (!want_stats) return;

  const SetSummary set = summarize(stats);
  std::optional<SetSummary> ref;
  if (opt.reference != "none") {
    std::optional<fs::path> corpus;
    if (!opt.reference.empty()) corpus = opt.reference;
    else corpus = find_corpus();
    if (corpus) {
      try {
        ref = render_reference(pool, *corpus, opt);
      } catch (const RenderError& e) {
        throw BadInput(e.what());
      }
    } else {
      std::printf("reference: none (no corpus at ../shared/data/collection.bin; give --reference FILE)\n");
    }
  }
  std::printf("summary: %zu render(s) of %zu voice(s): note(s)", jobs.size(), voices.size());
  for (int n : opt.notes) std::printf(" %d", n);
  std::printf(", velocity(ies)");
  for (int v : opt.velocities) std::printf(" %d", v);
  std::printf(", %g s held + %g s release, %u Hz\n", opt.hold, opt.release, opt.rate);
  std::printf("summary: centroid over non-silent renders only; silent = RMS < %g dBFS\n", kSilentDbfs);
  std::printf("%-10s %8s  %7s  %-22s  %-21s  %s\n", "set", "renders", "silent", "RMS dBFS med (p10, p90)",
              "centroid Hz med (p10, p90)", "non-finite");
  std::printf("%s\n", summary_line("this", set).c_str());
  if (ref) std::printf("%s\n", summary_line("reference", *ref).c_str());
}

}  // namespace

void register_render(CLI::App& app) {
  auto opt = std::make_shared<RenderOptions>();
  CLI::App* cmd = app.add_subcommand("render", "Render voices to WAV with the hexter DX7 plugin, and measure them");
  cmd->footer(
      "Example:\n"
      "  dxlatent render rom1a.syx -o wav/ --note 48 --note 60 --velocity 64,127\n"
      "  dxlatent render rom1a.syx:11 --reel epiano.wav --hold 2\n"
      "  dxlatent render voices.bin --stats --stats-csv out.csv --reference none\n"
      "Needs Debian's hexter (sudo apt-get install hexter); DXLATENT_HEXTER or --plugin names another hexter.so.\n"
      "Exit codes: 0 ok, 1 bad input or hexter missing, 2 usage.");
  cmd->add_option("inputs", opt->inputs,
                  "voice files (.syx, packed 128 x N, unpacked 155 x N) or FILE:SLOT (slot from 1)")
      ->required();
  cmd->add_option("--format", opt->format, "input layout (default: detect)")
      ->check(CLI::IsMember({"auto", "sysex", "packed", "unpacked"}));
  cmd->add_option("-o,--output", opt->out_dir, "write one WAV per render here, with render.csv (annotations)");
  cmd->add_option("--reel", opt->reel, "write every render into this one WAV, in order, and FILE.csv (annotations)");
  cmd->add_option("--gap", opt->gap, "silence between renders in the reel, seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_option("--note", opt->notes, "MIDI note(s), 0..127 (repeat or comma-separate for several)")
      ->capture_default_str()
      ->delimiter(',')
      ->check(CLI::Range(0, 127));
  cmd->add_option("--velocity", opt->velocities, "velocity(ies), 1..127")
      ->capture_default_str()
      ->delimiter(',')
      ->check(CLI::Range(1, 127));
  cmd->add_option("--rate", opt->rate, "sample rate, Hz")->capture_default_str()->check(CLI::Range(8000u, 384000u));
  cmd->add_option("--hold", opt->hold, "seconds the note is held")->capture_default_str()->check(CLI::Range(0.0, 600.0));
  cmd->add_option("--release", opt->release, "seconds rendered after the note-off")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  cmd->add_flag("--stats", opt->stats,
                "print each render's RMS, peak, spectral centroid, silent, non-finite samples and a summary");
  cmd->add_option("--stats-csv", opt->stats_csv,
                  "write the per-render stats here instead of printing them (index = record in its file, from 0)");
  cmd->add_option("--reference", opt->reference,
                  "voice file to compare the summary with, or 'none' (default: ../shared/data/collection.bin when "
                  "present; only voices with every parameter in range)");
  cmd->add_option("--reference-voices", opt->reference_voices,
                  "render a seeded random sample of this many reference voices (0: all of them)")
      ->capture_default_str();
  cmd->add_option("-j,--jobs", opt->jobs, "worker processes (default: one per CPU, now " +
                                              std::to_string(RenderPool::default_workers()) + ")")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("--plugin", opt->plugin,
                  "hexter.so to load (default: $DXLATENT_HEXTER, else /usr/lib/dssi/hexter.so)");
  cmd->callback([opt] { run_render(*opt); });
}

}  // namespace dxlatent::app
