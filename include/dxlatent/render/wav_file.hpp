#pragma once
// Mono WAV files through libsndfile: 24-bit PCM (plays everywhere), samples
// clipped to [-1, 1] rather than wrapped. Thread safety: any thread but the JACK
// process thread (file I/O); one file per call.

#include <filesystem>
#include <span>
#include <stdexcept>
#include <vector>

namespace dxlatent::render {

class WavError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A mono WAV written piece by piece (an audition reel of thousands of voices
/// need not fit in memory). Written to PATH.tmp, renamed to PATH by close().
/// Thread: the one that owns it.
class WavWriter {
 public:
  WavWriter(const std::filesystem::path& path, unsigned rate);  ///< throws WavError
  ~WavWriter();  ///< without close(): removes the temporary file
  WavWriter(const WavWriter&) = delete;
  WavWriter& operator=(const WavWriter&) = delete;
  void append(std::span<const float> samples);  ///< throws WavError
  void append_silence(std::size_t frames);      ///< throws WavError
  std::size_t frames() const { return frames_; }
  void close();  ///< finishes the file and renames it into place; throws WavError

 private:
  std::filesystem::path path_, tmp_;
  void* file_ = nullptr;  // SNDFILE*
  std::size_t frames_ = 0;
};

/// Writes `samples` as a mono WAV at `rate`. Written to PATH.tmp and renamed, so
/// a reader never sees half a file. Throws WavError naming the file.
void write_wav(const std::filesystem::path& path, std::span<const float> samples, unsigned rate);

struct WavData {
  unsigned rate = 0;
  int channels = 0;
  std::vector<float> samples;  ///< interleaved
};
/// Reads any file libsndfile can. Throws WavError naming the file.
WavData read_wav(const std::filesystem::path& path);

}  // namespace dxlatent::render
