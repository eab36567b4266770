// src/core/filter/filter.cpp: BloomFilter, the owner of a bit array plus its parameters.
//
// The bit arithmetic is in filter_impl.hpp; this file owns memory, validates
// parameters, batches with prefetching, merges and computes fill statistics.
//
// Memory: a new filter is an anonymous private mapping (zero pages cost nothing
// until touched, and the kernel hands back page-aligned, hence 64-byte-aligned,
// blocks); a loaded filter is a view over a file mapping kept alive by
// `keepalive_`. Either way words_ is 64-byte aligned, so a 512-bit block is one
// cache line.
//
// Batching: a lookup in a filter larger than the caches is one DRAM miss
// (~100 ns) per key; hashing is a few ns. insert_batch/contains_batch prefetch
// the line(s) of key i + D while probing key i (D below), so that several
// misses are in flight at once.
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/common/cpu.hpp"
#include "core/filter/filter_impl.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/math.hpp"

#if defined(__GNUC__)
#define CSVBLOOM_ALWAYS_INLINE_FN inline __attribute__((always_inline))
#else
#define CSVBLOOM_ALWAYS_INLINE_FN inline
#endif

namespace csvbloom {
namespace {

// How many keys ahead the batched lookups prefetch: blocked lookups plateau
// from 8 (256 MiB filter, k = 7: 82.3 ns/key at 0, 33.9 at 8, 33.2 at 16);
// 16 leaves room for a faster caller without prefetching lines evicted before
// use. Classic prefetches only the first probe's line: an insert's k misses
// overlap anyway (all k prefetched: 94-98 ns, no better), and a non-member
// lookup usually stops at its first or second probe.
constexpr std::size_t kLookupPrefetchDistance = 16;
// Inserts prefetch twice as far: in a build the input streaming through the L3
// evicts the filter. 32 against 16: medium -j1 CPU 580 against 610 ms.
constexpr std::size_t kInsertPrefetchDistance = 32;
// insert_new_batch prefetches the next 16 keys' lines in one burst, then
// probes this 16: on a 38 MiB filter, k = 16 (dedupe's default 1e-6 at
// bench/gen medium's size), 27 ns/key against 44 for the rolling prefetch
// above, 38 against 214 at 382 MiB (2-core EPYC VM, 2026-12-04,
// bench/peers/prefetch_loop: 10 M random hashes; at 10 MiB both ~24).
constexpr std::size_t kGroupPrefetch = 16;

std::string str(std::uint64_t v) { return std::to_string(v); }

// Runs f.template operator()<K>() with K = k for the k that --fpr from 10% to
// 1e-6 (dedupe's default, k = 16) choose, so that the probe loops unroll;
// K = 0 (k known only at run time) otherwise.
template <class F>
CSVBLOOM_ALWAYS_INLINE_FN void with_fixed_k(std::uint32_t k, F&& f) {
  switch (k) {
    case 3: f.template operator()<3>(); break;
    case 4: f.template operator()<4>(); break;
    case 5: f.template operator()<5>(); break;
    case 6: f.template operator()<6>(); break;
    case 7: f.template operator()<7>(); break;
    case 8: f.template operator()<8>(); break;
    case 9: f.template operator()<9>(); break;
    case 10: f.template operator()<10>(); break;
    case 11: f.template operator()<11>(); break;
    case 12: f.template operator()<12>(); break;
    case 13: f.template operator()<13>(); break;
    case 14: f.template operator()<14>(); break;
    case 15: f.template operator()<15>(); break;
    case 16: f.template operator()<16>(); break;
    default: f.template operator()<0>();
  }
}

// Popcount passes, compiled twice (the POPCNT instruction and, for baseline
// x86-64, where __builtin_popcountll is a libgcc call several times slower,
// the generic bit trick) and chosen by cpu_has_popcnt() (core/common/cpu.hpp).
// The bodies are always_inline so that each build gets its own copy.
CSVBLOOM_ALWAYS_INLINE_FN std::uint64_t popcount_range_body(const std::uint64_t* w, std::size_t n) noexcept {
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < n; ++i) c += static_cast<std::uint64_t>(__builtin_popcountll(w[i]));
  return c;
}

// hist[x] = number of 512-bit blocks with x bits set (x in 0..512).
CSVBLOOM_ALWAYS_INLINE_FN void block_histogram_body(const std::uint64_t* w, std::size_t blocks,
                                                    std::uint64_t* hist) noexcept {
  for (std::size_t b = 0; b < blocks; ++b) {
    unsigned x = 0;
    for (unsigned i = 0; i < detail::kBlockWords; ++i)
      x += static_cast<unsigned>(__builtin_popcountll(w[b * detail::kBlockWords + i]));
    ++hist[x];
  }
}

CSVBLOOM_TARGET_POPCNT std::uint64_t popcount_range_popcnt(const std::uint64_t* w, std::size_t n) noexcept {
  return popcount_range_body(w, n);
}
CSVBLOOM_TARGET_POPCNT void block_histogram_popcnt(const std::uint64_t* w, std::size_t blocks,
                                                   std::uint64_t* hist) noexcept {
  block_histogram_body(w, blocks, hist);
}

std::uint64_t popcount_range(const std::uint64_t* w, std::size_t n) noexcept {
  if (detail::cpu_has_popcnt()) return popcount_range_popcnt(w, n);
  return popcount_range_body(w, n);
}

void block_histogram(const std::uint64_t* w, std::size_t blocks, std::uint64_t* hist) noexcept {
  if (detail::cpu_has_popcnt()) return block_histogram_popcnt(w, blocks, hist);
  block_histogram_body(w, blocks, hist);
}

}  // namespace

