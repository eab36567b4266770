// tests/unit/test_rows.cpp: select_rows and dedupe_rows (csvbloom/rows.hpp)
// through the public API, rows into a string sink: empty keys, the header
// once, a header that differs, a last record without a line end, and rows
// byte-identical to the input's bytes whatever the thread split.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "csvbloom/error.hpp"
#include "csvbloom/hash.hpp"
#include "core/common/build_defaults.hpp"
#include "csvbloom/rows.hpp"
#include "temp_dir.hpp"

using namespace csvbloom;
using csvbloom::test::TempDir;

namespace {

class StringSink final : public RowSink {
 public:
  void write(std::string_view bytes) override { out.append(bytes); }
  std::string out;
};

FilterParams params() { return FilterParams{Layout::blocked512, 1u << 16, 7}; }

BuildOptions options(std::vector<std::string> inputs, unsigned readers = 1, unsigned workers = 0,
                     std::size_t chunk = 4u << 20) {
  BuildOptions o;
  o.inputs = std::move(inputs);
  o.key.columns = {KeyColumn{"email", 0}};
  o.readers = readers;
  o.workers = workers;
  o.chunk_bytes = chunk;
  o.queue_batches = 1;
  return o;
}

BloomFilter filter_of(std::initializer_list<std::string_view> keys) {
  BloomFilter f(params());
  for (auto k : keys) f.insert(hash_key(k, f.params().seed));
  return f;
}

struct Split {
  unsigned readers, workers;
  std::size_t chunk;
};
const Split kSplits[] = {{1, 0, 4u << 20}, {1, 1, 16}, {2, 1, 16}, {3, 2, 17}, {7, 3, 16}, {2, 0, 64}};

std::string select(const BuildOptions& o, const BloomFilter& f, SelectMode m, RowStats* stats = nullptr) {
  StringSink sink;
  RowStats s = select_rows(o, f, 1, m, &sink);
  if (stats) *stats = s;
  return sink.out;
}

}  // namespace

TEST_CASE("select_rows: members' records as their own bytes, header once, in input order", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\r\n1,x@y\r\n2,\"q,\"\"r\"\"\"\r\n\r\n3,\"multi\nline\"\n4,zz\n");
  const std::string b = d.file("b.csv", "\xEF\xBB\xBFid,email\n5,x@y\r6,other\n7,\"multi\nline\"");
  const BloomFilter f = filter_of({"x@y", "q,\"r\"", "multi\nline"});
  for (const Split& s : kSplits) {
    INFO("readers " << s.readers << " workers " << s.workers << " chunk " << s.chunk);
    RowStats st;
    const std::string got = select(options({a, b}, s.readers, s.workers, s.chunk), f, SelectMode::present, &st);
    // b's last record has no line end: it gets '\n'; a lone CR stays a lone CR.
    CHECK(got ==
          "id,email\r\n1,x@y\r\n2,\"q,\"\"r\"\"\"\r\n3,\"multi\nline\"\n5,x@y\r7,\"multi\nline\"\n");
    CHECK(st.rows_written == 5);
    CHECK(st.rows_dropped == 2);
    CHECK(select(options({a, b}, s.readers, s.workers, s.chunk), f, SelectMode::absent) ==
          "id,email\r\n4,zz\n6,other\n");
  }
}

TEST_CASE("select_rows: an empty key is never present, always absent", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,\n2,\"\"\n3,k\n");
  // Even a filter that answers "maybe" for everything (all bits set) does not select them.
  BloomFilter full(params());
  for (int i = 0; i < 200000; ++i) full.insert(hash_key(std::to_string(i), full.params().seed));
  REQUIRE(full.may_contain(hash_key("", full.params().seed)));
  CHECK(select(options({a}), full, SelectMode::present) == "id,email\n3,k\n");
  CHECK(select(options({a}), full, SelectMode::absent) == "id,email\n1,\n2,\"\"\n");
}

TEST_CASE("select_rows: a header that differs from the first input's is an error naming the file", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,x\n");
  const std::string b = d.file("b.csv", "email,id\nx,1\n");
  const BloomFilter f = filter_of({"x"});
  for (const Split& s : kSplits) {
    StringSink sink;
    try {
      select_rows(options({a, b}, s.readers, s.workers, s.chunk), f, 1, SelectMode::present, &sink);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::bad_csv);
      CHECK(e.file() == b);
      CHECK(std::string(e.what()).find("header differs") != std::string::npos);
    }
  }
  // Without headers every line is data: no check.
  BuildOptions o = options({a, b});
  o.key.dialect.has_header = false;
  o.key.columns = {KeyColumn{"", 2}};
  StringSink sink;
  select_rows(o, f, 1, SelectMode::present, &sink);
  CHECK(sink.out == "1,x\n");
}

TEST_CASE("select_rows: a key column count that differs from the filter's is invalid_argument", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,x\n");
  StringSink sink;
  try {
    select_rows(options({a}), filter_of({"x"}), 2, SelectMode::present, &sink);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_argument);
  }
  CHECK(sink.out.empty());
}

