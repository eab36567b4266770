// progress.hpp: the live progress line of `build` on a terminal.
//
// A separate thread redraws one stderr line ~10 times a second from the
// pipeline's counters (BuildProgress, updated once per chunk): the hot path
// never formats or writes anything. Absent when stderr is not a terminal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "csvbloom/build.hpp"

namespace csvbloom::cli {

class ProgressLine {
 public:
  ProgressLine(const BuildProgress& progress, bool wanted);
  ~ProgressLine();
  void finish();  // stops redrawing and erases the line

  // One frame of the line, for tests: "1.2 GiB / 3.4 GiB (35%)  12 M rows/s ...".
  static std::string render(const BuildProgress& p, double seconds, unsigned width);

 private:
  void loop();
  void draw();
  const BuildProgress& progress_;
  bool active_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_{false};
  std::thread thread_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace csvbloom::cli
