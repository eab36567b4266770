// tests/unit/test_record_splitter.cpp: the CSV layer (core/csv/record_splitter.hpp)
// against Python's csv semantics.
//
// Two kinds of test:
//  - named dialect cases with their expected fields spelled out;
//  - exhaustive comparisons with csv_reference.hpp (a byte-at-a-time reader):
//    every record of every length 0..70, random inputs, and every cut of the
//    buffer, with and without at_eof. The splitter reads 16-byte blocks while
//    at least 16 bytes remain, so cutting the buffer at every position puts
//    the buffer end at every offset of every block. Buffers end right before
//    a PROT_NONE page: a read at or past `end` crashes the test.
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv/record_splitter.hpp"
#include "core/csv/structural_parser.hpp"
#include "csv_reference.hpp"

using namespace csvbloom::detail;

namespace {

// Bytes placed so that they end exactly where an inaccessible page begins.
class GuardedArena {
 public:
  GuardedArena() {
    page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    size_ = kDataPages * page_;
    void* m = ::mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(m != MAP_FAILED);
    base_ = static_cast<char*>(m);
    REQUIRE(::mprotect(base_ + size_, page_, PROT_NONE) == 0);
  }
  ~GuardedArena() { ::munmap(base_, size_ + page_); }
  GuardedArena(const GuardedArena&) = delete;
  GuardedArena& operator=(const GuardedArena&) = delete;

  // Copies s so that it ends at the guard page; returns its first byte.
  const char* place(std::string_view s) {
    if (s.size() > size_) throw std::length_error("GuardedArena: input too long");
    char* p = base_ + size_ - s.size();
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return p;
  }

 private:
  static constexpr std::size_t kDataPages = 64;  // 256 KiB: documents span several 8 KiB windows
  std::size_t page_{0}, size_{0};
  char* base_{nullptr};
};

GuardedArena& arena() {
  static GuardedArena a;
  return a;
}

std::string decode(const FieldRef& f, char quote) {
  std::string out(static_cast<std::size_t>(f.end - f.begin) + 1, '\0');
  out.resize(decode_field(f, quote, out.data()));
  return out;
}

struct Parsed {
  RecordState state;
  std::size_t next;  // offset from the record start
  std::uint32_t field_count;
  std::vector<std::string> keys;  // decoded, when field_count > max key column
};

// Runs the splitter on the record starting at input[pos], the buffer being
// input[0, cut) placed against the guard page.
Parsed split(std::string_view input, std::size_t pos, std::size_t cut, bool at_eof,
             const std::vector<std::uint32_t>& cols, char delim = ',', char quote = '"') {
  const char* b = arena().place(input.substr(0, cut));
  RecordSplitter sp(delim, quote, cols);
  RecordInfo r = sp.next(b + pos, b + cut, at_eof);
  Parsed p{r.state, r.next ? static_cast<std::size_t>(r.next - (b + pos)) : 0, r.field_count, {}};
  if (r.state == RecordState::complete && r.field_count > sp.max_key_column())
    for (std::size_t i = 0; i < sp.key_count(); ++i) p.keys.push_back(decode(sp.key(i), quote));
  return p;
}

// All fields of one complete record, for the named cases.
std::vector<std::string> fields_of(std::string_view s, char delim = ',', char quote = '"',
                                   RecordState want = RecordState::complete) {
  RecordSplitter probe(delim, quote, {0});
  const char* b = arena().place(s);
  RecordInfo r = probe.next(b, b + s.size(), true);
  REQUIRE(r.state == want);
  std::vector<std::uint32_t> all(r.field_count);
  for (std::uint32_t i = 0; i < r.field_count; ++i) all[i] = i;
  RecordSplitter sp(delim, quote, all);
  RecordInfo r2 = sp.next(b, b + s.size(), true);
  REQUIRE(r2.state == want);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < all.size(); ++i) out.push_back(decode(sp.key(i), quote));
  return out;
}

using Fields = std::vector<std::string>;

