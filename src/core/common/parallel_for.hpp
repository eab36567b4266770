// parallel_for.hpp: run fn(i) for i in [0, n) on a few threads, for loops of
// independent system calls over many inputs (planning, directory checks).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace csvbloom::detail {

// Below this many items one thread does it all (threads cost more than the
// few system calls they would share).
inline constexpr std::size_t kParallelMinItems = 64;

// Items are taken this many at a time: one at a time, the shared counter and
// the neighbouring results (a few bytes each) moved between cores on every
// item (expand_inputs over bench/gen many's 10,000 paths on 2 threads, median
// of 21: 11.3 ms one at a time, 9.5 ms 32 at a time).
inline constexpr std::size_t kParallelGrain = 32;

// fn must not throw. Uses up to `threads` threads (the caller's among them).
template <class Fn>
void parallel_for(std::size_t n, unsigned threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  auto some = [&] {
    for (std::size_t b; (b = next.fetch_add(kParallelGrain, std::memory_order_relaxed)) < n;)
      for (std::size_t i = b, e = std::min(n, b + kParallelGrain); i < e; ++i) fn(i);
  };
  const unsigned t = n < kParallelMinItems ? 1u : std::max(1u, threads);
  std::vector<std::thread> pool;
  for (unsigned k = 1; k < t; ++k) pool.emplace_back(some);
  some();
  for (auto& th : pool) th.join();
}

}  // namespace csvbloom::detail
