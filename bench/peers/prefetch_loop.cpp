// prefetch_loop: how far prefetching hides a blocked filter's memory latency
// in a serial insert loop, outside csvbloom (no parsing, no threads): 10 M
// random 128-bit hashes into a filter of MIB MiB (anonymous memory, huge
// pages asked for, zeroed first), probed and set as csvbloom's blocked layout
// does (512-bit blocks, K probes from the high half), in batches of 60,000
// keys (a pipeline batch's order of size).
//
//   make -C bench/peers bin/prefetch_loop
//   bench/peers/bin/prefetch_loop MIB MODE D
//
// MODE 0: test-and-set with k = 16, rolling prefetch D keys ahead (the old
//         insert_new_batch); 2: the same with the next group of D keys
//         prefetched in one burst while this group is probed (insert_new_batch
//         since 2026-12-04, D = 16); 5 and 6: as 0 and 2 with k = 7.
// Prints ns per key. The figures behind kGroupPrefetch (src/core/filter/
// filter.cpp): 38 MiB, mode 0 D 32 44 ns/key, mode 2 D 16 27; 382 MiB: 214
// and 38; 10 MiB: both ~24 (2-core EPYC VM, 2026-12-04).
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

struct KeyHash {
  std::uint64_t lo, hi;
};
std::uint64_t mulhi64(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
}
constexpr std::uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;
constexpr auto kPowers = [] {
  std::array<std::uint64_t, 16> p{};
  std::uint64_t v = 1;
  for (auto& x : p) x = v, v *= kMultiplier;
  return p;
}();

template <unsigned K>
bool test_and_set(std::uint64_t* w, std::uint64_t blocks, const KeyHash& h) {
  std::uint64_t* b = w + mulhi64(h.lo, blocks) * 8;
  std::uint64_t missing = 0;
  for (unsigned j = 0; j < K; ++j) {
    const unsigned bit = static_cast<unsigned>((h.hi * kPowers[j]) >> 55);
    const std::uint64_t m = 1ULL << (bit & 63);
    missing |= ~b[bit >> 6] & m;
    b[bit >> 6] |= m;
  }
  return missing != 0;
}

template <unsigned K>
std::size_t rolling(std::uint64_t* w, std::uint64_t blocks, const KeyHash* h, std::size_t n, std::size_t d) {
  std::size_t added = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (i + d < n) __builtin_prefetch(w + mulhi64(h[i + d].lo, blocks) * 8, 1);
    added += test_and_set<K>(w, blocks, h[i]);
  }
  return added;
}

template <unsigned K>
std::size_t grouped(std::uint64_t* w, std::uint64_t blocks, const KeyHash* h, std::size_t n, std::size_t d) {
  std::size_t added = 0;
  for (std::size_t i = 0; i < std::min(n, d); ++i) __builtin_prefetch(w + mulhi64(h[i].lo, blocks) * 8, 1);
  for (std::size_t g = 0; g < n; g += d) {
    const std::size_t end = std::min(n, g + d);
    for (std::size_t i = end; i < std::min(n, end + d); ++i) __builtin_prefetch(w + mulhi64(h[i].lo, blocks) * 8, 1);
    for (std::size_t i = g; i < end; ++i) added += test_and_set<K>(w, blocks, h[i]);
  }
  return added;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: prefetch_loop MIB MODE(0|2|5|6) D\n");
    return 2;
  }
  const std::size_t bytes = static_cast<std::size_t>(std::atol(argv[1])) << 20;
  const int mode = std::atoi(argv[2]);
  const auto d = static_cast<std::size_t>(std::atol(argv[3]));
  if (bytes == 0 || d == 0 || (mode != 0 && mode != 2 && mode != 5 && mode != 6)) {
    std::fprintf(stderr, "prefetch_loop: MIB and D must be positive, MODE 0, 2, 5 or 6\n");
    return 2;
  }
  constexpr std::size_t kKeys = 10'000'000, kBatch = 60'000;
  void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return 1;
  ::madvise(mem, bytes, MADV_HUGEPAGE);
  auto* w = static_cast<std::uint64_t*>(mem);
  std::memset(w, 0, bytes);
  const std::uint64_t blocks = bytes / 64;
  std::vector<KeyHash> hashes(kKeys);
  std::mt19937_64 rng(1);
  for (auto& h : hashes) h = {rng(), rng()};
  std::size_t added = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t s = 0; s < kKeys; s += kBatch) {
    const KeyHash* h = hashes.data() + s;
    const std::size_t n = std::min(kBatch, kKeys - s);
    switch (mode) {
      case 0: added += rolling<16>(w, blocks, h, n, d); break;
      case 2: added += grouped<16>(w, blocks, h, n, d); break;
      case 5: added += rolling<7>(w, blocks, h, n, d); break;
      default: added += grouped<7>(w, blocks, h, n, d); break;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%zu MiB mode %d D %zu: %.1f ns/key (%zu new)\n", bytes >> 20, mode, d, s * 1e9 / kKeys, added);
  return 0;
}
