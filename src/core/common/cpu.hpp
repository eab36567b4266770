// src/core/common/cpu.hpp: the one way csvbloom chooses code by CPU.
//
// Why the binary carries two builds of its byte loops: Debian (and most
// distributions) compile for baseline x86-64, i.e. SSE2 without POPCNT, AVX2 or
// PCLMUL, and the binary must run on any x86-64. But on a CPU that has them,
// the AVX2 kernels halve the work of the byte-proportional loops
// (callgrind, bench/gen medium: quote/newline count 85 -> 45 instructions per
// row; the structural parser moves 64-byte blocks in two loads instead of
// four), and POPCNT is one instruction where baseline
// __builtin_popcountll is a libgcc call several times slower (filter fill
// statistics). So the hot loops are compiled twice and one is chosen at run
// time. Filter bytes never depend on the choice: both builds compute the same
// result (the unit and fuzz tests compare the paths against one reference).
//
// Compiling: a function gets CSVBLOOM_TARGET_AVX2 / CSVBLOOM_TARGET_POPCNT, or
// a whole included body sits between CSVBLOOM_AVX2_REGION_BEGIN and _END (the
// structural parser's template, compiled once per instruction set; simdjson
// does the same). Nothing outside those is compiled for more than the baseline.
//
// Dispatching: one flag per instruction set, decided once (the first call runs
// CPUID; later calls read a static). Callers branch on it:
//   if (cpu_has_avx2()) return avx2::f(...); return baseline::f(...);
// A per-record loop may copy the flag into a member or local first
// (RecordSplitter does): the same flag, read once per object, not per record.
// Rejected: GCC's target_clones (an ifunc resolved before ThreadSanitizer's
// runtime is up kills the TSan binary before main(), so it had to be compiled
// out there; and it is a second mechanism for the same choice), and function
// pointers (an indirect call the compiler cannot inline, for no gain over a
// well-predicted branch).
#pragma once

namespace csvbloom::detail {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CSVBLOOM_X86_DISPATCH 1

// AVX2 kernels may also use POPCNT and PCLMUL (the structural parser's prefix
// XOR): every AVX2 CPU has both, and cpu_has_avx2() requires all three.
#define CSVBLOOM_TARGET_AVX2 __attribute__((target("avx2,popcnt,pclmul")))
#define CSVBLOOM_TARGET_POPCNT __attribute__((target("popcnt")))
#if defined(__clang__)
#define CSVBLOOM_AVX2_REGION_BEGIN \
  _Pragma("clang attribute push(__attribute__((target(\"avx2,popcnt,pclmul\"))), apply_to = function)")
#define CSVBLOOM_AVX2_REGION_END _Pragma("clang attribute pop")
#else
#define CSVBLOOM_AVX2_REGION_BEGIN _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,popcnt,pclmul\")")
#define CSVBLOOM_AVX2_REGION_END _Pragma("GCC pop_options")
#endif

// True when this CPU runs the CSVBLOOM_TARGET_AVX2 code (AVX2, POPCNT and PCLMUL).
inline bool cpu_has_avx2() noexcept {
  static const bool yes = [] {
    __builtin_cpu_init();  // needed if the first call comes before constructors have run
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("pclmul");
  }();
  return yes;
}

// True when this CPU runs the CSVBLOOM_TARGET_POPCNT code.
inline bool cpu_has_popcnt() noexcept {
  static const bool yes = [] {
    __builtin_cpu_init();
    return static_cast<bool>(__builtin_cpu_supports("popcnt"));
  }();
  return yes;
}

#else
#define CSVBLOOM_X86_DISPATCH 0
#define CSVBLOOM_TARGET_AVX2
#define CSVBLOOM_TARGET_POPCNT
#define CSVBLOOM_AVX2_REGION_BEGIN
#define CSVBLOOM_AVX2_REGION_END
inline bool cpu_has_avx2() noexcept { return false; }
inline bool cpu_has_popcnt() noexcept { return false; }
#endif

}  // namespace csvbloom::detail
