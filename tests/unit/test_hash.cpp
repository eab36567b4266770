// tests/unit/test_hash.cpp: hash_key() is XXH3-128 with the filter's seed,
// lo = low 64 bits, hi = high 64 bits, identical to the libxxhash library.
//
// This file includes <xxhash.h> normally (the library's out-of-line
// functions) as the reference; the code under test compiles its own inlined
// copy (src/core/filter/hash_inline.hpp). Pinned constants freeze the mapping: if they
// change, every filter file ever written stops answering correctly.
#include <xxhash.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "csvbloom/hash.hpp"

using csvbloom::hash_key;
using csvbloom::KeyHash;

namespace {

KeyHash reference(const void* data, std::size_t size, std::uint64_t seed) {
  const XXH128_hash_t h = XXH3_128bits_withSeed(data, size, seed);
  return KeyHash{h.low64, h.high64};
}

}  // namespace

TEST_CASE("hash_key pins XXH3-128 with the default seed", "[hash]") {
  // Values from libxxhash 0.8.1 (XXH3_128bits_withSeed, seed kDefaultSeed).
  CHECK(hash_key("", csvbloom::kDefaultSeed) == KeyHash{0xb0233656a7ae4a91ULL, 0x8a213bb8f3dac107ULL});
  CHECK(hash_key("hello", csvbloom::kDefaultSeed) == KeyHash{0xaa497392381094f4ULL, 0x89629faeed24eb63ULL});
  CHECK(hash_key("alice@example.com", csvbloom::kDefaultSeed) ==
        KeyHash{0x37a234aed9c72c68ULL, 0x0c0ea7d3d302f159ULL});
  CHECK(hash_key("hello", 0) == KeyHash{0xc779cfaa5e523818ULL, 0xb5e9c1ad071b3e7fULL});
  CHECK(csvbloom::kDefaultSeed == 0x6373766233303231ULL);
}

TEST_CASE("hash_key equals the libxxhash library for every length class", "[hash]") {
  // XXH3 has separate code paths for 0, 1-3, 4-8, 9-16, 17-128, 129-240 and
  // >240 bytes (with a streaming/long-input loop past 1024): cover them all.
  std::mt19937_64 rng(20240601);
  std::vector<unsigned char> buf(5000);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  std::vector<std::size_t> lengths = {1023, 1024, 1025, 4999};
  for (std::size_t len = 0; len <= 300; ++len) lengths.push_back(len);  // every short-input path and its edges
  for (std::size_t len : lengths) {
    for (std::uint64_t seed : {std::uint64_t{0}, csvbloom::kDefaultSeed, ~std::uint64_t{0}}) {
      INFO("len " << len << " seed " << seed);
      CHECK(hash_key(buf.data(), len, seed) == reference(buf.data(), len, seed));
    }
  }
}

TEST_CASE("hash_key: the string_view overload hashes the same bytes", "[hash]") {
  const std::string s = "user@example.org";
  CHECK(hash_key(std::string_view(s), 7) == hash_key(s.data(), s.size(), 7));
  // Embedded NUL bytes are key bytes.
  const std::string z("a\0b", 3);
  CHECK(hash_key(std::string_view(z), 7) == reference(z.data(), 3, 7));
  CHECK(hash_key(std::string_view(z), 7) != hash_key(std::string_view("a"), 7));
}

TEST_CASE("hash_key: the seed changes both halves", "[hash]") {
  const KeyHash a = hash_key("key", 1), b = hash_key("key", 2);
  CHECK(a.lo != b.lo);
  CHECK(a.hi != b.hi);
}
