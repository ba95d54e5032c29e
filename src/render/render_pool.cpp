#include "dxlatent/render/render_pool.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>

namespace dxlatent::render {
namespace {

// What a worker writes per job: a header, then `samples` floats or `error_bytes` of message.
struct WireHeader {
  std::uint64_t index;
  std::uint64_t samples;
  std::uint64_t error_bytes;
  double rms_dbfs, peak_dbfs, centroid_hz;
  std::uint64_t nonfinite;
  std::uint8_t silent;
};

bool write_all(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  while (n) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

RenderResult render_one(HexterRenderer& renderer, AudioAnalyzer& analyzer, const RenderJob& job, bool keep) {
  RenderResult r;
  r.samples = renderer.render_note(job.voice, job.note);
  const auto held = static_cast<std::size_t>(std::llround(double(renderer.sample_rate()) * std::max(0.0, job.note.hold_s)));
  r.stats = analyzer.analyze(r.samples, renderer.sample_rate(), held);
  if (!keep) std::vector<float>().swap(r.samples);
  return r;
}

// The body of worker `w` of `n`: never returns.
[[noreturn]] void worker_main(HexterRenderer& renderer, std::span<const RenderJob> jobs, bool keep, unsigned w,
                              unsigned n, int fd) {
  int code = 0;
  try {
    AudioAnalyzer analyzer;
    for (std::size_t i = w; i < jobs.size(); i += n) {
      WireHeader h{};
      h.index = i;
      std::string error;
      RenderResult r;
      try {
        r = render_one(renderer, analyzer, jobs[i], keep);
      } catch (const std::exception& e) {
        error = e.what();
      }
      h.samples = r.samples.size();
      h.error_bytes = error.size();
      h.rms_dbfs = r.stats.rms_dbfs;
      h.peak_dbfs = r.stats.peak_dbfs;
      h.centroid_hz = r.stats.centroid_hz;
      h.nonfinite = r.stats.nonfinite;
      h.silent = r.stats.silent;
      if (!write_all(fd, &h, sizeof h) || !write_all(fd, error.data(), error.size()) ||
          !write_all(fd, r.samples.data(), r.samples.size() * sizeof(float))) {
        code = 1;  // the parent stopped reading
        break;
      }
    }
  } catch (...) {
    code = 1;
  }
  ::close(fd);
  ::_exit(code);  // no atexit handlers, no stdio flush of the parent's buffers
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
};

// Stops (if still running) and reaps every worker.
void stop_all(std::vector<Worker>& workers) {
  for (Worker& w : workers)
    if (w.fd >= 0) {
      ::close(w.fd);  // a worker still writing gets EPIPE/SIGPIPE and ends
      w.fd = -1;
    }
  for (Worker& w : workers)
    if (w.pid > 0) {
      ::kill(w.pid, SIGTERM);
      while (::waitpid(w.pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      w.pid = -1;
    }
}

}  // namespace

unsigned RenderPool::default_workers() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1u;
}

RenderPool::RenderPool(HexterRenderer& renderer, unsigned workers)
    : renderer_(renderer), workers_(workers ? workers : 1) {}

void RenderPool::run(std::span<const RenderJob> jobs, bool keep_samples,
                     const std::function<void(std::size_t, RenderResult&)>& done) {
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(workers_, jobs.size()));
  if (n <= 1) {
    AudioAnalyzer analyzer;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      RenderResult r = render_one(renderer_, analyzer, jobs[i], keep_samples);
      done(i, r);
    }
    return;
  }

  std::fflush(nullptr);  // nothing buffered is written twice by a child
  std::vector<Worker> workers(n);
  try {
    for (unsigned w = 0; w < n; ++w) {
      int fds[2];
      if (::pipe(fds) != 0) throw RenderError(std::string("pipe: ") + std::strerror(errno));
      const pid_t pid = ::fork();
      if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw RenderError(std::string("fork: ") + std::strerror(errno));
      }
      if (pid == 0) {
        ::close(fds[0]);
        for (unsigned o = 0; o < w; ++o) ::close(workers[o].fd);
        worker_main(renderer_, jobs, keep_samples, w, n, fds[1]);
      }
      ::close(fds[1]);
      workers[w] = {pid, fds[0]};
    }

    RenderResult r;
    std::string error;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      Worker& w = workers[i % n];
      WireHeader h{};
      bool ok = read_all(w.fd, &h, sizeof h) && h.index == i;
      error.resize(ok ? h.error_bytes : 0);
      r.samples.resize(ok ? h.samples : 0);
      ok = ok && read_all(w.fd, error.data(), error.size()) &&
           read_all(w.fd, r.samples.data(), r.samples.size() * sizeof(float));
      if (!ok) {
        int status = 0;
        std::string why = "it stopped";
        if (::waitpid(w.pid, &status, 0) == w.pid) {
          w.pid = -1;
          if (WIFSIGNALED(status)) why = std::string("it was killed by signal ") + strsignal(WTERMSIG(status));
          else if (WIFEXITED(status)) why = "it exited with status " + std::to_string(WEXITSTATUS(status));
        }
        throw RenderError("render worker " + std::to_string(i % n + 1) + " of " + std::to_string(n) +
                          " failed at job " + std::to_string(i + 1) + ": " + why);
      }
      if (!error.empty()) throw RenderError("job " + std::to_string(i + 1) + ": " + error);
      r.stats = {h.rms_dbfs, h.peak_dbfs, h.centroid_hz, h.silent != 0, static_cast<std::size_t>(h.nonfinite)};
      done(i, r);
    }
  } catch (...) {
    stop_all(workers);
    throw;
  }
  stop_all(workers);
}

}  // namespace dxlatent::render
