// tests/unit/test_ordered_pipeline.cpp: the driver's ordered rows mode
// (chunk_driver.hpp, batch_consumer.hpp), the ground select and dedupe
// stand on.
//
// A collecting consumer (ordered, wants_rows) records, in serial(), every
// batch's (chunk, part, last) and every record's (key bytes, record bytes)
// in the order they arrive. That sequence is the oracle's subject: it must
// be the reference reader's records, in input order, for every thread split,
// chunk size (down to 16 bytes, so records straddle many chunks) and pool
// size (from the driver's minimum up), over nasty CSV (quoted delimiters and
// newlines, CRLF, lone CR, BOM, blank lines, doubled quotes), several files,
// empty and header-only files, and gzip and zstd streams, whose decoded
// windows (one part each, of the chunk size: core/io/decoded_stream.hpp) are
// where the ordered mode's window look-ahead works. A deadlock would hang
// the test (ctest's timeout is the failure); nothing here is timed.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/pipeline/chunk_driver.hpp"
#include "csv_reference.hpp"
#include "csvbloom/error.hpp"
#include "temp_dir.hpp"
#include "thread_sanitizer.hpp"

using namespace csvbloom;
using csvbloom::test::TempDir;

namespace {

struct Row {
  std::string key, bytes;
  friend bool operator==(const Row&, const Row&) = default;
};

// Records what the serial step sees. Problems found on the serial thread are
// collected as text (Catch's assertions are not thread-safe) and checked after
// the run.
class Collector final : public detail::BatchConsumer {
 public:
  bool ordered() const noexcept override { return true; }
  bool wants_rows() const noexcept override { return true; }
  void parallel(detail::Batch& b) override {  // on any worker: only an atomic flag
    if (!b.keys.keeps_rows()) rowless.store(true, std::memory_order_relaxed);
  }
  void serial(detail::Batch& b) override {
    ++batches;
    if (b.chunk != chunk_ || b.part != part_)
      note("batch (" + std::to_string(b.chunk) + ", " + std::to_string(b.part) + ") after (" +
           std::to_string(chunk_) + ", " + std::to_string(part_) + ")");
    if (!b.file) note("a batch without its file");
    if (b.last) {
      chunk_ = b.chunk + 1;
      part_ = 0;
    } else {
      part_ = b.part + 1;
      ++stream_parts;
    }
    for (std::size_t i = 0; i < b.keys.key_count(); ++i)
      rows.push_back({std::string(b.keys.key_data(i), b.keys.key_size(i)),
                      std::string(b.keys.row_data(i), b.keys.row_size(i))});
  }
  void note(std::string s) {
    if (problems.size() < 5) problems.push_back(std::move(s));
  }
  std::size_t chunks_seen() const { return chunk_; }

  std::vector<Row> rows;
  std::vector<std::string> problems;
  std::atomic<bool> rowless{false};  // a batch without rows reached parallel()
  std::size_t batches{0}, stream_parts{0};

