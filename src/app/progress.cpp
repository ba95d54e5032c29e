#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace dxlatent::app {

Progress::Progress(std::string label, std::size_t total, std::size_t quiet_below)
    : label_(std::move(label)),
      total_(total),
      enabled_(total >= quiet_below && total > 0),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(std::size_t done) {
  if (!enabled_ || finished_) return;
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const int percent = static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total_));
  if (tty_) {
    if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r%s: %3d%% (%zu/%zu, %.1f s)", label_.c_str(), percent, done, total_, seconds);
    std::fflush(stderr);
  } else if (percent / 10 > last_decile_) {
    last_decile_ = percent / 10;
    std::fprintf(stderr, "%s: %d%% (%zu/%zu, %.1f s)\n", label_.c_str(), last_decile_ * 10, done, total_, seconds);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_ && tty_) std::fprintf(stderr, "\n");
}

}  // namespace dxlatent::app
