// simd_kernels.cpp: AVX2 versions of the byte-proportional loops (see
// simd_kernels.hpp). Only the functions marked CSVBLOOM_TARGET_AVX2 use AVX2.
#include "core/csv/simd_kernels.hpp"

#if CSVBLOOM_X86_DISPATCH
#include <immintrin.h>
#endif

namespace csvbloom::detail {

#if CSVBLOOM_X86_DISPATCH

CSVBLOOM_TARGET_AVX2 TailStop scan_tail_avx2(const char* p, const char* end, char delimiter,
                                                               char quote) noexcept {
  const __m256i vd = _mm256_set1_epi8(delimiter);
  const __m256i vn = _mm256_set1_epi8('\n');
  const __m256i vr = _mm256_set1_epi8('\r');
  const __m256i vq = _mm256_set1_epi8(quote);
  std::uint32_t delims = 0;
  while (end - p >= 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const std::uint32_t md = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, vd)));
    const std::uint32_t mn = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, vn), _mm256_cmpeq_epi8(v, vr))));
    const std::uint32_t mq = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, vq)));
    // A quote opens a field only right after a delimiter; elsewhere it is data.
    const std::uint32_t stop = mn | (mq & (md << 1));
    if (stop == 0) {
      delims += static_cast<std::uint32_t>(__builtin_popcount(md));
      p += 32;
      if ((md & 0x80000000u) && p < end && *p == quote) return {p, delims, TailStop::field_quote};
      continue;
    }
    const unsigned first = static_cast<unsigned>(__builtin_ctz(stop));
    delims += static_cast<std::uint32_t>(__builtin_popcount(md & ((1u << first) - 1)));
    p += first;
    return {p, delims, (mn >> first) & 1u ? TailStop::line_end : TailStop::field_quote};
  }
  return {p, delims, TailStop::short_input};
}

CSVBLOOM_TARGET_AVX2 QuoteNewlineCount count_quotes_newlines_avx2(const char* p, std::size_t n,
                                                                             char quote) noexcept {
  QuoteNewlineCount c;
  const char* end = p + n;
  const __m256i vq = _mm256_set1_epi8(quote);
  const __m256i vn = _mm256_set1_epi8('\n');
  const __m256i zero = _mm256_setzero_si256();
  while (end - p >= 32) {
    __m256i acc_q = zero, acc_n = zero;
    std::size_t steps = static_cast<std::size_t>(end - p) / 32;
    if (steps > 255) steps = 255;  // byte counters must not overflow
    for (std::size_t i = 0; i < steps; ++i, p += 32) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
      acc_q = _mm256_sub_epi8(acc_q, _mm256_cmpeq_epi8(v, vq));
      acc_n = _mm256_sub_epi8(acc_n, _mm256_cmpeq_epi8(v, vn));
    }
    const __m256i sq = _mm256_sad_epu8(acc_q, zero), sn = _mm256_sad_epu8(acc_n, zero);
    alignas(32) std::uint64_t q[4], l[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(q), sq);
    _mm256_store_si256(reinterpret_cast<__m256i*>(l), sn);
    c.quotes += q[0] + q[1] + q[2] + q[3];
    c.newlines += l[0] + l[1] + l[2] + l[3];
  }
  for (; p < end; ++p) {
    c.quotes += (*p == quote);
    c.newlines += (*p == '\n');
  }
  return c;
}

#else

TailStop scan_tail_avx2(const char* p, const char*, char, char) noexcept { return {p, 0, TailStop::short_input}; }
QuoteNewlineCount count_quotes_newlines_avx2(const char* p, std::size_t n, char quote) noexcept {
  return count_quotes_newlines(p, n, quote);
}

#endif

}  // namespace csvbloom::detail
