// csvbloom/math.hpp: sizing formulas, kept pure so that tests can pin them.
//
// Classic (textbook) Bloom filter, n keys, m bits, k probes:
//   FPR = (1 - e^{-kn/m})^k.
// Blocked filter (one 512-bit block per key, k probes inside the block), after
// Putze, Sanders, Singler, "Cache-, Hash- and Space-Efficient Bloom Filters"
// (JEA 2009): the number of keys landing in a block is Poisson with mean
// lambda = n * 512 / m, and a block holding i keys answers a false positive with
// probability (1 - (1 - 1/512)^{k i})^k, so
//   FPR = sum_i Poisson(i; lambda) * (1 - (1 - 1/512)^{k i})^k.
// The blocked layout needs more bits than the classic one for the same FPR
// (~9.9 vs 9.6 bits/key at 1%, ~15.5 vs 14.4 at 0.1%), so blocked filters are
// sized by inverting this sum numerically, never by the textbook formula.
#pragma once

#include <cstdint>

#include "csvbloom/filter.hpp"

namespace csvbloom {

inline constexpr std::uint64_t kBlockBits = 512;
inline constexpr std::uint32_t kMaxHashes = 32;

double classic_fpr(double keys, double bits, std::uint32_t hashes) noexcept;
double blocked_fpr(double keys, double bits, std::uint32_t hashes) noexcept;
double expected_fpr(Layout layout, double keys, double bits, std::uint32_t hashes) noexcept;

// The smallest filter (bits, and the best number of hashes for those bits)
// whose expected FPR for `capacity` keys is <= fpr. For the blocked layout bits
// is a multiple of 512; for classic, a multiple of 64. Throws csvbloom::Error
// (invalid_argument) for capacity 0, fpr outside (0, 1) or NaN, or a result
// above kMaxFilterBits.
struct Sizing {
  std::uint64_t bits;
  std::uint32_t hashes;
  double expected_fpr;
};
Sizing size_filter(Layout layout, std::uint64_t capacity, double fpr);

// 2^46 bits = 8 TiB: far beyond any machine here; guards against overflow.
inline constexpr std::uint64_t kMaxFilterBits = 1ULL << 46;

}  // namespace csvbloom
