// tests/unit/csv_reference.hpp: a deliberately simple CSV reader for tests,
// written straight from Python's csv state machine (_csv.c: START_FIELD,
// IN_FIELD, IN_QUOTED_FIELD, QUOTE_IN_QUOTED_FIELD; strict=False,
// doublequote=True), one byte at a time, no SIMD, no cleverness. The
// splitter and the pipeline are checked against it.
//
// One documented difference from Python is kept, as in record_splitter.hpp:
// end of input inside a quoted field is `unterminated` (Python yields the
// field silently).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace csvref {

enum class Kind { record, blank, unterminated };

struct Result {
  Kind kind{Kind::record};
  std::size_t next{0};  // offset after the record (and its line end)
  std::vector<std::string> fields;
};

// The record (or empty line) starting at `pos` < s.size(); `s` ends the input.
inline Result next_record(std::string_view s, std::size_t pos, char delim = ',', char quote = '"') {
  Result r;
  const std::size_t n = s.size();
  auto line_end_after = [&](std::size_t i) { return i + 1 + (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'); };
  if (s[pos] == '\n' || s[pos] == '\r') {
    r.kind = Kind::blank;
    r.next = line_end_after(pos);
    return r;
  }
  enum { start_field, in_field, in_quoted, quote_in_quoted } state = start_field;
  std::string cur;
  for (std::size_t i = pos;; ++i) {
    if (i == n) {
      if (state == in_quoted) {
        r.kind = Kind::unterminated;
        r.next = n;
        return r;
      }
      r.fields.push_back(cur);
      r.next = n;
      return r;
    }
    const char c = s[i];
    const bool eol = c == '\n' || c == '\r';
    switch (state) {
      case start_field:
      case in_field:
      case quote_in_quoted:
        if (state == quote_in_quoted && c == quote) {  // a doubled quote
          cur += quote;
          state = in_quoted;
          break;
        }
        if (state == start_field && c == quote) {
          state = in_quoted;
          break;
        }
        if (c == delim) {
          r.fields.push_back(cur);
          cur.clear();
          state = start_field;
          break;
        }
        if (eol) {
          r.fields.push_back(cur);
          r.next = line_end_after(i);
          return r;
        }
        cur += c;  // text after a closing quote, or a quote inside a field: data
        state = in_field;
        break;
      case in_quoted:
        if (c == quote) state = quote_in_quoted;
        else cur += c;
        break;
    }
  }
}

struct Record {
  std::size_t begin{0};
  std::uint64_t line{1};  // 1-based line of the record's first byte
  bool unterminated{false};
  std::vector<std::string> fields;
};

// Every record of a whole input (empty lines skipped), `begin` at or after a
// UTF-8 BOM the caller skipped.
inline std::vector<Record> parse_all(std::string_view s, char delim = ',', char quote = '"', std::size_t begin = 0) {
  std::vector<Record> out;
  std::size_t pos = begin;
  while (pos < s.size()) {
    Result r = next_record(s, pos, delim, quote);
    if (r.kind != Kind::blank) {
      Record rec;
      rec.begin = pos;
      rec.line = 1 + static_cast<std::uint64_t>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
      rec.unterminated = r.kind == Kind::unterminated;
      rec.fields = std::move(r.fields);
      out.push_back(std::move(rec));
    }
    pos = r.next;
  }
  return out;
}

// What the build hashes for a record (key_spec.hpp): normalised fields, one
// as is, several each behind a 4-byte little-endian length.
inline std::string normalize(std::string f, bool trim, bool lowercase) {
  if (trim) {
    std::size_t b = 0, e = f.size();
    while (b < e && (f[b] == ' ' || f[b] == '\t')) ++b;
    while (e > b && (f[e - 1] == ' ' || f[e - 1] == '\t')) --e;
    f = f.substr(b, e - b);
  }
  if (lowercase)
    for (char& c : f)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return f;
}

inline std::string composite(const std::vector<std::string>& fields) {
  if (fields.size() == 1) return fields[0];
  std::string out;
  for (const auto& f : fields) {
    const auto n = static_cast<std::uint32_t>(f.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += f;
  }
  return out;
}

}  // namespace csvref
