// record_splitter.hpp: finds records and the key fields in CSV bytes, reading
// them exactly as Python's csv module does (excel dialect, strict=False,
// doublequote=True, skipinitialspace=False), with one documented difference:
// an unterminated quote at end of input is an error here, not a silent field.
//
// The rules, as Python's C parser (_csv.c) applies them:
//  - a field that starts with the quote byte is quoted: delimiters, '\r' and
//    '\n' inside it are data; a doubled quote is one quote; the closing quote
//    followed by anything but a delimiter or line end makes the rest of the
//    field literal text (`"ab"c` is `abc`, `"a"b"c` is `ab"c`);
//  - a quote anywhere else in a field is an ordinary byte (`ab"c`);
//  - a record ends at '\n', '\r\n' or a lone '\r' outside quotes;
//  - an empty line is no record (Python yields [] and we skip it).
//
// Why not fast-cpp-csv-parser's splitting: its LineReader splits at every
// newline (no newlines inside quotes), owns its I/O with a 48 MiB buffer per
// reader and counts lines in 32 bits, and its column finder treats a quote in
// the middle of a field as opening a quoted section, where Python does not.
// We keep its policies for what they do well: unescaping a cleanly quoted
// field (double_quote_escape) and trimming (trim_chars), in decode_key_field().
//
// Most records never come here: structural_parser.hpp parses clean CSV 64
// bytes at a time and hands RecordSplitter::next() the rest (messy quotes,
// blank lines, bad rows, records at the end of the bytes at hand). next() is
// inline, allocation-free, and scans unquoted fields 16 bytes at a time
// (byte_scan.hpp); quoted fields use memchr.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/csv/byte_scan.hpp"
#include "core/csv/simd_kernels.hpp"

namespace csvbloom::detail {

enum class FieldKind : std::uint8_t {
  plain,   // unquoted: the bytes are the value
  quoted,  // "..." closed right before a delimiter or line end: strip, undouble
  messy,   // quoted, then more bytes after the closing quote
};

struct FieldRef {
  const char* begin{nullptr};
  const char* end{nullptr};
  FieldKind kind{FieldKind::plain};
};

enum class RecordState : std::uint8_t {
  complete,            // a record; next is where the following one starts
  blank,               // an empty line; skip to next
  incomplete,          // the buffer ends inside the record and more input may follow
  unterminated_quote,  // end of input inside a quoted field
};

struct RecordInfo {
  RecordState state{RecordState::incomplete};
  const char* next{nullptr};
  std::uint32_t field_count{0};
};

class RecordSplitter {
 public:
  // key_columns: 0-based field indexes, in key order (repeats allowed).
  RecordSplitter(char delimiter, char quote, std::vector<std::uint32_t> key_columns)
      : delimiter_(delimiter), quote_(quote), key_columns_(std::move(key_columns)) {
    for (auto c : key_columns_) max_key_column_ = std::max(max_key_column_, c);
    avx2_ = cpu_has_avx2();  // copied once per splitter: next() reads a member, per record
    fields_.resize(max_key_column_ + 1);
  }

  std::size_t key_count() const noexcept { return key_columns_.size(); }
  std::uint32_t max_key_column() const noexcept { return max_key_column_; }

  // The i-th key field of the last complete record (valid while its buffer is,
  // and only when field_count > max_key_column()).
  const FieldRef& key(std::size_t i) const noexcept { return fields_[key_columns_[i]]; }
  // Fields 0..max_key_column() of the current record, for a parser that finds
  // them another way (structural_parser.hpp) and then builds keys as usual.
  FieldRef* fields() noexcept { return fields_.data(); }

  // Parses the record starting at p. `end` is the end of the bytes available;
  // `at_eof` says no more bytes follow them. Never reads at or past `end`.
  RecordInfo next(const char* p, const char* end, bool at_eof) noexcept;