// The splitter agrees with the reference on the record at `pos`, for every
// cut of the buffer after pos, with at_eof false (the cut is where the bytes
// read so far end) and true (the cut is the end of the input). Returns a
// description of the first disagreement, or "" (no Catch assertion per cut:
// millions of cuts run).
std::string check_all_cuts(std::string_view input, std::size_t pos, const std::vector<std::uint32_t>& cols,
                           char delim, char quote) {
  std::uint32_t max_col = 0;
  for (auto c : cols) max_col = std::max(max_col, c);
  const csvref::Result full = csvref::next_record(input, pos, delim, quote);
  const bool terminated = full.kind != csvref::Kind::unterminated && full.next > pos &&
                          (input[full.next - 1] == '\n' || input[full.next - 1] == '\r');
  auto where = [&](std::size_t cut, bool at_eof, const std::string& what) {
    std::string cs;
    for (auto c : cols) cs += (cs.empty() ? "" : ",") + std::to_string(c);
    return "input '" + std::string(input) + "' (" + std::to_string(input.size()) + " bytes), record at " +
           std::to_string(pos) + ", cut at " + std::to_string(cut) + ", at_eof " + (at_eof ? "true" : "false") +
           ", delimiter '" + std::string(1, delim) + "', key columns {" + cs + "}: " + what;
  };
  auto same_record = [&](const Parsed& got, const csvref::Result& want) -> std::string {
    if (got.state != RecordState::complete) return "state " + std::to_string(int(got.state)) + ", want complete";
    if (pos + got.next != want.next)
      return "next " + std::to_string(pos + got.next) + ", want " + std::to_string(want.next);
    if (got.field_count != want.fields.size())
      return "field count " + std::to_string(got.field_count) + ", want " + std::to_string(want.fields.size());
    if (want.fields.size() > max_col) {
      if (got.keys.size() != cols.size()) return "no key fields";
      for (std::size_t i = 0; i < cols.size(); ++i)
        if (got.keys[i] != want.fields[cols[i]])
          return "key " + std::to_string(i) + " '" + got.keys[i] + "', want '" + want.fields[cols[i]] + "'";
    }
    return {};
  };
  for (std::size_t cut = pos + 1; cut <= input.size(); ++cut) {
    // More input may follow the cut: complete only when the record and its
    // line end are all there (and a final '\r' may still become "\r\n").
    {
      const Parsed got = split(input, pos, cut, false, cols, delim, quote);
      const bool ready = terminated && cut >= full.next && !(cut == full.next && input[cut - 1] == '\r');
      std::string bad;
      if (!ready) {
        if (got.state != RecordState::incomplete) bad = "state " + std::to_string(int(got.state)) + ", want incomplete";
      } else if (full.kind == csvref::Kind::blank) {
        if (got.state != RecordState::blank || pos + got.next != full.next) bad = "want a blank line";
      } else {
        bad = same_record(got, full);
      }
      if (!bad.empty()) return where(cut, false, bad);
    }
    // The cut ends the input: the same answer as the reference on input[0, cut).
    {
      const csvref::Result want = csvref::next_record(input.substr(0, cut), pos, delim, quote);
      const Parsed got = split(input, pos, cut, true, cols, delim, quote);
      std::string bad;
      switch (want.kind) {
        case csvref::Kind::blank:
          if (got.state != RecordState::blank || pos + got.next != want.next) bad = "want a blank line";
          break;
        case csvref::Kind::unterminated:
          if (got.state != RecordState::unterminated_quote || pos + got.next != cut) bad = "want unterminated_quote";
          break;
        case csvref::Kind::record:
          bad = same_record(got, want);
          break;
      }
      if (!bad.empty()) return where(cut, true, bad);
    }
  }
  return {};
}

// Every record of `input` (by the reference), every cut.
void check_input(std::string_view input, const std::vector<std::uint32_t>& cols, char delim = ',', char quote = '"') {
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::string bad = check_all_cuts(input, pos, cols, delim, quote);
    if (!bad.empty()) FAIL(bad);
    pos = csvref::next_record(input, pos, delim, quote).next;
  }
}

