// csvbloom/query.hpp: asking a filter about keys given as text.
//
// A single-column filter takes the text as the field's value (then applies the
// filter's normalisation). A composite-key filter takes the text as one CSV
// row in the filter's dialect, whose fields are the key columns in --key order.
#pragma once

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

 private:
  KeySpec spec_;
};

}  // namespace csvbloom
