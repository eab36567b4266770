// src/core/filter/filter_impl.hpp: the Bloom filter's bit arithmetic, as inline
// functions over caller-owned words (RocksDB's util/bloom_impl.h shape).
//
// BloomFilter (filter.cpp) is a thin owner around these; they are also what a
// hot loop elsewhere can call directly. Every function here is the definition
// of the on-disk bit layout: changing one changes every filter file, so
// tests/unit/test_format.cpp's schema test pins them.
//
// Blocked (512-bit blocks, one cache line):
//   block = mulhi64(lo, blocks)               (fastrange: lo * blocks / 2^64)
//   v = hi; for j in 0..k-1: set bit (v >> 55) of the block; v *= 0x9E3779B97F4A7C15
// The top 9 bits of v index the 512 bits; multiplying by the odd golden-ratio
// constant remixes the low bits into the top ones for the next probe (RocksDB's
// FastLocalBloom uses the same with 32-bit values and 0x9E3779B9).
// Probes may repeat within a block; math.hpp's formula assumes independent
// uniform probes, which is what this is (measured FPR matches it in tests).
//
// Classic: g_i = lo + i * hi + (i^3 - i) / 6 (mod 2^64), position = mulhi64(g_i, m),
// enhanced double hashing (Dillinger & Manolios 2004), computed incrementally:
// x += y; y += i.
//
// All positions are 64-bit: mulhi64 of a 64-bit hash by a 64-bit size is below
// the size, so filters over 4 GiB (2^35 bits) index correctly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "csvbloom/filter.hpp"