const std::vector<std::vector<std::uint32_t>>& key_column_sets() {
  static const std::vector<std::vector<std::uint32_t>> sets = {{0}, {1}, {2}, {0, 2}, {3, 1}, {1, 0, 1}, {5}, {8}};
  return sets;
}

// A random well-formed record (no line end outside quotes): plain fields
// (with quotes inside, which are data), quoted fields (with delimiters,
// doubled quotes, CR, LF, CRLF inside) and messy ones ("ab"c).
// `clean`: only what RFC 4180 allows (no quote inside an unquoted field, no
// text after a closing quote).
std::string random_record(std::mt19937_64& rng, char delim, char quote, bool clean = false) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::string plain_chars = std::string("abcxyz019 .@-_") + (clean ? 'q' : quote);
  const std::vector<std::string> quoted_pieces = {"ab", std::string(1, delim), std::string(2, quote), "\n", "\r\n",
                                                  "\r", "x", "  ", "\xc3\xa9", "0123456789abcdefghij"};
  std::string rec;
  const std::size_t fields = 1 + pick(pick(3) == 0 ? 24 : 8);
  for (std::size_t f = 0; f < fields; ++f) {
    if (f) rec += delim;
    std::size_t kind = pick(6);
    if (clean && kind == 5) kind = 3;  // quoted instead of messy
    switch (kind) {
      case 0:  // empty
        break;
      case 1:
      case 2: {  // plain, a quote allowed anywhere but first
        const std::size_t len = pick(pick(4) == 0 ? 40 : 10);
        for (std::size_t i = 0; i < len; ++i) {
          char c = plain_chars[pick(plain_chars.size())];
          if (i == 0 && c == quote) c = 'q';
          rec += c;
        }
        break;
      }
      case 3:
      case 4: {  // quoted
        rec += quote;
        for (std::size_t i = pick(6); i > 0; --i) rec += quoted_pieces[pick(quoted_pieces.size())];
        rec += quote;
        break;
      }
      default: {  // messy: text after the closing quote, possibly with quotes
        rec += quote;
        rec += "ab";
        if (pick(2)) rec += std::string(2, quote);
        rec += quote;
        rec += pick(2) ? "tail" : std::string("t") + quote + "x";
        break;
      }
    }
  }
  return rec;
}

}  // namespace

TEST_CASE("splitter: quoted delimiters, doubled quotes, newlines inside quotes", "[record_splitter]") {
  CHECK(fields_of("a,\"b,c\",d\n") == Fields{"a", "b,c", "d"});
  CHECK(fields_of("\"a\"\"b\",\"\"\"\"\n") == Fields{"a\"b", "\""});
  CHECK(fields_of("\"\"\n") == Fields{""});
  CHECK(fields_of("\"line 1\nline 2\r\nline 3\rend\",x\n") == Fields{"line 1\nline 2\r\nline 3\rend", "x"});
  CHECK(fields_of("\"a,\"\"b\"\",\nc\"") == Fields{"a,\"b\",\nc"});
}

TEST_CASE("splitter: LF, CRLF and lone CR end records; empty lines are skipped", "[record_splitter]") {
  const std::string s = "a,b\nc,d\r\ne,f\rg,h\n\n\r\n\ri,j";
  const char* b = arena().place(s);
  const char* end = b + s.size();
  RecordSplitter sp(',', '"', {1});
  std::vector<std::string> keys;
  std::vector<RecordState> states;
  for (const char* p = b; p < end;) {
    RecordInfo r = sp.next(p, end, true);
    REQUIRE(r.next > p);
    states.push_back(r.state);
    if (r.state == RecordState::complete) keys.push_back(decode(sp.key(0), '"'));
    p = r.next;
  }
  CHECK(keys == std::vector<std::string>{"b", "d", "f", "h", "j"});
  CHECK(std::count(states.begin(), states.end(), RecordState::blank) == 3);
}

