// csvbloom/key_spec.hpp: which bytes of a CSV row are "the key", and how the
// same key is reproduced at query time.
//
// A key is one or more columns (by header name or 1-based index). The bytes
// hashed are, for one column, the field's decoded bytes (after the optional
// normalisations); for several columns, each field encoded as a 4-byte
// little-endian length followed by its bytes, concatenated in --key order.
// The length prefix makes ("ab","c") and ("a","bc") different keys.
// Normalisations: trim (ASCII space and tab at both ends) then lowercase
// (ASCII A-Z only; other bytes untouched, no Unicode folding).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace csvbloom {

struct KeyColumn {
  std::string name;       // header name; empty when selected by index
  std::uint32_t index{};  // 1-based; 0 when selected by name
  bool by_name() const noexcept { return index == 0; }
  friend bool operator==(const KeyColumn&, const KeyColumn&) = default;
};

struct Dialect {
  char delimiter{','};
  char quote{'"'};
  bool has_header{true};
  friend bool operator==(const Dialect&, const Dialect&) = default;
};

struct Normalization {
  bool trim{false};
  bool lowercase{false};
  friend bool operator==(const Normalization&, const Normalization&) = default;
};

struct KeySpec {
  std::vector<KeyColumn> columns;  // empty means "the first column"
  Dialect dialect;
  Normalization normalization;
  friend bool operator==(const KeySpec&, const KeySpec&) = default;

  std::size_t column_count() const noexcept { return columns.empty() ? 1 : columns.size(); }
  // Human-readable, e.g. "email" or "#3+last_name".
  std::string describe() const;
};

inline constexpr std::size_t kMaxKeyColumns = 16;

// Applies the normalisation in place to a decoded field held in [begin, end)
// and returns the new end (trimming may also advance begin).
void normalize_field(char*& begin, char*& end, const Normalization& n) noexcept;

// Builds the hashed key bytes from already-decoded, already-normalised fields.
// Appends to `out`; one field is appended as is, several are length-prefixed.
void append_composite_key(std::string& out, const std::vector<std::string_view>& fields);

}  // namespace csvbloom
