// byte_scan.hpp: the two byte scans the CSV layer is built on, with SSE2.
//
//  - count_quotes_newlines: one pass over a chunk counting quote bytes (for the
//    parity that tells where records start) and '\n' bytes (for line numbers
//    in errors). 16 bytes per step, byte counters flushed every 255 steps.
//  - find_field_end: the first delimiter, '\n' or '\r' at or after p (the end
//    of an unquoted field), 16 bytes per step once at least 16 bytes remain.
// SSE2 is part of x86-64; other targets take the scalar loops, which give the
// same answers (tests run both through the public functions' contracts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace csvbloom::detail {

struct QuoteNewlineCount {
  std::uint64_t quotes{0};
  std::uint64_t newlines{0};
};

inline QuoteNewlineCount count_quotes_newlines(const char* p, std::size_t n, char quote) noexcept {
  QuoteNewlineCount c;
  const char* end = p + n;
#if defined(__SSE2__)
  const __m128i vq = _mm_set1_epi8(quote);
  const __m128i vn = _mm_set1_epi8('\n');
  const __m128i zero = _mm_setzero_si128();
  while (end - p >= 16) {
    __m128i acc_q = zero, acc_n = zero;
    std::size_t steps = std::min<std::size_t>(255, static_cast<std::size_t>(end - p) / 16);
    for (std::size_t i = 0; i < steps; ++i, p += 16) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      acc_q = _mm_sub_epi8(acc_q, _mm_cmpeq_epi8(v, vq));  // cmpeq gives -1 per hit
      acc_n = _mm_sub_epi8(acc_n, _mm_cmpeq_epi8(v, vn));
    }
    __m128i sq = _mm_sad_epu8(acc_q, zero), sn = _mm_sad_epu8(acc_n, zero);
    c.quotes += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sq)) +
                static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sq, sq)));
    c.newlines += static_cast<std::uint64_t>(_mm_cvtsi128_si64(sn)) +
                  static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sn, sn)));
  }
#endif
  for (; p < end; ++p) {
    c.quotes += (*p == quote);
    c.newlines += (*p == '\n');
  }
  return c;
}

// Bits set in a 16-bit movemask. Debian's x86-64 baseline has no POPCNT
// instruction, so __builtin_popcount compiles to a libgcc call (8% of all
// instructions of a build in callgrind); this is a dozen inline ALU ops.
inline std::uint32_t popcount16(std::uint32_t x) noexcept {
  x = x - ((x >> 1) & 0x5555u);
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

// The same for 64 bits (the structural parser's baseline build).
inline unsigned popcount64(std::uint64_t x) noexcept {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<unsigned>((x * 0x0101010101010101ull) >> 56);
}

inline const char* find_field_end(const char* p, const char* end, char delimiter) noexcept {
#if defined(__SSE2__)
  const __m128i vd = _mm_set1_epi8(delimiter);
  const __m128i vn = _mm_set1_epi8('\n');
  const __m128i vr = _mm_set1_epi8('\r');
  while (end - p >= 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vn)), _mm_cmpeq_epi8(v, vr));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
    if (mask) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    char ch = *p;
    if (ch == delimiter || ch == '\n' || ch == '\r') return p;
  }
  return end;
}

}  // namespace csvbloom::detail