 private:
  std::size_t chunk_{0};
  std::uint32_t part_{0};
};

// The reference reader's data records of one input: key = the named column
// (as is), bytes = the record from its first byte through its line end.
// Linear (csvref::parse_all counts lines from the start for every record,
// quadratic on the multi-MiB stream inputs).
std::vector<Row> reference_rows(const std::string& s, const std::string& key, bool has_header = true) {
  std::vector<Row> out;
  std::size_t pos = s.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  std::size_t col = 0;
  bool header = has_header;
  while (pos < s.size()) {
    csvref::Result r = csvref::next_record(s, pos);
    REQUIRE(r.kind != csvref::Kind::unterminated);
    if (r.kind == csvref::Kind::record) {
      if (header) {
        auto it = std::find(r.fields.begin(), r.fields.end(), key);
        REQUIRE(it != r.fields.end());
        col = static_cast<std::size_t>(it - r.fields.begin());
        header = false;
      } else {
        REQUIRE(col < r.fields.size());
        out.push_back({r.fields[col], s.substr(pos, r.next - pos)});
      }
    }
    pos = r.next;
  }
  return out;
}

// Nasty CSV (as test_pipeline.cpp's make_csv, without stray quotes: every
// record is well formed): quoted keys with delimiters and doubled quotes,
// empty keys, multi-line notes, LF / CRLF / lone CR line ends, blank lines.
std::string make_csv(std::uint64_t seed, std::size_t rows, bool bom = false, bool last_line_end = true) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const char* ends[] = {"\n", "\r\n", "\n", "\r"};
  std::string s = bom ? "\xEF\xBB\xBF" : "";
  s += "id,email,\"full, name\",\"notes\non two lines\"\r\n";
  for (std::size_t i = 0; i < rows; ++i) {
    std::string email = "user" + std::to_string(seed * 1000003 + i % (rows / 2 + 1)) + "@example.org";
    switch (pick(8)) {
      case 0: email = "\"" + email + "\""; break;
      case 1: email = "\"  " + email + " \""; break;
      case 2: email = pick(3) ? "" : "\"\""; break;
      case 3: email = "\"" + email + ",x\"\"y\""; break;
      case 4: email = "\"" + email + "\nsecond line\""; break;
      default: break;
    }
    std::string name;
    switch (pick(4)) {
      case 0: name = "\"Lovelace, Ada\""; break;
      case 1: name = "\"The \"\"Countess\"\"\""; break;
      case 2: name = "plain name"; break;
      default: name = ""; break;
    }
    std::string notes;
    switch (pick(5)) {
      case 0: notes = "\"line one\nline two\r\nline three\r\""; break;
      case 1: notes = "\"" + std::string(20 + pick(60), 'n') + "\""; break;
      case 2: notes = std::string(pick(50), 'm'); break;
      case 3: notes = "\"\"\"\""; break;
      default: notes = "\"ends with newline\n\""; break;
    }
    s += std::to_string(i) + "," + email + "," + name + "," + notes;
    if (i + 1 < rows || last_line_end) s += ends[pick(4)];
    if (i + 1 < rows && pick(20) == 0) s += ends[pick(2)];  // an empty line
  }
  return s;
}

struct Config {
  unsigned readers, workers;
  std::size_t chunk, queue;
};

std::string describe(const Config& c) {
  return "readers " + std::to_string(c.readers) + ", workers " + std::to_string(c.workers) + ", chunk " +
         std::to_string(c.chunk) + ", queue_batches " + std::to_string(c.queue);
}

// Every thread split the brief names meets every chunk size; the pool sizes
// rotate from 1 (raised to the driver's minimum) up, and 0 (the default).
std::vector<Config> configs(std::vector<std::size_t> chunks) {
  const std::pair<unsigned, unsigned> threads[] = {{1, 0}, {1, 1}, {2, 1}, {3, 2}, {7, 3}};
  const std::size_t queues[] = {1, 2, 0, 5, 3, 9};
  std::vector<Config> out;
  std::size_t i = 0;
  for (auto [r, w] : threads)
    for (std::size_t c : chunks) out.push_back({r, w, c, queues[i++ % 6]});
  for (std::size_t q : queues) out.push_back({7, 3, chunks.front(), q});
  return out;
}

BuildOptions options(const std::vector<std::string>& inputs, const Config& c) {
  BuildOptions o;
  o.inputs = inputs;
  o.key.columns = {KeyColumn{"email", 0}};
  o.readers = c.readers;
  o.workers = c.workers;
  o.chunk_bytes = c.chunk;
  o.queue_batches = c.queue;
  return o;
}

// Runs the driver with a Collector and checks its sequence against `want`.
void check_sequence(const std::vector<std::string>& inputs, const std::vector<Row>& want, const Config& c,
                    std::size_t min_stream_parts = 0) {
  INFO(describe(c));
  Collector col;
  const BuildStats s = detail::run_pipeline(options(inputs, c), col, nullptr);
  for (const auto& p : col.problems) FAIL_CHECK(p);
  REQUIRE(col.problems.empty());
  REQUIRE_FALSE(col.rowless.load());
  CHECK(col.chunks_seen() >= inputs.size());  // every input has a chunk, every chunk a last batch
  CHECK(s.rows == want.size());
  CHECK(col.stream_parts >= min_stream_parts);
  REQUIRE(col.rows.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (col.rows[i] == want[i]) continue;
    INFO("record " << i << ": got key [" << col.rows[i].key << "] bytes [" << col.rows[i].bytes << "], want key ["
                   << want[i].key << "] bytes [" << want[i].bytes << "]");
    REQUIRE(col.rows[i] == want[i]);
  }
}

