// csvbloom/filter.hpp: the Bloom filter itself.
//
// Two layouts:
//  - blocked (default): the key's 128-bit hash picks one 512-bit (64-byte,
//    cache-line) block with the low 64 bits (block = (lo * blocks) >> 64, a
//    multiply-shift "fastrange", no modulo), then sets k bits inside that block,
//    bit j taken from the top 9 bits of a running 64-bit value that starts at
//    hi and is multiplied by 0x9E3779B97F4A7C15 after every probe (RocksDB's
//    FastLocalBloom scheme widened to 64 bits). One cache miss per key.
//  - classic: k bits anywhere in the array by enhanced double hashing,
//    g_i = lo + i * hi + (i^3 - i) / 6 (mod 2^64), position = (g_i * m) >> 64.
// Bit b of the array lives in 64-bit word b / 64 at bit b % 64; words are
// little-endian on disk. All sizes and indexes are 64-bit: filters over 4 GiB work.
//
// Invariant: inserting is an OR, so the same set of keys gives the same bits
// whatever the insertion order; merge is a word-wise OR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "csvbloom/hash.hpp"

namespace csvbloom {

enum class Layout : std::uint8_t { blocked512 = 1, classic = 2 };

const char* layout_name(Layout) noexcept;  // "blocked" / "classic"

struct FilterParams {
  Layout layout{Layout::blocked512};
  std::uint64_t bits{};      // multiple of 512 (blocked) or 64 (classic)
  std::uint32_t hashes{};    // 1..kMaxHashes
  std::uint64_t seed{kDefaultSeed};
  HashAlgorithm hash{HashAlgorithm::xxh3_128};
  friend bool operator==(const FilterParams&, const FilterParams&) = default;
};

// Throws csvbloom::Error(invalid_argument) when params are unusable.
void validate_params(const FilterParams&);

// Fill statistics, computed by one popcount pass.
struct FillStats {
  std::uint64_t set_bits;
  double fill_ratio;          // set_bits / bits
  double estimated_distinct;  // keys estimated from the fill (per block for blocked)
  double estimated_fpr;       // exact FPR of this bit array for a random non-member
};

class BloomFilter {
 public:
  // A new, all-zero filter (memory from an anonymous mapping: zero pages are free
  // until touched).
  explicit BloomFilter(const FilterParams& params);
  // A read-only view over bits owned elsewhere (e.g. a mapped file); `keepalive`
  // holds the owner. words.size() must be bits / 64.
  BloomFilter(const FilterParams& params, std::span<const std::uint64_t> words,
              std::shared_ptr<const void> keepalive);
  // A moved-from filter is empty: words() is empty and it must not be probed.
  BloomFilter(BloomFilter&&) noexcept;
  BloomFilter& operator=(BloomFilter&&) noexcept;
  ~BloomFilter();

  const FilterParams& params() const noexcept { return params_; }
  std::uint64_t bits() const noexcept { return params_.bits; }
  std::uint64_t size_bytes() const noexcept { return params_.bits / 8; }
  bool writable() const noexcept { return mutable_words_ != nullptr; }
  std::span<const std::uint64_t> words() const noexcept { return {words_, static_cast<std::size_t>(params_.bits / 64)}; }

  // Keys inserted (duplicates included): stored in the file, summed by merge.
  std::uint64_t keys_inserted() const noexcept { return keys_inserted_; }
  void set_keys_inserted(std::uint64_t n) noexcept { keys_inserted_ = n; }

  // insert and insert_batch throw Error(invalid_argument) unless writable(): a
  // loaded file is a read-only view (and a moved-from filter has no words).
  // Not noexcept, so that a binding turns a misuse into an exception rather
  // than a write through a null pointer; the check is one branch per call,
  // not per key (insert_batch checks once for its n keys).
  void insert(const KeyHash& h);
  bool may_contain(const KeyHash& h) const noexcept;

  // Batched forms: prefetch the cache line of hash i + d while probing hash i.
  // insert_batch also adds n to keys_inserted.
  void insert_batch(const KeyHash* hashes, std::size_t n);
  // In order: was_new[i] = !may_contain(hashes[i]) at that moment, and the
  // new ones are inserted (a key twice in the batch is new once). Adds the
  // new ones to keys_inserted and returns how many. For first-occurrence
  // deduplication; requires writable() (Error(invalid_argument) otherwise).
  std::size_t insert_new_batch(const KeyHash* hashes, std::size_t n, bool* was_new);
  // out[i] = may_contain(hashes[i]).
  void contains_batch(const KeyHash* hashes, std::size_t n, bool* out) const noexcept;

  // this |= other. Throws Error(incompatible) naming every parameter that
  // differs, and Error(invalid_argument) when this filter is a read-only view.
  // A BloomFilter knows its parameters but not its key spec or sizing record:
  // to merge filters from files use merge_filter() (csvbloom/compatibility.hpp),
  // which applies the whole compatibility rule.
  void merge_from(const BloomFilter& other);

  FillStats fill_stats() const noexcept;

 private:
  FilterParams params_;
  const std::uint64_t* words_{nullptr};
  std::uint64_t* mutable_words_{nullptr};
  std::uint64_t keys_inserted_{0};
  std::shared_ptr<const void> keepalive_;  // mapping owner (file view or anonymous map)
};

}  // namespace csvbloom
