#include "fault_rig.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

namespace dxlatent::testing {

std::filesystem::path tiny_model() { return wrong_model("valid_tiny"); }

std::filesystem::path wrong_model(const std::string& name) {
  return std::filesystem::path(DXLATENT_WRONG_MODELS_DIR) / (name + ".pt");
}

std::filesystem::path fresh_dir(const std::string& tag) {
  static std::atomic<int> n{0};
  const auto dir = std::filesystem::temp_directory_path() /
                   ("dxlatent-fault-" + tag + "-" + std::to_string(::getpid()) + "-" +
                    std::to_string(n++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string RunConfig::text() const {
  auto q = [](const std::string& s) { return "\"" + s + "\""; };
  std::string t;
  t += "[jack]\nclient_name = " + q(client) + "\nconnect_controller = " + q(connect_controller) +
       "\nconnect_synth = " + q(connect_synth) + "\nthru = " + (thru ? "true" : "false") + "\n";
  t += "[control]\nchannel = " + std::to_string(control_channel) +
       "\nccs = " + ccs + "\n" + control_extra;
  t += "[model]\npath = " + q(model.string()) + "\n";
  t += "[output]\nkind = " + q(output_kind) + "\nmode = " + q(mode) + "\npacing = " + q(pacing) + "\n";
  if (output_kind == "midi-port") t += "port = " + q(output_port) + "\napi = " + q(output_api) + "\n";
  t += "[state]\ndir = " + q(state_dir.string()) + "\n";
  return t + extra;
}

std::filesystem::path dxlatent_bin() { return DXLATENT_BIN; }

std::filesystem::path shipped_model() {
  return std::filesystem::path(DXLATENT_SOURCE_DIR) / "models" / "dxlatent-vae.pt";
}

std::unique_ptr<ChildProcess> start_dxlatent(const RunConfig& config, const std::filesystem::path& dir,
                                             std::vector<std::string> env) {
  const auto cfg = dir / "dxlatent.toml";
  std::ofstream(cfg) << config.text();
  env.push_back("OPENBLAS_NUM_THREADS=1");
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{DXLATENT_BIN, "run", "--config", cfg.string()},
      (dir / "dxlatent.log").string(), env);
}

bool wait_for_connection(const std::string& src, const std::string& dst,
                         std::chrono::milliseconds timeout) {
  return wait_until([&] {
    FILE* p = ::popen("jack_lsp -c 2>/dev/null", "r");
    if (!p) return false;
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    // jack_lsp -c: a port name at the line start, then its connections indented.
    const auto at = out.find("\n" + src + "\n");
    if (at == std::string::npos && out.rfind(src + "\n", 0) != 0) return false;
    std::size_t line = at == std::string::npos ? src.size() + 1 : at + src.size() + 2;
    while (line < out.size() && out[line] == ' ') {
      const auto end = out.find('\n', line);
      if (out.substr(line, end - line).find(dst) != std::string::npos) return true;
      line = end + 1;
    }
    return false;
  }, timeout);
}

bool is_voice_dump(const std::vector<std::uint8_t>& m) {
  return m.size() >= 6 && m[0] == 0xF0 && m[1] == 0x43 && (m[2] & 0xF0) == 0x00 && m[3] == 0x00;
}

bool is_whole_voice_dump(const std::vector<std::uint8_t>& m) {
  if (m.size() != 163 || !is_voice_dump(m) || m[4] != 0x01 || m[5] != 0x1B || m[162] != 0xF7)
    return false;
  unsigned sum = 0;
  for (std::size_t i = 6; i < 161; ++i) {
    if (m[i] & 0x80) return false;
    sum += m[i];
  }
  return ((sum + m[161]) & 0x7F) == 0;
}

std::vector<std::vector<std::uint8_t>> voice_dumps(const std::vector<TestMidiMessage>& messages) {
  std::vector<std::vector<std::uint8_t>> dumps;
  for (const auto& m : messages) {
    auto d = m.data();
    if (is_voice_dump(d)) dumps.push_back(std::move(d));
  }
  return dumps;
}

bool wait_for_dumps(TestMidiClient& sink, std::size_t n, std::chrono::milliseconds timeout) {
  return wait_until([&] { return voice_dumps(sink.received()).size() >= n; }, timeout);
}

}  // namespace dxlatent::testing
