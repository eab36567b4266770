// record_splitter.cpp: the cold half of the CSV layer (field decoding).
#include "core/csv/record_splitter.hpp"

#include <libfccp/csv.h>

namespace csvbloom::detail {

std::size_t decode_field(const FieldRef& f, char quote, char* out) noexcept {
  const std::size_t n = static_cast<std::size_t>(f.end - f.begin);
  if (f.kind == FieldKind::plain) {
    std::memcpy(out, f.begin, n);
    return n;
  }
  if (f.kind == FieldKind::quoted && quote == '"') {
    // A clean "..." field: fast-cpp-csv-parser's unescape strips the outer
    // quotes and undoubles the inner ones, in place, exactly as Python does.
    // It writes a NUL at the new end, which stays inside the n bytes copied.
    std::memcpy(out, f.begin, n);
    char* b = out;
    char* e = out + n;
    io::double_quote_escape<',', '"'>::unescape(b, e);
    const std::size_t len = static_cast<std::size_t>(e - b);
    std::memmove(out, b, len);
    return len;
  }
  // General case (also any other quote byte): Python's state machine.
  const char* p = f.begin + 1;  // skip the opening quote
  char* o = out;
  for (; p < f.end; ++p) {
    if (*p == quote) {
      if (p + 1 < f.end && p[1] == quote) {
        *o++ = quote;
        ++p;
        continue;
      }
      ++p;  // the closing quote; what follows is literal
      break;
    }
    *o++ = *p;
  }
  const std::size_t rest = static_cast<std::size_t>(f.end - p);
  std::memcpy(o, p, rest);
  return static_cast<std::size_t>(o - out) + rest;
}

}  // namespace csvbloom::detail
