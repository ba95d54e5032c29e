#pragma once
// A progress indicator for long offline runs (sampling 65,536 voices, encoding a
// corpus). On a terminal it redraws one stderr line at most ten times a second;
// otherwise (a log, a pipe) it prints a plain line every 10%, so logs stay short.
// Thread: the thread that runs the command (not thread-safe).

#include <chrono>
#include <cstddef>
#include <string>

namespace dxlatent::app {

class Progress {
 public:
  /// Nothing is shown for runs of fewer than `quiet_below` items.
  Progress(std::string label, std::size_t total, std::size_t quiet_below = 2048);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(std::size_t done);
  /// Ends the line on a terminal. Called by the destructor if not before.
  void finish();

 private:
  std::string label_;
  std::size_t total_;
  bool enabled_;
  bool tty_;
  bool finished_ = false;
  int last_decile_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace dxlatent::app
