// key_spec.cpp: normalisation and composite-key encoding (see key_spec.hpp).
#include "csvbloom/key_spec.hpp"

#include <libfccp/csv.h>

#include <cstring>

namespace csvbloom {

std::string KeySpec::describe() const {
  if (columns.empty()) return "#1";
  std::string s;
  for (const auto& c : columns) {
    if (!s.empty()) s += '+';
    if (c.by_name()) {
      s += c.name;
    } else {  // (not "#" + to_string(): GCC 12 warns falsely on it, -Wrestrict, its bug 105329)
      s += '#';
      s += std::to_string(c.index);
    }
  }
  return s;
}

void normalize_field(char*& begin, char*& end, const Normalization& n) noexcept {
  if (n.trim) {
    // fast-cpp-csv-parser's trim policy writes a NUL at the new end, which may
    // be the old end: callers keep one byte of slack after every field.
    io::trim_chars<' ', '\t'>::trim(begin, end);
  }
  if (n.lowercase) {
    for (char* p = begin; p < end; ++p)
      if (*p >= 'A' && *p <= 'Z') *p = static_cast<char>(*p - 'A' + 'a');
  }
}

void append_composite_key(std::string& out, const std::vector<std::string_view>& fields) {
  if (fields.size() == 1) {
    out.append(fields[0]);
    return;
  }
  for (auto f : fields) {
    const auto n = static_cast<std::uint32_t>(f.size());
    const char len[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                         static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
    out.append(len, 4);
    out.append(f);
  }
}

}  // namespace csvbloom