TEST_CASE("splitter: a quote inside an unquoted field is data; text after a closing quote is literal",
          "[record_splitter]") {
  CHECK(fields_of("ab\"c,d\n") == Fields{"ab\"c", "d"});
  CHECK(fields_of("a\"b,\"c\"\n") == Fields{"a\"b", "c"});
  CHECK(fields_of("\"ab\"c,d\n") == Fields{"abc", "d"});
  CHECK(fields_of("\"a\"b\"c\n") == Fields{"ab\"c"});
  CHECK(fields_of("\"a\"\"\"b,x") == Fields{"a\"b", "x"});
  CHECK(fields_of("x,\"ab\" \n") == Fields{"x", "ab "});
  // A quote after a delimiter opens a quoted field; a space before it does not.
  CHECK(fields_of("a, \"b,c\"\n") == Fields{"a", " \"b", "c\""});
}

TEST_CASE("splitter: field kinds", "[record_splitter]") {
  const std::string s = "plain,\"quoted\",\"messy\"tail,\"\"\n";
  const char* b = arena().place(s);
  RecordSplitter sp(',', '"', {0, 1, 2, 3});
  RecordInfo r = sp.next(b, b + s.size(), true);
  REQUIRE(r.state == RecordState::complete);
  CHECK(sp.key(0).kind == FieldKind::plain);
  CHECK(sp.key(1).kind == FieldKind::quoted);
  CHECK(sp.key(2).kind == FieldKind::messy);
  CHECK(sp.key(3).kind == FieldKind::quoted);
}

TEST_CASE("splitter: ragged rows report their own field count", "[record_splitter]") {
  const std::string s = "a\nb,c,d\ne,f\n,\n";
  const char* b = arena().place(s);
  RecordSplitter sp(',', '"', {0});
  std::vector<std::uint32_t> counts;
  for (const char* p = b; p < b + s.size();) {
    RecordInfo r = sp.next(p, b + s.size(), true);
    counts.push_back(r.field_count);
    p = r.next;
  }
  CHECK(counts == std::vector<std::uint32_t>{1, 3, 2, 2});
}

TEST_CASE("splitter: an unterminated quote at end of input", "[record_splitter]") {
  for (std::string s : {"\"abc", "a,\"b\nc,d\n", "\"a\"\"", "x,\""}) {
    INFO(s);
    const char* b = arena().place(s);
    RecordSplitter sp(',', '"', {0});
    RecordInfo r = sp.next(b, b + s.size(), true);
    CHECK(r.state == RecordState::unterminated_quote);
    CHECK(r.next == b + s.size());
    CHECK(sp.next(b, b + s.size(), false).state == RecordState::incomplete);
  }
}

TEST_CASE("splitter: incomplete when the buffer ends inside a record and more may follow", "[record_splitter]") {
  struct Case {
    std::string text;
    const char* why;
  };
  for (const Case& c : {Case{"a,b", "no line end yet"}, Case{"a,b\r", "'\\r' may be the start of \"\\r\\n\""},
                        Case{"\r", "an empty line's '\\r'"}, Case{"a,\"b\"", "a closing quote at the very end"},
                        Case{"a,\"b\"\"", "a doubled quote at the very end"}, Case{"\"ab\nc", "inside quotes"},
                        Case{"a,b,", "after a delimiter"}, Case{"abcdefghijklmnopqrstuvwxyz0123456789", "a long field"}}) {
    INFO(c.why << ": '" << c.text << "'");
    const char* b = arena().place(c.text);
    for (std::vector<std::uint32_t> cols : {std::vector<std::uint32_t>{0}, {1}, {4}}) {
      RecordSplitter sp(',', '"', cols);
      CHECK(sp.next(b, b + c.text.size(), false).state == RecordState::incomplete);
    }
  }
  // With at_eof the same bytes are whole records.
  CHECK(fields_of("a,\"b\"") == Fields{"a", "b"});
  CHECK(fields_of("a,b\r") == Fields{"a", "b"});
  CHECK(fields_of("a,b,") == Fields{"a", "b", ""});
}

