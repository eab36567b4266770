// csvbloom/query.hpp: asking a filter about keys given as text.
//
// A single-column filter takes the text as the field's value (then applies the
// filter's normalisation). A composite-key filter takes the text as one CSV
// row in the filter's dialect, whose fields are the key columns in --key order.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "csvbloom/key_spec.hpp"

namespace csvbloom {

class KeyEncoder {
 public:
  explicit KeyEncoder(KeySpec spec);
  // Writes the bytes the build hashed for this key into `out` (replacing its
  // content). Returns false and sets `error` for a composite row with the
  // wrong number of fields or unbalanced quotes.
  bool encode(std::string_view text, std::string& out, std::string* error = nullptr) const;
  // The same from fields already split (a Python tuple, a program's own
  // record): one value per key column in --key order, normalised and joined
  // as the build joins them. Returns false and sets `error` when the number
  // of fields is not the filter's number of key columns.
  bool encode_fields(std::span<const std::string_view> fields, std::string& out, std::string* error = nullptr) const;
  std::size_t column_count() const noexcept { return spec_.column_count(); }

 private:
  KeySpec spec_;
};

}  // namespace csvbloom