std::string gzip(const TempDir& d, const std::string& name, const std::string& content) {
  const std::string plain = d.file(name, content);
  REQUIRE(std::system(("gzip -n -f '" + plain + "'").c_str()) == 0);
  return plain + ".gz";
}

void append(std::vector<Row>& to, const std::vector<Row>& from) { to.insert(to.end(), from.begin(), from.end()); }

std::string compress_with(const TempDir& d, const std::string& name, const std::string& content, const char* tool) {
  const std::string plain = d.file(name, content);
  REQUIRE(std::system((std::string(tool) + " '" + plain + "'").c_str()) == 0);
  return plain + (std::string(tool).rfind("zstd", 0) == 0 ? ".zst" : ".gz");
}

}  // namespace

TEST_CASE("ordered pipeline: one nasty file's records come out in order, whole, once, for every split",
          "[pipeline][ordered]") {
  TempDir d;
  for (bool last_line_end : {true, false}) {
    const std::string csv = make_csv(1, 300, /*bom=*/!last_line_end, last_line_end);
    const std::string path = d.file("a.csv", csv);
    const std::vector<Row> want = reference_rows(csv, "email");
    REQUIRE(want.size() == 300);
    for (const Config& c : configs({16, 17, 100, 4096, 1u << 20})) check_sequence({path}, want, c);
  }
}

TEST_CASE("ordered pipeline: several files, header-only ones among them, keep input order",
          "[pipeline][ordered]") {
  TempDir d;
  std::vector<std::string> inputs;
  std::vector<Row> want;
  auto add = [&](const std::string& name, const std::string& csv) {
    inputs.push_back(d.file(name, csv));
    if (!csv.empty()) append(want, reference_rows(csv, "email"));
  };
  add("a.csv", make_csv(2, 120));
  // (A 0-byte file where a header is expected is an error since 2026-12-04:
  // tests/unit/test_build_inputs.cpp.)
  add("header-only.csv", "id,email,\"full, name\",\"notes\non two lines\"\r\n");
  add("b.csv", make_csv(3, 1, true));
  add("bom-header-only.csv", "\xEF\xBB\xBFid,email,\"full, name\",\"notes\non two lines\"");
  add("c.csv", make_csv(4, 90, false, false));
  // A big one (not a small file: planned up front, split into chunks).
  add("d.csv", make_csv(5, 1500));
  add("e.csv", make_csv(6, 7));
  for (const Config& c : configs({16, 100, 4096, 1u << 20})) check_sequence(inputs, want, c);
}

TEST_CASE("ordered pipeline: gzip streams of several parts wait for the head and stay in order",
          "[pipeline][ordered][stream]") {
  TempDir d;
  // ~80 KiB each: windows of the chunk size, so thousands of parts at 16
  // bytes and a score at 4096 (a 16-byte window costs a batch hand-off to
  // the serial thread: bigger streams only make the test slow; at 2,500 rows
  // it took 17 s in release and 31 s under ASan, 2026-12-05).
  // (Under TSan a fifth, but never under 300 rows: 4 windows of 4096 bytes.)
  const std::size_t rows = std::max<std::size_t>(csvbloom::test::tsan_scaled(1000), 300);
  const std::string big1 = make_csv(7, rows), big2 = make_csv(8, rows, true, false);
  REQUIRE(big1.size() > 4 * 4096);
  const std::string small = make_csv(9, 40), tiny = make_csv(10, 3);
  std::vector<std::string> inputs = {gzip(d, "big1.csv", big1), d.file("small.csv", small),
                                     gzip(d, "big2.csv", big2), gzip(d, "tiny.csv", tiny),
                                     d.file("small2.csv", small)};
  std::vector<Row> want;
  for (const std::string* s : {&big1, &small, &big2, &tiny, &small}) append(want, reference_rows(*s, "email"));
  // Chunk sizes split streams into windows as they split the plain files around them.
  for (const Config& c : configs({16, 4096})) check_sequence(inputs, want, c, /*min_stream_parts=*/4);
}

