// progress.cpp: see progress.hpp.
#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli/cli_common.hpp"

namespace csvbloom::cli {

ProgressLine::ProgressLine(const BuildProgress& progress, bool wanted)
    : progress_(progress), start_(std::chrono::steady_clock::now()) {
  active_ = wanted && ::isatty(STDERR_FILENO);
  if (active_) thread_ = std::thread([this] { loop(); });
}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::finish() {
  if (!active_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // One last frame (100%), then erase the line for the summary: every run on
  // a terminal draws at least this frame, however short the build.
  draw();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  active_ = false;
}

std::string ProgressLine::render(const BuildProgress& p, double seconds, unsigned width) {
  const double done = static_cast<double>(p.bytes_done.load(std::memory_order_relaxed));
  const double rows = static_cast<double>(p.rows_done.load(std::memory_order_relaxed));
  const double total = static_cast<double>(p.bytes_total.load(std::memory_order_relaxed));
  const double rate = seconds > 0 ? done / seconds : 0;
  char buf[256];
  std::string s;
  if (total > 0) {
    const double pct = std::min(100.0, 100.0 * done / total);
    std::snprintf(buf, sizeof buf, "%s / %s (%.0f%%)", human_bytes(done).c_str(), human_bytes(total).c_str(), pct);
  } else {
    std::snprintf(buf, sizeof buf, "%s", human_bytes(done).c_str());
  }
  s += buf;
  std::snprintf(buf, sizeof buf, "  %s/s  %.1f M rows/s", human_bytes(rate).c_str(), seconds > 0 ? rows / seconds / 1e6 : 0.0);
  s += buf;
  std::snprintf(buf, sizeof buf, "  files %llu/%llu", static_cast<unsigned long long>(p.files_done.load()),
                static_cast<unsigned long long>(p.files_total.load(std::memory_order_relaxed)));
  s += buf;
  if (total > 0 && rate > 0 && done < total) {
    const double eta = (total - done) / rate;
    std::snprintf(buf, sizeof buf, "  ETA %d:%02d", static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    s += buf;
  }
  if (width > 1 && s.size() > width - 1) s.resize(width - 1);
  return s;
}

void ProgressLine::loop() {
  std::unique_lock lock(mu_);
  // Redraw interval: 100 ms, "about ten times a second"; a timer, not a
  // synchronisation: the counters are read whenever it fires.
  while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) draw();
}

void ProgressLine::draw() {
  struct winsize ws {};
  const unsigned width = (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col) ? ws.ws_col : 80;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string line = render(progress_, secs, width);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace csvbloom::cli