const char* layout_name(Layout l) noexcept {
  switch (l) {
    case Layout::blocked512: return "blocked";
    case Layout::classic: return "classic";
  }
  return "unknown";
}

void validate_params(const FilterParams& p) {
  if (p.layout != Layout::blocked512 && p.layout != Layout::classic)
    throw Error(ErrorKind::invalid_argument,
                "unknown filter layout " + str(static_cast<unsigned>(p.layout)) + " (expected 1 blocked or 2 classic)");
  if (p.hash != HashAlgorithm::xxh3_128)
    throw Error(ErrorKind::invalid_argument,
                "unknown hash algorithm " + str(static_cast<unsigned>(p.hash)) + " (expected 1 xxh3-128)");
  const std::uint64_t unit = p.layout == Layout::blocked512 ? kBlockBits : 64;
  if (p.bits == 0 || p.bits % unit != 0)
    throw Error(ErrorKind::invalid_argument, "filter size " + str(p.bits) + " bits is not a positive multiple of " +
                                                 str(unit) + " (required by the " + layout_name(p.layout) + " layout)");
  if (p.bits > kMaxFilterBits)
    throw Error(ErrorKind::invalid_argument, "filter size " + str(p.bits) + " bits is above the limit of " +
                                                 str(kMaxFilterBits) + " bits (2^46)");
  if (p.hashes < 1 || p.hashes > kMaxHashes)
    throw Error(ErrorKind::invalid_argument,
                "number of hashes " + str(p.hashes) + " is outside 1.." + str(kMaxHashes));
}

BloomFilter::BloomFilter(const FilterParams& params) : params_(params) {
  validate_params(params_);
  const std::size_t bytes = static_cast<std::size_t>(params_.bits / 8);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    const int e = errno;
    throw Error(ErrorKind::io, "cannot allocate " + str(bytes) + " bytes of memory for the filter: " + std::strerror(e));
  }
#ifdef MADV_HUGEPAGE
  // 2 MiB pages: one TLB entry covers 32768 blocks instead of 64. Measured ~8%
  // faster batched inserts on a 256 MiB filter (95.5 -> 90.1 ns/key without
  // prefetch, 39 -> 34.5 with); advisory, so failure is ignored. Small filters
  // gain nothing and would round up to a huge page.
  if (bytes >= (8u << 20)) ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  // If the shared_ptr's control block cannot be allocated, it calls the deleter.
  keepalive_ = std::shared_ptr<const void>(p, [bytes](const void* q) { ::munmap(const_cast<void*>(q), bytes); });
  mutable_words_ = static_cast<std::uint64_t*>(p);
  words_ = mutable_words_;
}

BloomFilter::BloomFilter(const FilterParams& params, std::span<const std::uint64_t> words,
                         std::shared_ptr<const void> keepalive)
    : params_(params), words_(words.data()), keepalive_(std::move(keepalive)) {
  validate_params(params_);
  if (words.size() != params_.bits / 64)
    throw Error(ErrorKind::invalid_argument, "filter view has " + str(words.size()) + " words, its parameters need " +
                                                 str(params_.bits / 64));
}

BloomFilter::BloomFilter(BloomFilter&& o) noexcept
    : params_(o.params_), words_(o.words_), mutable_words_(o.mutable_words_), keys_inserted_(o.keys_inserted_),
      keepalive_(std::move(o.keepalive_)) {
  o.params_.bits = 0;  // words() of a moved-from filter is empty
  o.words_ = nullptr;
  o.mutable_words_ = nullptr;
  o.keys_inserted_ = 0;
}

