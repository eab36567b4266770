// src/core/filter/hash.cpp: the out-of-line hash_key() (public API).
//
// The definition lives in hash_inline.hpp so that hot loops can inline it; this
// file only gives it a linkable name. See include/csvbloom/hash.hpp for why the
// hash is XXH3-128.
#include "core/filter/hash_inline.hpp"

namespace csvbloom {

KeyHash hash_key(const void* data, std::size_t size, std::uint64_t seed) noexcept {
  return detail::hash_key_inline(data, size, seed);
}

}  // namespace csvbloom
