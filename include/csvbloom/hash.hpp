// csvbloom/hash.hpp: how a key's bytes become the 128 bits a filter uses.
//
// One hash per key: XXH3-128 (xxHash 0.8, stable output on every platform and
// endianness) with the filter's 64-bit seed. The low half picks the block (or,
// for the classic layout, is h1 of double hashing); the high half drives the
// probes. 128 bits so that neither half saturates: a 32-bit hash has birthday
// collisions by tens of millions of keys, which would floor the FPR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace csvbloom {

// Identifier stored in the file header (docs/FORMAT.md).
enum class HashAlgorithm : std::uint8_t { xxh3_128 = 1 };

inline constexpr std::uint64_t kDefaultSeed = 0x6373766233303231ULL;  // "csvb3021"

struct KeyHash {
  std::uint64_t lo;
  std::uint64_t hi;
  friend bool operator==(const KeyHash&, const KeyHash&) = default;
};

KeyHash hash_key(const void* data, std::size_t size, std::uint64_t seed) noexcept;
inline KeyHash hash_key(std::string_view key, std::uint64_t seed) noexcept {
  return hash_key(key.data(), key.size(), seed);
}

}  // namespace csvbloom
