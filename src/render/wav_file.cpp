#include "dxlatent/render/wav_file.hpp"

#include <sndfile.h>

#include <algorithm>
#include <system_error>

namespace dxlatent::render {

WavWriter::WavWriter(const std::filesystem::path& path, unsigned rate)
    : path_(path), tmp_(path.string() + ".tmp") {
  SF_INFO info{};
  info.samplerate = static_cast<int>(rate);
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_24;
  SNDFILE* f = sf_open(tmp_.c_str(), SFM_WRITE, &info);
  if (!f) throw WavError(path_.string() + ": cannot write: " + sf_strerror(nullptr));
  sf_command(f, SFC_SET_CLIPPING, nullptr, SF_TRUE);  // clip, never wrap around
  file_ = f;
}

WavWriter::~WavWriter() {
  if (!file_) return;
  sf_close(static_cast<SNDFILE*>(file_));
  std::error_code ec;
  std::filesystem::remove(tmp_, ec);
}

void WavWriter::append(std::span<const float> samples) {
  if (!file_) throw WavError(path_.string() + ": already closed");
  auto* f = static_cast<SNDFILE*>(file_);
  const auto n = static_cast<sf_count_t>(samples.size());
  if (sf_writef_float(f, samples.data(), n) != n) throw WavError(path_.string() + ": write failed: " + sf_strerror(f));
  frames_ += samples.size();
}

void WavWriter::append_silence(std::size_t frames) {
  const std::vector<float> zeros(4096, 0.0f);
  while (frames) {
    const std::size_t n = std::min(frames, zeros.size());
    append(std::span<const float>(zeros.data(), n));
    frames -= n;
  }
}

void WavWriter::close() {
  if (!file_) return;
  const int rc = sf_close(static_cast<SNDFILE*>(file_));
  file_ = nullptr;
  std::error_code ec;
  if (rc != 0) {
    std::filesystem::remove(tmp_, ec);
    throw WavError(path_.string() + ": write failed: " + sf_error_number(rc));
  }
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    std::filesystem::remove(tmp_, ec);
    throw WavError(path_.string() + ": cannot rename the written file into place");
  }
}

void write_wav(const std::filesystem::path& path, std::span<const float> samples, unsigned rate) {
  WavWriter w(path, rate);
  w.append(samples);
  w.close();
}

WavData read_wav(const std::filesystem::path& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (!f) throw WavError(path.string() + ": cannot read: " + sf_strerror(nullptr));
  WavData d;
  d.rate = static_cast<unsigned>(info.samplerate);
  d.channels = info.channels;
  d.samples.resize(static_cast<std::size_t>(info.frames) * static_cast<std::size_t>(info.channels));
  const sf_count_t got = sf_readf_float(f, d.samples.data(), info.frames);
  sf_close(f);
  if (got != info.frames) throw WavError(path.string() + ": short read");
  return d;
}

}  // namespace dxlatent::render