BloomFilter& BloomFilter::operator=(BloomFilter&& o) noexcept {
  if (this != &o) {
    params_ = o.params_;
    words_ = o.words_;
    mutable_words_ = o.mutable_words_;
    keys_inserted_ = o.keys_inserted_;
    keepalive_ = std::move(o.keepalive_);
    o.params_.bits = 0;
    o.words_ = nullptr;
    o.mutable_words_ = nullptr;
    o.keys_inserted_ = 0;
  }
  return *this;
}

BloomFilter::~BloomFilter() = default;

namespace {
[[noreturn]] void throw_read_only() {
  throw Error(ErrorKind::invalid_argument,
              "cannot insert into a read-only filter (a loaded file view, or a moved-from filter): copy it into a "
              "new BloomFilter with merge_from first");
}
}  // namespace

// One predictable branch per call (a read-only view has mutable_words_ ==
// nullptr); insert_batch pays it once per batch of thousands of keys.
void BloomFilter::insert(const KeyHash& h) {
  if (mutable_words_ == nullptr) [[unlikely]] throw_read_only();
  if (params_.layout == Layout::blocked512)
    detail::blocked_insert(mutable_words_, params_.bits / kBlockBits, params_.hashes, h);
  else
    detail::classic_insert(mutable_words_, params_.bits, params_.hashes, h);
  ++keys_inserted_;
}

bool BloomFilter::may_contain(const KeyHash& h) const noexcept {
  if (params_.layout == Layout::blocked512)
    return detail::blocked_contains(words_, params_.bits / kBlockBits, params_.hashes, h);
  return detail::classic_contains(words_, params_.bits, params_.hashes, h);
}

void BloomFilter::insert_batch(const KeyHash* hashes, std::size_t n) {
  if (mutable_words_ == nullptr) [[unlikely]] throw_read_only();
  std::uint64_t* w = mutable_words_;
  const std::uint32_t k = params_.hashes;
  const std::uint64_t bits = params_.bits;
  if (params_.layout == Layout::blocked512) {
    const std::uint64_t blocks = bits / kBlockBits;
    with_fixed_k(k, [&]<std::uint32_t K>() {
      for (std::size_t i = 0; i < n; ++i) {
        if (i + kInsertPrefetchDistance < n)
          __builtin_prefetch(detail::blocked_line(w, blocks, hashes[i + kInsertPrefetchDistance]), 1);
        if constexpr (K == 0) detail::blocked_insert(w, blocks, k, hashes[i]);
        else detail::blocked_insert_fixed<K>(w, blocks, hashes[i]);
      }
    });
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kInsertPrefetchDistance < n)
        __builtin_prefetch(w + (detail::mulhi64(hashes[i + kInsertPrefetchDistance].lo, bits) >> 6), 1);
      detail::classic_insert(w, bits, k, hashes[i]);
    }
  }
  keys_inserted_ += n;
}

std::size_t BloomFilter::insert_new_batch(const KeyHash* hashes, std::size_t n, bool* was_new) {
  if (mutable_words_ == nullptr) [[unlikely]] throw_read_only();
  std::uint64_t* w = mutable_words_;
  const std::uint32_t k = params_.hashes;
  const std::uint64_t bits = params_.bits;
  std::size_t added = 0;
  // In order, so that a key repeated within the batch is new only the first
  // time; the line of key i + d is prefetched for writing, as insert_batch does.
  if (params_.layout == Layout::blocked512) {
    const std::uint64_t blocks = bits / kBlockBits;
    // Prefetched a group at a time: the next group's lines while this group
    // is probed (see kGroupPrefetch).
    for (std::size_t i = 0; i < std::min(n, kGroupPrefetch); ++i)
      __builtin_prefetch(detail::blocked_line(w, blocks, hashes[i]), 1);
    with_fixed_k(k, [&]<std::uint32_t K>() {
      for (std::size_t g = 0; g < n; g += kGroupPrefetch) {
        const std::size_t end = std::min(n, g + kGroupPrefetch);
        for (std::size_t i = end; i < std::min(n, end + kGroupPrefetch); ++i)
          __builtin_prefetch(detail::blocked_line(w, blocks, hashes[i]), 1);
        for (std::size_t i = g; i < end; ++i) {
          bool fresh;
          if constexpr (K == 0) {
            fresh = !detail::blocked_contains(w, blocks, k, hashes[i]);
            if (fresh) detail::blocked_insert(w, blocks, k, hashes[i]);
          } else {
            fresh = detail::blocked_test_and_set_fixed<K>(w, blocks, hashes[i]);
          }
          was_new[i] = fresh;
          added += fresh;
        }
      }
    });
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kInsertPrefetchDistance < n)
        __builtin_prefetch(w + (detail::mulhi64(hashes[i + kInsertPrefetchDistance].lo, bits) >> 6), 1);
      const bool fresh = !detail::classic_contains(w, bits, k, hashes[i]);
      if (fresh) detail::classic_insert(w, bits, k, hashes[i]);
      was_new[i] = fresh;
      added += fresh;
    }
  }
  keys_inserted_ += added;
  return added;
}