TEST_CASE("splitter: tab and semicolon delimiters", "[record_splitter]") {
  CHECK(fields_of("a\tb,c\t\"d\te\"\n", '\t') == Fields{"a", "b,c", "d\te"});
  CHECK(fields_of("a;b,c;\"d;e\"\n", ';') == Fields{"a", "b,c", "d;e"});
  CHECK(fields_of("'a''b';'c;d'e\n", ';', '\'') == Fields{"a'b", "c;de"});
}

TEST_CASE("splitter: fields longer than a 16-byte block", "[record_splitter]") {
  const std::string long1(37, 'x'), long2(16, 'y'), long3(17, 'z');
  CHECK(fields_of(long1 + "," + long2 + "," + long3 + "\n") == Fields{long1, long2, long3});
  CHECK(fields_of("\"" + long1 + ",\"\"" + long2 + "\"," + long3) == Fields{long1 + ",\"" + long2, long3});
  // Many fields after the key column: the bulk tail counts them.
  std::string many;
  for (int i = 0; i < 100; ++i) many += (i ? "," : "") + std::to_string(i);
  CHECK(fields_of(many + "\n").size() == 100);
}

TEST_CASE("decode_field: plain, quoted and messy fields", "[record_splitter]") {
  auto field = [](std::string_view raw, FieldKind kind) { return FieldRef{raw.data(), raw.data() + raw.size(), kind}; };
  CHECK(decode(field("abc", FieldKind::plain), '"') == "abc");
  CHECK(decode(field("a\"b", FieldKind::plain), '"') == "a\"b");
  CHECK(decode(field("", FieldKind::plain), '"') == "");
  CHECK(decode(field("\"\"", FieldKind::quoted), '"') == "");
  CHECK(decode(field("\"a,b\"", FieldKind::quoted), '"') == "a,b");
  CHECK(decode(field("\"a\"\"b\"\"\"", FieldKind::quoted), '"') == "a\"b\"");
  CHECK(decode(field("\"\"\"\"", FieldKind::quoted), '"') == "\"");
  CHECK(decode(field("\"x\ny\"", FieldKind::quoted), '"') == "x\ny");
  CHECK(decode(field("'it''s'", FieldKind::quoted), '\'') == "it's");
  CHECK(decode(field("\"ab\"c", FieldKind::messy), '"') == "abc");
  CHECK(decode(field("\"a\"\"b\"c\"d", FieldKind::messy), '"') == "a\"bc\"d");
  CHECK(decode(field("'a'b'c", FieldKind::messy), '\'') == "ab'c");
}

TEST_CASE("splitter vs reference: records of every length 0..70, every cut, several key columns",
          "[record_splitter]") {
  std::mt19937_64 rng(20240601);
  for (char delim : {',', ';', '\t'}) {
    // Records bucketed by length until every length has a few.
    std::vector<std::vector<std::string>> by_len(71);
    by_len[0].push_back("");
    for (int tries = 0; tries < 200000; ++tries) {
      std::string r = random_record(rng, delim, '"');
      if (r.size() <= 70 && by_len[r.size()].size() < 3) by_len[r.size()].push_back(r);
      bool full = true;
      for (const auto& v : by_len) full = full && !v.empty();
      if (full && tries > 20000) break;
    }
    for (std::size_t len = 0; len <= 70; ++len) {
      REQUIRE(!by_len[len].empty());
      for (const auto& rec : by_len[len]) {
        for (const char* term : {"\n", "\r\n", "\r", ""}) {
          // A record before and after: the record is not always at the buffer start.
          const std::string input = std::string("h1") + delim + "h2\n" + rec + term + (*term ? "x" : "");
          for (const auto& cols : key_column_sets()) check_input(input, cols, delim, '"');
        }
      }
    }
  }
}

