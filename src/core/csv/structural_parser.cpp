// structural_parser.cpp: parse_clean_records() in an SSE2 and an AVX2 build
// (see structural_parser.hpp; the body is structural_parser_body.inc).
#include "core/csv/structural_parser.hpp"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/csv/simd_kernels.hpp"

#if defined(__GNUC__) && !defined(__clang__)
#define CSVBLOOM_SP_NO_SLP __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define CSVBLOOM_SP_NO_SLP
#endif

namespace csvbloom::detail {
namespace {

#define CSVBLOOM_SP_NS baseline
#define CSVBLOOM_SP_AVX2 0
#include "core/csv/structural_parser_body.inc"
#undef CSVBLOOM_SP_NS
#undef CSVBLOOM_SP_AVX2

#if defined(__x86_64__)
// Everything defined between push and pop is compiled for AVX2, POPCNT and
// PCLMUL; it is called only when have_avx2() says the CPU has all three.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,popcnt,pclmul"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,popcnt,pclmul")
#endif
#define CSVBLOOM_SP_NS avx2
#define CSVBLOOM_SP_AVX2 1
#include "core/csv/structural_parser_body.inc"
#undef CSVBLOOM_SP_NS
#undef CSVBLOOM_SP_AVX2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

}  // namespace

const char* parse_clean_records(const char* p, const char* until, const char* limit, const CleanParseContext& ctx,
                                RecordSplitter& sp, KeyBatch& batch, CleanParseCounts& counts) {
#if defined(__x86_64__)
  static const bool avx2_ok = have_avx2();
  if (avx2_ok) return avx2::parse_clean(p, until, limit, ctx, sp, batch, counts);
#endif
  return baseline::parse_clean(p, until, limit, ctx, sp, batch, counts);
}

}  // namespace csvbloom::detail
