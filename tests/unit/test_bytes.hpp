// tests/unit/test_bytes.hpp: byte-level helpers several unit tests share: the
// u32 little-endian length prefix of a composite key (docs/FORMAT.md), and
// word-for-word equality of two filters' bit arrays.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "csvbloom/filter.hpp"

namespace csvbloom::test {

inline std::string le32(std::uint32_t n) {
  return std::string{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                     static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
}

inline bool same_words(const BloomFilter& a, const BloomFilter& b) {
  return a.words().size() == b.words().size() && std::equal(a.words().begin(), a.words().end(), b.words().begin());
}

}  // namespace csvbloom::test
