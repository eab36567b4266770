// structural_parser.cpp: parse_clean_records() in an SSE2 and an AVX2 build
// (see structural_parser.hpp; the body is structural_parser_body.inc).
#include "core/csv/structural_parser.hpp"

#include <cstring>

#include "core/common/cpu.hpp"

#if CSVBLOOM_X86_DISPATCH
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

#if CSVBLOOM_X86_DISPATCH
// Everything defined in the region is compiled for AVX2, POPCNT and PCLMUL;
// it is called only when cpu_has_avx2() (core/common/cpu.hpp).
CSVBLOOM_AVX2_REGION_BEGIN
#define CSVBLOOM_SP_NS avx2
#define CSVBLOOM_SP_AVX2 1
#include "core/csv/structural_parser_body.inc"
#undef CSVBLOOM_SP_NS
#undef CSVBLOOM_SP_AVX2
CSVBLOOM_AVX2_REGION_END
#endif

}  // namespace

const char* parse_clean_records(const char* p, const char* until, const char* limit, const CleanParseContext& ctx,
                                RecordSplitter& sp, KeyBatch& batch, CleanParseCounts& counts) {
#if CSVBLOOM_X86_DISPATCH
  if (cpu_has_avx2()) return avx2::parse_clean(p, until, limit, ctx, sp, batch, counts);
#endif
  return baseline::parse_clean(p, until, limit, ctx, sp, batch, counts);
}

}  // namespace csvbloom::detail
