// fuzz_record_splitter.cpp: detail::RecordSplitter + build_key against the
// reference reader (reference_csv.hpp), on arbitrary bytes.
//
// Input: byte 0 picks the dialect and key (below), byte 1 seeds the split
// points, the rest is the CSV. Checked, for every input:
//  1. whole buffer, at_eof = true: the splitter finds the same records, field
//     counts and key bytes as the reference, and reports an unterminated
//     quote exactly where the reference does;
//  2. the same bytes handed over in random pieces (at_eof = false until the
//     last byte arrives; every call gets an exactly-sized heap copy, so ASan
//     sees any read at or past `end`): identical results, so "incomplete" is
//     never a wrong answer;
//  3. count_quotes_newlines equals a byte-by-byte count, and
//     find_parity_boundary stops at the first '\n' outside quotes;
//  4. progress: every complete/blank record moves forward.
// Any mismatch aborts (a libFuzzer crash with the input saved).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv/byte_scan.hpp"
#include "core/csv/key_builder.hpp"
#include "core/csv/record_splitter.hpp"
#include "reference_csv.hpp"

using namespace csvbloom;
using namespace csvbloom::detail;

namespace {

[[noreturn]] void mismatch(const char* what, std::size_t index) {
  std::fprintf(stderr, "fuzz_record_splitter: %s (record %zu)\n", what, index);
  std::abort();
}

struct Config {
  char delimiter, quote;
  std::vector<std::uint32_t> columns;  // 0-based
  Normalization norm;
};

Config config_from(std::uint8_t b) {
  static const char kDelims[] = {',', ';', '\t', '|'};
  static const std::vector<std::uint32_t> kColumns[] = {{0}, {1}, {2, 0}, {0, 0}};
  Config c;
  c.delimiter = kDelims[b & 3];
  c.quote = (b & 4) ? '\'' : '"';
  c.columns = kColumns[(b >> 3) & 3];
  c.norm.trim = b & 0x20;
  c.norm.lowercase = b & 0x40;
  return c;
}

// What the splitter said about one record.
struct Seen {
  std::uint32_t field_count;
  bool has_key;  // field_count > max key column
  std::string key;
  bool empty;
};

struct Result {
  std::vector<Seen> records;
  bool unterminated{false};
};

Seen take(const RecordSplitter& sp, const RecordInfo& r, const Config& c) {
  Seen s{r.field_count, r.field_count > sp.max_key_column(), {}, false};
  if (!s.has_key) return s;
  // Exactly key_room bytes: build_key must stay inside them.
  const std::size_t room = key_room(sp);
  std::unique_ptr<char[]> out(new char[room]);
  const BuiltKey k = build_key(sp, c.quote, c.norm, out.get());
  if (k.size > room) mismatch("build_key wrote more than key_room", 0);
  s.key.assign(out.get(), k.size);
  s.empty = k.empty;
  return s;
}

Result split_whole(const char* data, std::size_t n, const Config& c) {
  Result res;
  RecordSplitter sp(c.delimiter, c.quote, c.columns);
  const char* p = data;
  const char* end = data + n;
  while (p < end) {
    const RecordInfo r = sp.next(p, end, true);
    switch (r.state) {
      case RecordState::incomplete: mismatch("incomplete at end of input", res.records.size());
      case RecordState::unterminated_quote:
        if (r.next != end) mismatch("unterminated quote does not consume the rest", res.records.size());
        res.unterminated = true;
        return res;
      case RecordState::blank:
        if (r.next <= p || r.next > end) mismatch("blank line without progress", res.records.size());
        p = r.next;
        continue;
      case RecordState::complete:
        if (r.next <= p || r.next > end) mismatch("record without progress", res.records.size());
        res.records.push_back(take(sp, r, c));
        p = r.next;
        continue;
    }
  }
  return res;
}

// The bytes arrive in pieces of 1..64 bytes (a xorshift sequence seeded from
// the input); each call sees a fresh, exactly-sized copy of what is buffered.
Result split_pieces(const char* data, std::size_t n, const Config& c, std::uint32_t seed) {
  Result res;
  RecordSplitter sp(c.delimiter, c.quote, c.columns);
  std::uint32_t x = seed * 2654435761u + 1;
  auto step = [&] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return 1 + x % 64;
  };
  std::size_t pos = 0, avail = 0;
  int stalls = 0;
  while (pos < n) {
    if (avail == pos) avail = std::min(n, avail + step());
    const bool at_eof = avail == n;
    const std::size_t len = avail - pos;
    std::unique_ptr<char[]> buf(new char[len]);
    std::memcpy(buf.get(), data + pos, len);
    const RecordInfo r = sp.next(buf.get(), buf.get() + len, at_eof);
    switch (r.state) {
      case RecordState::incomplete:
        if (at_eof) mismatch("incomplete at end of input (pieces)", res.records.size());
        avail = std::min(n, avail + step());
        if (++stalls > 1 << 20) mismatch("no progress", res.records.size());
        continue;
      case RecordState::unterminated_quote:
        if (!at_eof) mismatch("unterminated quote before end of input", res.records.size());
        res.unterminated = true;
        return res;
      case RecordState::blank:
        pos += static_cast<std::size_t>(r.next - buf.get());
        continue;
      case RecordState::complete:
        res.records.push_back(take(sp, r, c));
        pos += static_cast<std::size_t>(r.next - buf.get());
        continue;
    }
  }
  return res;
}