 private:
  char delimiter_, quote_;
  std::vector<std::uint32_t> key_columns_;
  std::uint32_t max_key_column_{0};
  std::vector<FieldRef> fields_;  // fields 0..max_key_column_ of the current record
  bool avx2_{false};              // scan record tails 32 bytes at a time
};

#if defined(__GNUC__)
#define CSVBLOOM_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CSVBLOOM_ALWAYS_INLINE inline
#endif

// Two speeds. Up to the last key column, fields are found one by one: one
// 16-byte load per 16 bytes (`mask` keeps the delimiter/CR/LF positions of
// the current block; each field end is a count-trailing-zeros). After the last
// key column only the record's end and field count matter, so whole blocks
// are consumed at once: popcount the delimiters, stop at a line end or at a
// quote that opens a field (a quote right after a delimiter; a quote anywhere
// else is data). Quoted fields are skipped with memchr.
// Measured on bench/gen's medium set, `build -j1` (AMD EPYC): 1.15 s with
// field-by-field blocks, 1.25 s with a scan per field (commit 001a779).
CSVBLOOM_ALWAYS_INLINE RecordInfo RecordSplitter::next(const char* p, const char* end, bool at_eof) noexcept {
  RecordInfo r;
  // An empty line: Python yields [] for it; it is no record.
  if (p < end && (*p == '\n' || *p == '\r')) {
    if (*p == '\r') {
      if (p + 1 == end && !at_eof) return r;  // can't tell "\r" from "\r\n" yet
      r.next = p + 1 + (p + 1 < end && p[1] == '\n');
    } else {
      r.next = p + 1;
    }
    r.state = RecordState::blank;
    return r;
  }
  FieldRef* const fields = fields_.data();
  const std::uint32_t tracked = max_key_column_;
  std::uint32_t field = 0;  // index of the field starting at p
#if defined(__SSE2__)
  const __m128i vd = _mm_set1_epi8(delimiter_);
  const __m128i vn = _mm_set1_epi8('\n');
  const __m128i vr = _mm_set1_epi8('\r');
  const __m128i vq = _mm_set1_epi8(quote_);
  const char* block = nullptr;  // the 16 bytes whose specials are in `mask`
  unsigned mask = 0;
#endif
  for (;;) {
    const char* field_begin = p;
    FieldKind kind = FieldKind::plain;
    if (p < end && *p == quote_) {
      // Quoted field: find the closing quote, skipping doubled quotes.
      const char* q = p + 1;
      for (;;) {
        const char* x = static_cast<const char*>(std::memchr(q, quote_, static_cast<std::size_t>(end - q)));
        if (!x) {
          if (!at_eof) return r;
          r.state = RecordState::unterminated_quote;
          r.next = end;
          return r;
        }
        if (x + 1 == end) {
          if (!at_eof) return r;  // the next byte may be another quote
          p = end;
          break;
        }
        if (x[1] == quote_) {
          q = x + 2;
          continue;
        }
        p = x + 1;
        break;
      }
      kind = FieldKind::quoted;
      if (p < end && *p != delimiter_ && *p != '\n' && *p != '\r') {
        kind = FieldKind::messy;
        p = find_field_end(p, end, delimiter_);
      }
#if defined(__SSE2__)
      block = nullptr;
      mask = 0;
#endif
    } else {
#if defined(__SSE2__)
      if (field > tracked) {
        // Bulk tail: no key field left in this record.
        bool at_quote = false, at_line_end = false;
        if (avx2_) {
          const TailStop t = scan_tail_avx2(p, end, delimiter_, quote_);
          field += t.delimiters;
          p = t.at;
          at_quote = t.kind == TailStop::field_quote;
          at_line_end = t.kind == TailStop::line_end;
        }
        while (!at_quote && !at_line_end && end - p >= 16) {
          const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
          const unsigned md = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd)));
          const unsigned mn = static_cast<unsigned>(
              _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, vn), _mm_cmpeq_epi8(v, vr))));
          const unsigned mq = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)));
          const unsigned stop = mn | (mq & (md << 1));
          if (stop == 0) {
            field += popcount16(md);
            p += 16;
            if ((md & 0x8000u) && p < end && *p == quote_) {
              at_quote = true;  // a quoted field starts the next block
              break;
            }
            continue;
          }
          const unsigned first = static_cast<unsigned>(__builtin_ctz(stop));
          field += popcount16(md & ((1u << first) - 1));
          p += first;
          if (mn & (1u << first)) break;  // the line end: p is on it
          at_quote = true;                // a quote opening a field
          break;
        }
        if (at_quote) continue;  // back to the quoted-field path
        block = nullptr;
        mask = 0;
        p = find_field_end(p, end, delimiter_);  // (< 16 bytes left, or already on the line end)
      } else {
        // Next delimiter or line end at or after p.
        for (;;) {
          if (block && p < block + 16) {
            mask &= ~0u << (p - block);
            if (mask) {
              p = block + __builtin_ctz(mask);
              break;
            }
            block += 16;
          } else {
            block = p;
          }
          if (end - block < 16) {
            p = find_field_end(p > block ? p : block, end, delimiter_);
            block = nullptr;
            mask = 0;
            break;
          }
          const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
          mask = static_cast<unsigned>(_mm_movemask_epi8(
              _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vn)), _mm_cmpeq_epi8(v, vr))));
          if (p < block) p = block;  // moved on to a later block: the field goes on there
        }
      }