TEST_CASE("ordered pipeline: the smallest pool never deadlocks, streams and many chunks together",
          "[pipeline][ordered][stream]") {
  TempDir d;
  // 400 rows: hundreds of 16-byte windows a stream, each a wait on the pool
  // and the head (1,500 rows took 40 s in release, 80 s under ASan).
  const std::string big = make_csv(11, csvbloom::test::tsan_scaled(400));
  std::vector<std::string> inputs;
  std::vector<Row> want;
  // Streams next to each other and between files of many 16-byte chunks:
  // every reader blocks on the pool and on the head in turn.
  for (int i = 0; i < 3; ++i) {
    inputs.push_back(gzip(d, "s" + std::to_string(i) + ".csv", big));
    append(want, reference_rows(big, "email"));
    const std::string f = make_csv(20 + static_cast<std::uint64_t>(i), 60);
    inputs.push_back(d.file("f" + std::to_string(i) + ".csv", f));
    append(want, reference_rows(f, "email"));
  }
  for (unsigned readers : {1u, 2u, 3u, 7u})
    for (unsigned workers : {0u, 1u, 3u})
      for (int repeat = 0; repeat < 2; ++repeat) check_sequence(inputs, want, {readers, workers, 16, 1}, 6);
}

TEST_CASE("ordered pipeline: one key per record, empty keys as zero-length keys, composite keys",
          "[pipeline][ordered]") {
  TempDir d;
  const std::string csv = "id,email,name\n1,,a\n2,\"\",b\n3,x@y,c\n\n4,x@y,\"d\ne\"\r\n";
  const std::string path = d.file("a.csv", csv);
  Collector col;
  BuildOptions o = options({path}, {2, 1, 16, 1});
  const BuildStats s = detail::run_pipeline(o, col, nullptr);
  REQUIRE(col.problems.empty());
  CHECK(s.empty_keys == 2);
  const std::vector<Row> want = {{"", "1,,a\n"}, {"", "2,\"\",b\n"}, {"x@y", "3,x@y,c\n"}, {"x@y", "4,x@y,\"d\ne\"\r\n"}};
  CHECK(col.rows == want);

  // Two columns: the key is the composite encoding, the record as it was.
  Collector col2;
  o.key.columns = {KeyColumn{"email", 0}, KeyColumn{"name", 0}};
  detail::run_pipeline(o, col2, nullptr);
  REQUIRE(col2.rows.size() == 4);
  CHECK(col2.rows[0].key == csvref::composite({"", "a"}));
  CHECK(col2.rows[3].key == csvref::composite({"x@y", "d\ne"}));
  CHECK(col2.rows[3].bytes == "4,x@y,\"d\ne\"\r\n");
}

TEST_CASE("ordered pipeline: multi-member gzip and multi-frame zstd streams, windows down to 16 bytes, keep order",
          "[pipeline][ordered][stream]") {
  TempDir d;
  const std::string a = make_csv(30, 400), b = make_csv(31, 300, true, false);
  // Two gzip members with an empty one between, and two zstd frames: each
  // compressed on its own and concatenated, as `cat x.gz y.gz` makes.
  const std::string a1 = a.substr(0, a.size() / 2), a2 = a.substr(a.size() / 2);
  const std::string g1 = compress_with(d, "a1.csv", a1, "gzip -n -f"), g0 = compress_with(d, "a0.csv", "", "gzip -n -f"),
                    g2 = compress_with(d, "a2.csv", a2, "gzip -n -f");
  const std::string b1 = b.substr(0, b.size() / 3), b2 = b.substr(b.size() / 3);
  const std::string z1 = compress_with(d, "b1.csv", b1, "zstd -q -f --rm"),
                    z2 = compress_with(d, "b2.csv", b2, "zstd -q -f --rm");
  const std::string multi_gz = d.path("multi.csv.gz"), multi_zst = d.path("multi.csv.zst");
  REQUIRE(std::system(("cat '" + g1 + "' '" + g0 + "' '" + g2 + "' > '" + multi_gz + "'").c_str()) == 0);
  REQUIRE(std::system(("cat '" + z1 + "' '" + z2 + "' > '" + multi_zst + "'").c_str()) == 0);
  const std::string f = make_csv(32, 50);
  const std::vector<std::string> inputs = {multi_zst, d.file("f.csv", f), multi_gz, multi_zst};
  std::vector<Row> want;
  for (const std::string* s : {&b, &f, &a, &b}) append(want, reference_rows(*s, "email"));
  for (unsigned readers : {1u, 2u, 3u, 4u})
    for (std::size_t chunk : {std::size_t{16}, std::size_t{100}, std::size_t{4096}, std::size_t{1} << 20})
      check_sequence(inputs, want, {readers, readers > 1 ? 1u : 0u, chunk, 0});
}