namespace csvbloom::detail {

inline constexpr std::uint64_t kProbeMultiplier = 0x9E3779B97F4A7C15ULL;  // 2^64 / golden ratio, odd
inline constexpr unsigned kBlockWords = 8;                                // 512 bits

// (a * b) >> 64: maps a uniform 64-bit a onto [0, b) without a division.
inline std::uint64_t mulhi64(std::uint64_t a, std::uint64_t b) noexcept {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
}

// ---- blocked ----

inline std::uint64_t blocked_block_index(const KeyHash& h, std::uint64_t blocks) noexcept {
  return mulhi64(h.lo, blocks);
}

// The k-bit mask of a key inside its block, as 8 words.
inline void blocked_mask(std::uint64_t hi, std::uint32_t k, std::uint64_t mask[kBlockWords]) noexcept {
  for (unsigned w = 0; w < kBlockWords; ++w) mask[w] = 0;
  std::uint64_t v = hi;
  for (std::uint32_t j = 0; j < k; ++j) {
    const unsigned bit = static_cast<unsigned>(v >> 55);  // top 9 bits: 0..511
    mask[bit >> 6] |= 1ULL << (bit & 63);
    v *= kProbeMultiplier;
  }
}

// Sets the k bits in place: the same bits as OR-ing blocked_mask() into the
// block, with k read-modify-writes instead of 8 + k on a stack mask and 8 on
// the block (bench/micro BM_InsertBatch, 8 MiB: 120 M/s, 80 with the mask).
inline void blocked_insert(std::uint64_t* words, std::uint64_t blocks, std::uint32_t k, const KeyHash& h) noexcept {
  std::uint64_t* block = words + blocked_block_index(h, blocks) * kBlockWords;
  std::uint64_t v = h.hi;
  for (std::uint32_t j = 0; j < k; ++j) {
    const unsigned bit = static_cast<unsigned>(v >> 55);  // top 9 bits: 0..511
    block[bit >> 6] |= 1ULL << (bit & 63);
    v *= kProbeMultiplier;
  }
}

// blocked_insert with k fixed at compile time, probe j's multiplier being
// kProbeMultiplier^j (the same bits: (v * c) * c == v * c^2 mod 2^64), so the
// k multiplies are independent instead of a chain of k, and the loop unrolls:
// bench/micro BM_InsertBatch (k = 7), 8 MiB filter 150 M/s, 134 with the chain.
inline constexpr auto kProbePowers = [] {
  std::array<std::uint64_t, 16> powers{};
  std::uint64_t v = 1;
  for (auto& p : powers) {
    p = v;
    v *= kProbeMultiplier;  // mod 2^64, as the probe loop multiplies
  }
  return powers;
}();

template <std::uint32_t K>
inline void blocked_insert_fixed(std::uint64_t* words, std::uint64_t blocks, const KeyHash& h) noexcept {
  static_assert(K >= 1 && K <= 16);
  std::uint64_t* block = words + blocked_block_index(h, blocks) * kBlockWords;
  for (std::uint32_t j = 0; j < K; ++j) {
    const unsigned bit = static_cast<unsigned>((h.hi * kProbePowers[j]) >> 55);
    block[bit >> 6] |= 1ULL << (bit & 63);
  }
}

// Branch-free inside the block: the block is one cache line, so an early exit
// saves no memory traffic and costs a mispredict on half the non-members.
inline bool blocked_contains(const std::uint64_t* words, std::uint64_t blocks, std::uint32_t k,
                             const KeyHash& h) noexcept {
  const std::uint64_t* block = words + blocked_block_index(h, blocks) * kBlockWords;
  std::uint64_t mask[kBlockWords];
  blocked_mask(h.hi, k, mask);
  std::uint64_t missing = 0;
  for (unsigned w = 0; w < kBlockWords; ++w) missing |= mask[w] & ~block[w];
  return missing == 0;
}

// blocked_contains with k fixed at compile time, probing as
// blocked_insert_fixed does: k loads of the block and no stack mask (the
// same answer: all k bits set). bench/gen medium select -j1: contains_batch
// 19% of the CPU with blocked_contains, see bench/RESULTS.md for after.
template <std::uint32_t K>
inline bool blocked_contains_fixed(const std::uint64_t* words, std::uint64_t blocks, const KeyHash& h) noexcept {
  static_assert(K >= 1 && K <= 16);
  const std::uint64_t* block = words + blocked_block_index(h, blocks) * kBlockWords;
  std::uint64_t missing = 0;
  for (std::uint32_t j = 0; j < K; ++j) {
    const unsigned bit = static_cast<unsigned>((h.hi * kProbePowers[j]) >> 55);
    missing |= ~block[bit >> 6] & (1ULL << (bit & 63));
  }
  return missing == 0;
}

// blocked_contains_fixed and blocked_insert_fixed in one pass over the k
// probes: whether any of the key's bits was missing, all of them set after.
// Setting a bit that is already set changes nothing, so the insert need not
// wait for the answer; each probe's bit position is computed once (dedupe's
// serial step, insert_new_batch).
template <std::uint32_t K>
inline bool blocked_test_and_set_fixed(std::uint64_t* words, std::uint64_t blocks, const KeyHash& h) noexcept {
  static_assert(K >= 1 && K <= 16);
  std::uint64_t* block = words + blocked_block_index(h, blocks) * kBlockWords;
  std::uint64_t missing = 0;
  for (std::uint32_t j = 0; j < K; ++j) {
    const unsigned bit = static_cast<unsigned>((h.hi * kProbePowers[j]) >> 55);
    const std::uint64_t b = 1ULL << (bit & 63);
    missing |= ~block[bit >> 6] & b;
    block[bit >> 6] |= b;
  }
  return missing != 0;
}

inline const void* blocked_line(const std::uint64_t* words, std::uint64_t blocks, const KeyHash& h) noexcept {
  return words + blocked_block_index(h, blocks) * kBlockWords;
}

// ---- classic ----

inline void classic_insert(std::uint64_t* words, std::uint64_t bits, std::uint32_t k, const KeyHash& h) noexcept {
  std::uint64_t x = h.lo, y = h.hi;
  for (std::uint32_t i = 0; i < k; ++i) {
    const std::uint64_t pos = mulhi64(x, bits);
    words[pos >> 6] |= 1ULL << (pos & 63);
    x += y;
    y += i + 1;
  }
}

// Early exit: every probe is its own cache miss, so stopping at the first zero
// bit saves memory traffic for non-members.
inline bool classic_contains(const std::uint64_t* words, std::uint64_t bits, std::uint32_t k,
                             const KeyHash& h) noexcept {
  std::uint64_t x = h.lo, y = h.hi;
  for (std::uint32_t i = 0; i < k; ++i) {
    const std::uint64_t pos = mulhi64(x, bits);
    if (!((words[pos >> 6] >> (pos & 63)) & 1)) return false;
    x += y;
    y += i + 1;
  }
  return true;
}

}  // namespace csvbloom::detail
