// reference_csv.hpp: a slow, obviously-correct CSV reader for the fuzzers to
// compare the real one against (tests only; never linked into the library).
//
// Python's csv module, excel dialect, strict=False, doublequote=True, read
// from a file opened with newline='' (the semantics record_splitter.hpp
// promises), written as the plainest loop that follows _csv.c's states:
//  - a line end is '\n', "\r\n" or a lone '\r'; an empty line is no record;
//  - a field starting with the quote byte is quoted until a quote not
//    followed by another quote; a doubled quote inside is one quote; bytes
//    after the closing quote up to the next delimiter or line end are
//    literal text;
//  - a quote anywhere else is an ordinary byte;
//  - end of input inside a quoted field is an error (csvbloom's one
//    documented difference: Python would return the partial field).
// Every byte, NUL and invalid UTF-8 included, is data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "csvbloom/key_spec.hpp"

namespace csvbloom_fuzz {

struct RefRecord {
  std::vector<std::string> fields;
  std::size_t offset{0};  // where the record starts in the input
  std::size_t end{0};     // where it ends: after its line end, if any
};

struct RefParse {
  std::vector<RefRecord> records;
  bool unterminated_quote{false};  // the input ends inside a quoted field
  std::size_t unterminated_offset{0};  // start of that last, unfinished record
};

inline RefParse reference_parse(std::string_view in, char delimiter, char quote) {
  RefParse out;
  const std::size_t n = in.size();
  std::size_t pos = 0;
  auto line_end = [&](std::size_t i) { return in[i] == '\n' || in[i] == '\r'; };
  while (pos < n) {
    if (line_end(pos)) {  // an empty line
      pos += (in[pos] == '\r' && pos + 1 < n && in[pos + 1] == '\n') ? 2 : 1;
      continue;
    }
    RefRecord rec;
    rec.offset = pos;
    for (;;) {
      std::string field;
      if (pos < n && in[pos] == quote) {
        ++pos;
        for (;;) {
          if (pos == n) {
            out.unterminated_quote = true;
            out.unterminated_offset = rec.offset;
            return out;
          }
          if (in[pos] == quote) {
            if (pos + 1 < n && in[pos + 1] == quote) {
              field += quote;
              pos += 2;
              continue;
            }
            ++pos;  // the closing quote
            break;
          }
          field += in[pos++];
        }
      }
      // Unquoted bytes, or the literal text after a closing quote.
      while (pos < n && in[pos] != delimiter && !line_end(pos)) field += in[pos++];
      rec.fields.push_back(std::move(field));
      if (pos == n) break;
      if (in[pos] == delimiter) {
        ++pos;
        continue;
      }
      pos += (in[pos] == '\r' && pos + 1 < n && in[pos + 1] == '\n') ? 2 : 1;
      break;
    }
    rec.end = pos;
    out.records.push_back(std::move(rec));
  }
  return out;
}

// The bytes csvbloom hashes for a record's key columns (0-based), through
// the public normalisation and composite-encoding functions. `empty` is set
// when every key field normalises to nothing (the pipeline skips those).
inline std::string reference_key(const RefRecord& r, const std::vector<std::uint32_t>& columns,
                                 const csvbloom::Normalization& norm, bool& empty) {
  std::vector<std::string> normalized;
  std::size_t total = 0;
  for (auto c : columns) {
    const std::string& f = r.fields[c];
    std::vector<char> buf(f.begin(), f.end());
    buf.push_back('\0');  // normalize_field's one byte of slack
    char* b = buf.data();
    char* e = buf.data() + f.size();
    csvbloom::normalize_field(b, e, norm);
    normalized.emplace_back(b, e);
    total += normalized.back().size();
  }
  empty = total == 0;
  std::vector<std::string_view> views(normalized.begin(), normalized.end());
  std::string key;
  csvbloom::append_composite_key(key, views);
  return key;
}

}  // namespace csvbloom_fuzz
