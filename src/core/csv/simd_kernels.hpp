// simd_kernels.hpp: the two byte-proportional loops of a build, in an AVX2
// version chosen at run time when the CPU has it (the SSE2 versions in
// byte_scan.hpp and record_splitter.hpp are the baseline). How code is
// compiled for and chosen by CPU, and why the binary carries both builds:
// core/common/cpu.hpp.
//
// Measured on bench/gen's medium set (callgrind, AMD EPYC): the AVX2 quote/
// newline count takes 45 instructions per row (SSE2: 85); with the tail scan,
// a build's instructions -14% (2026-11-24, commit db9f71d).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/common/cpu.hpp"
#include "core/csv/byte_scan.hpp"

namespace csvbloom::detail {

// Where a bulk scan of a record's tail stopped.
struct TailStop {
  const char* at;           // the stop position
  std::uint32_t delimiters; // delimiters passed before `at`
  enum Kind : std::uint8_t {
    line_end,    // `at` is on '\n' or '\r'
    field_quote, // `at` is on a quote that opens a field
    short_input, // fewer than 32 bytes were left; `at` is where scanning stopped
  } kind;
};

// Call only when cpu_has_avx2(). `p` is at a field start that is not a quote. Scans 32-byte blocks.
TailStop scan_tail_avx2(const char* p, const char* end, char delimiter, char quote) noexcept;
QuoteNewlineCount count_quotes_newlines_avx2(const char* p, std::size_t n, char quote) noexcept;

inline QuoteNewlineCount count_quotes_newlines_fast(const char* p, std::size_t n, char quote) noexcept {
  if (cpu_has_avx2()) return count_quotes_newlines_avx2(p, n, quote);
  return count_quotes_newlines(p, n, quote);
}

}  // namespace csvbloom::detail