TEST_CASE("splitter vs reference: random bytes, every cut", "[record_splitter]") {
  std::mt19937_64 rng(7);
  const std::string alphabet = "ab,,\"\"\r\n x;\t";
  for (int i = 0; i < 400; ++i) {
    std::string s(1 + rng() % 90, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    for (const auto& cols : {std::vector<std::uint32_t>{0}, {2}, {1, 0}, {6}}) check_input(s, cols);
    check_input(s, {1}, ';');
  }
}

TEST_CASE("splitter vs reference: a quote byte other than '\"'", "[record_splitter]") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 150; ++i) {
    std::string s = random_record(rng, ',', '\'') + "\n" + random_record(rng, ',', '\'');
    for (const auto& cols : {std::vector<std::uint32_t>{0}, {3, 1}}) check_input(s, cols, ',', '\'');
  }
}

TEST_CASE("find_parity_boundary: a '\\n' at even quote parity", "[record_splitter]") {
  const std::string s = "a,\"b\nc\",d\ne\n";
  bool in_quotes = false;
  const char* hit = find_parity_boundary(s.data(), s.data() + s.size(), in_quotes, '"');
  REQUIRE(hit != nullptr);
  CHECK(hit - s.data() == 10);  // after "d\n", not after the quoted "b\n"
  in_quotes = true;             // starting inside quotes flips the answer
  hit = find_parity_boundary(s.data(), s.data() + s.size(), in_quotes, '"');
  REQUIRE(hit != nullptr);
  CHECK(hit - s.data() == 5);
  in_quotes = false;
  CHECK(find_parity_boundary(s.data(), s.data() + 4, in_quotes, '"') == nullptr);
  CHECK(in_quotes);  // the parity carries over to the next call
}

TEST_CASE("guess_in_quotes: the quote state at any offset of well-formed CSV", "[record_splitter]") {
  auto guess = [](const std::string& s, std::size_t at) {
    return guess_in_quotes(s.data() + at, s.data() + s.size(), ',', '"');
  };
  // Against the true state (parity of the quotes before each offset) at
  // every offset of a document whose quoted fields hold telling quotes.
  const std::string doc = "id,note\n1,\"a, \"\"b\"\"\nc\"\n2,plain\n3,\"x\ny\"\n4,\"\"\n";
  auto ordinary = [](char c) { return c != ',' && c != '"' && c != '\n' && c != '\r'; };
  auto telling_quote_from = [&](std::size_t i) {
    for (std::size_t q = i; q < doc.size(); ++q)
      if (doc[q] == '"' && ((q + 1 < doc.size() && ordinary(doc[q + 1])) || (q > i && ordinary(doc[q - 1]))))
        return true;
    return false;
  };
  bool inside = false;
  std::size_t exact = 0;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    INFO("offset " << i);
    if (telling_quote_from(i)) {
      CHECK(guess(doc, i) == inside);  // exact where a telling quote follows
      ++exact;
    } else {
      CHECK_FALSE(guess(doc, i));  // else "outside"
    }
    if (doc[i] == '"') inside = !inside;
  }
  CHECK(exact > 30);
  CHECK_FALSE(guess("no quotes at all\n", 3));
  CHECK(guess("abc\",d\n", 0));        // closing quote after an ordinary byte
  CHECK_FALSE(guess("a,\"bc\"\n", 0));  // opening quote before an ordinary byte
  CHECK(guess("b\"\"c\",d\n", 0));      // "" inside a field, then the close
  CHECK_FALSE(guess(",\"\",\n", 0));    // nothing tells: outside
  // A delimiter of another kind changes what is ordinary.
  const std::string tsv = "a\t\"b\"\n";
  CHECK_FALSE(guess_in_quotes(tsv.data(), tsv.data() + tsv.size(), '\t', '"'));
  CHECK(guess_in_quotes(tsv.data() + 3, tsv.data() + tsv.size(), '\t', '"'));
}

