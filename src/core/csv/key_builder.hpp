// key_builder.hpp: turns the key fields of one parsed record into the bytes
// that are hashed (decode, normalise, and for composite keys length-prefix),
// the one place where build and query agree on what a key is. Writes into
// caller-owned memory: no allocation per row.
#pragma once

#include <cstddef>
#include <cstring>

#include "core/pipeline/batches.hpp"
#include "core/csv/record_splitter.hpp"
#include "csvbloom/key_spec.hpp"

namespace csvbloom::detail {

// Bytes build_key may write for the current record: the raw key fields, four
// bytes of length per field for composite keys, and one byte of slack (the
// trim policy writes a NUL at the field's end).
inline std::size_t key_room(const RecordSplitter& s) noexcept {
  std::size_t n = 1;
  for (std::size_t i = 0; i < s.key_count(); ++i)
    n += static_cast<std::size_t>(s.key(i).end - s.key(i).begin) + (s.key_count() > 1 ? 4 : 0);
  return n;
}

struct BuiltKey {
  std::size_t size;  // bytes written at out
  bool empty;        // every key field decoded to nothing
};

inline std::size_t build_one_field(const FieldRef& f, char quote, const Normalization& norm, char* out) noexcept {
  std::size_t len = decode_field(f, quote, out);
  if (norm.trim || norm.lowercase) {
    char* b = out;
    char* e = out + len;
    normalize_field(b, e, norm);
    len = static_cast<std::size_t>(e - b);
    if (b != out) std::memmove(out, b, len);
  }
  return len;
}

inline BuiltKey build_key(const RecordSplitter& s, char quote, const Normalization& norm, char* out) noexcept {
  if (s.key_count() == 1) {
    std::size_t len = build_one_field(s.key(0), quote, norm, out);
    return {len, len == 0};
  }
  char* o = out;
  std::size_t total = 0;
  for (std::size_t i = 0; i < s.key_count(); ++i) {
    std::size_t len = build_one_field(s.key(i), quote, norm, o + 4);
    const auto n = static_cast<std::uint32_t>(len);
    o[0] = static_cast<char>(n & 0xff);
    o[1] = static_cast<char>((n >> 8) & 0xff);
    o[2] = static_cast<char>((n >> 16) & 0xff);
    o[3] = static_cast<char>((n >> 24) & 0xff);
    o += 4 + len;
    total += len;
  }
  return {static_cast<std::size_t>(o - out), total == 0};
}

// Appends the current record's key to `batch`; false (nothing appended) when
// the key is empty.
inline bool append_key(const RecordSplitter& s, char quote, const Normalization& norm, KeyBatch& batch) {
  const BuiltKey key = build_key(s, quote, norm, batch.reserve(key_room(s)));
  if (key.empty) return false;
  batch.commit_key(key.size);
  return true;
}

}  // namespace csvbloom::detail
