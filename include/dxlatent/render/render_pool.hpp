#pragma once
// Renders many voices on several cores: one forked worker process per core.
// Processes, not threads, because hexter's sample-and-hold LFO draws from the
// process-wide rand(): two renders on two threads would interleave its sequence
// and neither would be repeatable. Worker w renders jobs w, w + N, w + 2N, ...
// and the parent reads the results back in input order, so the output does not
// depend on the number of workers or on timing.
// Thread safety: run() on one thread at a time, never the JACK thread. Fork
// only from a process whose other threads hold no locks the worker needs: the
// CLI's render command is single-threaded; a process that runs LibTorch or a
// JACK client should use one worker (in-process, no fork).

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "dxlatent/render/audio_stats.hpp"
#include "dxlatent/render/hexter_renderer.hpp"

namespace dxlatent::render {

struct RenderJob {
  Voice voice;
  NoteSpec note;
};

struct RenderResult {
  AudioStats stats;            ///< held part = the note's hold time
  std::vector<float> samples;  ///< only when run() is asked to keep them
};

class RenderPool {
 public:
  /// The number of online CPUs (at least 1). Any thread.
  static unsigned default_workers();

  /// Renders with `renderer` (its plugin and rate) in `workers` processes; 1
  /// renders in this process. The renderer must outlive the pool. Any non-JACK thread.
  RenderPool(HexterRenderer& renderer, unsigned workers);

  /// Renders every job and calls done(i, result) for i = 0, 1, 2, ... in order,
  /// on the calling thread, as results arrive. Throws RenderError when a worker
  /// fails or dies (naming the job), or whatever `done` throws; either way every
  /// worker has been stopped and reaped when it returns. The owning thread.
  void run(std::span<const RenderJob> jobs, bool keep_samples,
           const std::function<void(std::size_t, RenderResult&)>& done);

  unsigned workers() const { return workers_; }  ///< any thread

 private:
  HexterRenderer& renderer_;
  unsigned workers_;
};

}  // namespace dxlatent::render