TEST_CASE("select_rows: without a sink it only counts", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,x\n2,y\n3,x\n");
  const RowStats s = select_rows(options({a}, 2, 1, 16), filter_of({"x"}), 1, SelectMode::present, nullptr);
  CHECK(s.rows_written == 2);
  CHECK(s.rows_dropped == 1);
}

TEST_CASE("dedupe_rows: first occurrences in input order, empty keys all kept, same bytes for every split",
          "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,x\n2,\n3,\"x\"\n4,y\r\n5,\"\"\n6,\"z\nz\"\n");
  const std::string b = d.file("b.csv", "id,email\n7,y\n8,w\n9,\n10,\"z\nz\"\n11,w");
  for (const Split& s : kSplits) {
    INFO("readers " << s.readers << " workers " << s.workers << " chunk " << s.chunk);
    BloomFilter seen(params());
    StringSink sink;
    const RowStats st = dedupe_rows(options({a, b}, s.readers, s.workers, s.chunk), seen, &sink);
    CHECK(sink.out == "id,email\n1,x\n2,\n4,y\r\n5,\"\"\n6,\"z\nz\"\n8,w\n9,\n");
    CHECK(st.rows_written == 7);
    CHECK(st.rows_dropped == 4);
    CHECK(seen.keys_inserted() == 4);
    CHECK(st.expected_false_drops >= 0);
    CHECK(st.expected_false_drops < 1e-6);
  }
}

TEST_CASE("dedupe_rows: a last record without a line end gets one, kept or after a dropped one", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,x\n2,y");
  const std::string b = d.file("b.csv", "id,email\n3,x\n4,y\n5,q");
  BloomFilter seen(params());
  StringSink sink;
  dedupe_rows(options({a, b}), seen, &sink);
  CHECK(sink.out == "id,email\n1,x\n2,y\n5,q\n");
}

TEST_CASE("dedupe_rows: keys already in the starting filter are dropped, the filter gains the new ones", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,old\n2,new\n3,new\n");
  BloomFilter seen = filter_of({"old"});
  StringSink sink;
  dedupe_rows(options({a}), seen, &sink);
  CHECK(sink.out == "id,email\n2,new\n");
  CHECK(seen.may_contain(hash_key("new", seen.params().seed)));
}

TEST_CASE("dedupe_rows: a header that differs is an error naming the file", "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "id,email\n1,x\n");
  const std::string b = d.file("b.csv", "id,email,extra\n2,y,z\n");
  BloomFilter seen(params());
  StringSink sink;
  try {
    dedupe_rows(options({a, b}, 2, 1, 16), seen, &sink);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_csv);
    CHECK(e.file() == b);
  }
}

// Regression (fuzz_rows, 2026-12-04): HeaderGate wrote FileHeader::bytes as
// is, and those run from the start of the input (after a BOM), so the empty
// lines before a header came out before it, once per run.
TEST_CASE("select_rows and dedupe_rows: empty lines before the header are not printed (header_gate_blank_lines)",
          "[rows]") {
  TempDir d;
  const std::string a = d.file("a.csv", "\n\r\n\rid,email\n1,x\n");
  const std::string b = d.file("b.csv", "\xEF\xBB\xBF\nid,email\r\n2,y");
  const BloomFilter f = filter_of({"x"});
  for (const Split& s : kSplits) {
    CHECK(select(options({a, b}, s.readers, s.workers, s.chunk), f, SelectMode::absent) == "id,email\n2,y\n");
    BloomFilter seen(params());
    StringSink sink;
    dedupe_rows(options({b, a}, s.readers, s.workers, s.chunk), seen, &sink);
    CHECK(sink.out == "id,email\r\n2,y\n1,x\n");
  }
}

TEST_CASE("chunk_bytes left at 0 is the work's default: 4 MiB for a filter, 1 MiB for rows", "[rows]") {
  using csvbloom::detail::chunk_bytes_for;
  using csvbloom::detail::Consumer;
  CHECK(BuildOptions{}.chunk_bytes == 0);
  CHECK(chunk_bytes_for(0, Consumer::filter) == 4u << 20);
  CHECK(chunk_bytes_for(0, Consumer::rows) == 1u << 20);
  CHECK(chunk_bytes_for(16, Consumer::rows) == 16);  // given: as given
  CHECK(chunk_bytes_for(8u << 20, Consumer::filter) == 8u << 20);
  TempDir t;
  std::string csv = "id,email\n";
  for (int i = 0; i < 3000; ++i) csv += std::to_string(i) + ",user" + std::to_string(i % 1000) + "@x\n";
  const std::string path = t.file("a.csv", csv);
  const BloomFilter f = filter_of({"user1@x", "user2@x"});
  const std::string want = select(options({path}, 2, 0, 64), f, SelectMode::present);
  CHECK(std::count(want.begin(), want.end(), '\n') == 7);  // the header, user1@x and user2@x 3 times each
  CHECK(select(options({path}, 2, 0, 0), f, SelectMode::present) == want);
}