void compare(const Result& a, const Result& b, const char* what) {
  if (a.unterminated != b.unterminated) mismatch(what, a.records.size());
  if (a.records.size() != b.records.size()) mismatch(what, std::min(a.records.size(), b.records.size()));
  for (std::size_t i = 0; i < a.records.size(); ++i) {
    const Seen& x = a.records[i];
    const Seen& y = b.records[i];
    if (x.field_count != y.field_count || x.has_key != y.has_key || x.key != y.key || x.empty != y.empty)
      mismatch(what, i);
  }
}

void check_scans(const char* data, std::size_t n, char quote) {
  std::uint64_t q = 0, nl = 0;
  for (std::size_t i = 0; i < n; ++i) {
    q += data[i] == quote;
    nl += data[i] == '\n';
  }
  const QuoteNewlineCount c = count_quotes_newlines(data, n, quote);
  if (c.quotes != q || c.newlines != nl) mismatch("count_quotes_newlines", 0);
  bool in_quotes = false, want_in = false;
  const char* want = nullptr;
  for (std::size_t i = 0; i < n && !want; ++i) {
    if (data[i] == quote) want_in = !want_in;
    else if (data[i] == '\n' && !want_in) want = data + i + 1;
  }
  if (find_parity_boundary(data, data + n, in_quotes, quote) != want) mismatch("find_parity_boundary", 0);
  if (!want && in_quotes != want_in) mismatch("find_parity_boundary parity", 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  const Config c = config_from(bytes[0]);
  const std::uint32_t seed = bytes[1];
  const std::size_t n = size - 2;
  // An exactly-sized copy (libFuzzer's buffer is too, but make it explicit).
  std::unique_ptr<char[]> data(new char[n ? n : 1]);
  std::memcpy(data.get(), bytes + 2, n);

  const Result whole = split_whole(data.get(), n, c);

  // The reference's view of the same bytes.
  const csvbloom_fuzz::RefParse ref = csvbloom_fuzz::reference_parse(std::string_view(data.get(), n), c.delimiter, c.quote);
  Result expected;
  expected.unterminated = ref.unterminated_quote;
  std::uint32_t max_col = 0;
  for (auto col : c.columns) max_col = std::max(max_col, col);
  for (const auto& rec : ref.records) {
    Seen s{static_cast<std::uint32_t>(rec.fields.size()), rec.fields.size() > max_col, {}, false};
    if (s.has_key) s.key = csvbloom_fuzz::reference_key(rec, c.columns, c.norm, s.empty);
    expected.records.push_back(std::move(s));
  }
  compare(whole, expected, "splitter differs from the reference reader");
  compare(split_pieces(data.get(), n, c, seed), whole, "split in pieces differs from whole buffer");
  check_scans(data.get(), n, c.quote);
  return 0;
}
