// hash_keys.hpp: the parallel step most consumers share: every key of a batch
// to its 128-bit hash, into the batch's HashBatch (no allocation once warm).
#pragma once

#include "core/filter/hash_inline.hpp"
#include "core/pipeline/batch_consumer.hpp"

namespace csvbloom::detail {

inline void hash_keys(Batch& b, std::uint64_t seed) {
  const KeyBatch& keys = b.keys;
  KeyHash* out = b.hashes.resize(keys.key_count());
  for (std::size_t i = 0; i < keys.key_count(); ++i) out[i] = hash_key_inline(keys.key_data(i), keys.key_size(i), seed);
}

}  // namespace csvbloom::detail
