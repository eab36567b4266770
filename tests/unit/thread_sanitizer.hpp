// tests/unit/thread_sanitizer.hpp: test sizes for the TSan build.
//
// Under TSan every lock, wait and atomic is many times dearer, and the
// tests of decoded windows hand a window over per 16 bytes of a stream:
// at their release sizes, three of them took 400 of the TSan stage's 364 s
// of test time on 2 cores (2026-12-04). TSan checks the hand-offs, not the
// amount of data, so there the streams are a fifth as long; release and
// ASan run the full sizes.
#pragma once

#include <cstddef>

namespace csvbloom::test {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// `n` records (or repetitions) in release and ASan builds, a fifth under TSan.
constexpr std::size_t tsan_scaled(std::size_t n) { return kThreadSanitizer ? (n + 4) / 5 : n; }

}  // namespace csvbloom::test