#else
      p = find_field_end(p, end, delimiter_);
#endif
    }
    if (field <= tracked) fields[field] = FieldRef{field_begin, p, kind};
    ++field;
    if (p == end) {
      if (!at_eof) return r;
      r.state = RecordState::complete;
      r.next = end;
      r.field_count = field;
      return r;
    }
    if (*p == delimiter_) {
      ++p;
      continue;
    }
    // '\n', '\r' or "\r\n" ends the record.
    if (*p == '\r') {
      if (p + 1 == end && !at_eof) return r;
      r.next = p + 1 + (p + 1 < end && p[1] == '\n');
    } else {
      r.next = p + 1;
    }
    r.state = RecordState::complete;
    r.field_count = field;
    return r;
  }
}

// Decodes a key field's raw bytes into out[0..) (Python's value), applying no
// normalisation. Returns the decoded length. `out` must have room for
// (end - begin) bytes: decoding never grows a field.
std::size_t decode_field(const FieldRef& f, char quote, char* out) noexcept;

// The parity rule for record starts, used to split files into chunks: in
// well-formed CSV a '\n' ends a record exactly when an even number of quote
// bytes precede it. Scans [p, end) with `in_quotes` the parity before p
// (updated as it goes) and returns one past the first such '\n', or nullptr.
inline const char* find_parity_boundary(const char* p, const char* end, bool& in_quotes, char quote) noexcept {
  for (; p < end; ++p) {
    const char ch = *p;
    if (ch == quote) in_quotes = !in_quotes;
    else if (ch == '\n' && !in_quotes) return p + 1;
  }
  return nullptr;
}

// Whether byte p lies inside a quoted field, judged without reading what
// comes before p: from the first quote in [p, end) whose neighbours tell an
// opening quote from a closing one. In well-formed CSV a quote followed by
// an ordinary byte (not the delimiter, a line break or another quote) can
// only open a field, and one preceded by an ordinary byte can only close one
// (the pair "" counts as close-and-reopen, as in the parity rule), so the
// answer is exact whenever such a quote exists; quotes that say neither
// ("" fields, a quote between delimiters) are passed over. With no telling
// quote it answers false: a quote-free stretch is almost always unquoted.
// A wrong answer is never fatal: the chunk hand-off checks every guessed
// record start against the real parse (chunk_ledger.hpp).
inline bool guess_in_quotes(const char* p, const char* end, char delimiter, char quote) noexcept {
  auto ordinary = [&](char c) { return c != delimiter && c != quote && c != '\n' && c != '\r'; };
  bool flipped = false;  // an odd number of quotes lie between p and q
  for (const char* q = p; (q = static_cast<const char*>(std::memchr(q, quote, static_cast<std::size_t>(end - q))));
       ++q) {
    if (q + 1 < end && ordinary(q[1])) return flipped;    // opens a field: outside before q
    if (q > p && ordinary(q[-1])) return !flipped;        // closes a field: inside before q
    flipped = !flipped;
  }
  return false;
}

}  // namespace csvbloom::detail