// ---- structural_parser.hpp: the fast path must change nothing ----------------
//
// The pipeline's loop is parse_clean_records() until it stops, then one
// record by RecordSplitter::next(). Both loops below run that way (fast) or
// with RecordSplitter alone (reference), on documents of random records with
// every kind of line end, blank lines, ragged rows, messy quotes and quoted
// newlines, long enough to span many 64-byte blocks and several 8 KiB windows.
namespace {

using csvbloom::Normalization;

struct LoopResult {
  std::vector<std::string> keys;
  std::vector<std::string> row_bytes;  // rows mode: each record's bytes, as the batch holds them
  std::uint64_t rows{0}, empty_keys{0}, bad_rows{0};
  const char* stop{nullptr};
  bool operator==(const LoopResult&) const = default;
};

LoopResult parse_loop(const char* b, const char* until, const char* e, const std::vector<std::uint32_t>& cols,
                      std::uint32_t expected, Normalization norm, char delim, char quote, bool fast,
                      bool rows = false) {
  RecordSplitter sp(delim, quote, cols);
  KeyBatch batch;
  batch.keep_rows(rows);
  CleanParseCounts counts;
  const CleanParseContext ctx{delim, quote, expected, ~0ull, norm};
  LoopResult out;
  const char* p = b;
  while (p < until) {
    if (fast) {
      p = parse_clean_records(p, until, e, ctx, sp, batch, counts);
      if (p >= until) break;
    }
    const RecordInfo r = sp.next(p, e, true);
    REQUIRE(r.state != RecordState::incomplete);
    if (r.state == RecordState::blank) {
      p = r.next;
      continue;
    }
    ++out.rows;
    const char* const p_record = p;
    if (r.state == RecordState::unterminated_quote) {
      ++out.bad_rows;
      p = e;
      break;
    }
    p = r.next;
    if (r.field_count <= sp.max_key_column() || (expected && r.field_count != expected)) {
      ++out.bad_rows;
      continue;
    }
    const bool appended = append_key(sp, quote, norm, batch);
    if (!appended) ++out.empty_keys;
    if (rows) {  // as read_records does
      if (!appended) batch.commit_key(0);
      batch.add_row(p_record, p);
    }
  }
  batch.flush_rows();
  out.rows += counts.rows;
  out.empty_keys += counts.empty_keys;
  for (std::size_t i = 0; i < batch.key_count(); ++i) out.keys.emplace_back(batch.key_data(i), batch.key_size(i));
  if (rows)
    for (std::size_t i = 0; i < batch.key_count(); ++i) out.row_bytes.emplace_back(batch.row_data(i), batch.row_size(i));
  out.stop = p;
  return out;
}

std::string random_document(std::mt19937_64& rng, char delim, char quote, bool ragged, bool clean) {
  const std::vector<std::string> line_ends = {"\n", "\n", "\n", "\r\n", "\r"};
  const int records = 1 + static_cast<int>(rng() % 400);
  auto field_count = [&](const std::string& rec) {
    return csvref::next_record(rec, 0, delim, quote).fields.size();
  };
  std::string doc;
  std::size_t fields = 0;
  for (int i = 0; i < records; ++i) {
    std::string rec = random_record(rng, delim, quote, clean);
    if (i == 0) fields = field_count(rec);
    // Same field count as the first record (unless ragged, or 50 draws miss).
    for (int tries = 0; !ragged && tries < 50 && field_count(rec) != fields; ++tries)
      rec = random_record(rng, delim, quote, clean);
    doc += rec;
    if (rng() % 100 < 3) doc += "\n";  // a blank line follows
    doc += line_ends[rng() % line_ends.size()];
  }
  if (rng() % 4 == 0) doc.pop_back();  // no final line end
  return doc;
}

}  // namespace