void BloomFilter::contains_batch(const KeyHash* hashes, std::size_t n, bool* out) const noexcept {
  const std::uint64_t* w = words_;
  const std::uint32_t k = params_.hashes;
  const std::uint64_t bits = params_.bits;
  if (params_.layout == Layout::blocked512) {
    const std::uint64_t blocks = bits / kBlockBits;
    with_fixed_k(k, [&]<std::uint32_t K>() {
      for (std::size_t i = 0; i < n; ++i) {
        if (i + kLookupPrefetchDistance < n)
          __builtin_prefetch(detail::blocked_line(w, blocks, hashes[i + kLookupPrefetchDistance]), 0);
        if constexpr (K == 0) out[i] = detail::blocked_contains(w, blocks, k, hashes[i]);
        else out[i] = detail::blocked_contains_fixed<K>(w, blocks, hashes[i]);
      }
    });
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kLookupPrefetchDistance < n)
        __builtin_prefetch(w + (detail::mulhi64(hashes[i + kLookupPrefetchDistance].lo, bits) >> 6), 0);
      out[i] = detail::classic_contains(w, bits, k, hashes[i]);
    }
  }
}

void BloomFilter::merge_from(const BloomFilter& other) {
  // The parameter half of the one compatibility rule (csvbloom/compatibility.hpp):
  // a BloomFilter does not carry its key spec or sizing record, so those are
  // equal here by construction; merge_filter() compares them too.
  const std::vector<std::string> d =
      compatibility_differences(params_, FilterMetadata{}, other.params_, FilterMetadata{});
  if (!d.empty()) {
    std::string diff;
    for (const std::string& x : d) diff += (diff.empty() ? "" : ", ") + x;
    throw Error(ErrorKind::incompatible, "cannot merge filters with different parameters: " + diff);
  }
  if (!writable())
    throw Error(ErrorKind::invalid_argument, "cannot merge into a read-only filter (a loaded file view)");
  const std::size_t n = static_cast<std::size_t>(params_.bits / 64);
  std::uint64_t* dst = mutable_words_;
  const std::uint64_t* src = other.words_;
  for (std::size_t i = 0; i < n; ++i) dst[i] |= src[i];  // vectorised by the compiler
  const std::uint64_t sum = keys_inserted_ + other.keys_inserted_;
  keys_inserted_ = sum < keys_inserted_ ? UINT64_MAX : sum;  // saturate
}

FillStats BloomFilter::fill_stats() const noexcept {
  FillStats s{};
  const std::size_t n = static_cast<std::size_t>(params_.bits / 64);
  if (n == 0) return s;
  const double k = static_cast<double>(params_.hashes);
  if (params_.layout == Layout::blocked512) {
    // Per-block terms depend only on the block's popcount (0..512): tabulate
    // them once instead of a pow and a log per block.
    double fpr_of[kBlockBits + 1], keys_of[kBlockBits + 1];
    const double log_keep = std::log1p(-1.0 / static_cast<double>(kBlockBits));
    for (unsigned x = 0; x <= kBlockBits; ++x) {
      fpr_of[x] = std::pow(static_cast<double>(x) / static_cast<double>(kBlockBits), k);
      const unsigned capped = std::min<unsigned>(x, kBlockBits - 1);  // a saturated block: cap, not infinity
      keys_of[x] = std::log1p(-static_cast<double>(capped) / static_cast<double>(kBlockBits)) / (k * log_keep);
    }
    std::uint64_t hist[kBlockBits + 1] = {};
    const std::size_t blocks = n / detail::kBlockWords;
    block_histogram(words_, blocks, hist);
    double fpr_sum = 0, keys_sum = 0;
    for (unsigned x = 0; x <= kBlockBits; ++x) {
      s.set_bits += hist[x] * x;
      fpr_sum += static_cast<double>(hist[x]) * fpr_of[x];
      keys_sum += static_cast<double>(hist[x]) * keys_of[x];
    }
    s.estimated_fpr = fpr_sum / static_cast<double>(blocks);
    s.estimated_distinct = keys_sum;
  } else {
    s.set_bits = popcount_range(words_, n);
    const double m = static_cast<double>(params_.bits);
    const double x = static_cast<double>(std::min(s.set_bits, params_.bits - 1));
    s.estimated_fpr = std::pow(static_cast<double>(s.set_bits) / m, k);
    s.estimated_distinct = -(m / k) * std::log1p(-x / m);
  }
  s.fill_ratio = static_cast<double>(s.set_bits) / static_cast<double>(params_.bits);
  return s;
}

}  // namespace csvbloom