TEST_CASE("structural parser: same keys, rows and bad rows as RecordSplitter alone", "[structural_parser]") {
  std::mt19937_64 rng(20261129);
  for (int iter = 0; iter < 300; ++iter) {
    const char quote = iter % 7 == 6 ? '\'' : '"';
    const char delim = iter % 5 == 4 ? ';' : ',';
    const bool ragged = iter % 3 == 0;
    const std::string doc = random_document(rng, delim, quote, ragged, iter % 4 != 0);
    const char* b = arena().place(doc);
    const char* e = b + doc.size();
    // The field count of the first record, as the pipeline's header check takes it.
    RecordSplitter first(delim, quote, {0});
    const RecordInfo r0 = first.next(b, e, true);
    const std::uint32_t expected = ragged ? 0 : r0.field_count;
    const auto& sets = key_column_sets();
    const auto& cols = sets[static_cast<std::size_t>(iter) % sets.size()];
    const csvbloom::Normalization norm{iter % 4 == 1, iter % 8 == 3};
    const char* until = iter % 2 ? e : b + rng() % (doc.size() + 1);
    INFO("iteration " << iter << ", " << doc.size() << " bytes, expected fields " << expected);
    const LoopResult fast = parse_loop(b, until, e, cols, expected, norm, delim, quote, true);
    const LoopResult slow = parse_loop(b, until, e, cols, expected, norm, delim, quote, false);
    REQUIRE(fast.rows == slow.rows);
    REQUIRE(fast.bad_rows == slow.bad_rows);
    REQUIRE(fast.empty_keys == slow.empty_keys);
    REQUIRE(fast.stop == slow.stop);
    REQUIRE(fast.keys == slow.keys);
    // Rows mode (select, dedupe): one key per record, an empty one included,
    // and each record's own bytes, whether the fast path or the splitter took it.
    const LoopResult fast_rows = parse_loop(b, until, e, cols, expected, norm, delim, quote, true, true);
    const LoopResult slow_rows = parse_loop(b, until, e, cols, expected, norm, delim, quote, false, true);
    REQUIRE(fast_rows.rows == slow.rows);
    REQUIRE(fast_rows.stop == slow.stop);
    REQUIRE(fast_rows.keys.size() == fast_rows.rows - fast_rows.bad_rows);
    REQUIRE(fast_rows.keys == slow_rows.keys);
    REQUIRE(fast_rows.row_bytes == slow_rows.row_bytes);
  }
}

TEST_CASE("structural parser: clean CSV is parsed by the fast path, up to the last 64 bytes", "[structural_parser]") {
  std::string doc;
  for (int i = 0; i < 2000; ++i)
    doc += std::to_string(i) + ",user" + std::to_string(i) + "@x.org,\"Doe, \"\"J\"\"\",\"multi\nline\"\r\n";
  const char* b = arena().place(doc);
  const char* e = b + doc.size();
  RecordSplitter sp(',', '"', {1});
  KeyBatch batch;
  CleanParseCounts counts;
  const char* stop = parse_clean_records(b, e, e, CleanParseContext{',', '"', 4, ~0ull, {}}, sp, batch, counts);
  CHECK(e - stop < 64 + 40);  // only the records in the last, partial block are left
  CHECK(counts.rows == batch.key_count());
  REQUIRE(batch.key_count() > 1900);
  CHECK(std::string(batch.key_data(7), batch.key_size(7)) == "user7@x.org");
  // A quote inside an unquoted field (Python: data) stops it at that record.
  std::string messy = "a,b\"c,d\nx,y,z\n";
  for (int i = 0; i < 10; ++i) messy = "k,v,w\n" + messy;
  const char* mb = arena().place(messy);
  CleanParseCounts c2;
  KeyBatch b2;
  RecordSplitter sp2(',', '"', {1});
  const char* at = parse_clean_records(mb, mb + messy.size(), mb + messy.size(), CleanParseContext{',', '"', 3, ~0ull, {}},
                                       sp2, b2, c2);
  CHECK(at - mb == 60);  // the 11th record, "a,b\"c,d"
  CHECK(c2.rows == 10);
}
