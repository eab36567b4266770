// tests/unit/test_decoded_windows.cpp: a stream decoded on one thread into
// windows that every reader parses (core/io/decoded_stream.hpp, the window
// path of chunk_driver.cpp). A gzip or zstd file, split into windows of the
// chunk size (down to 16 bytes, so that quoted newlines, CRLFs and records
// straddle many windows), must give the plain file's filter words, stats and
// first bad rows for every thread split; multi-member gzip with empty members
// and multi-frame zstd with empty frames included; corrupt and truncated data
// stay an error naming the file. (Input order in select/dedupe's ordered
// mode: test_ordered_pipeline.cpp.)
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "build_test_support.hpp"
#include "codec_support.hpp"
#include "csvbloom/error.hpp"
#include "temp_dir.hpp"
#include "thread_sanitizer.hpp"

using namespace csvbloom;
using namespace csvbloom::test;

namespace {

std::vector<Config> window_configs() {
  std::vector<Config> out;
  const std::pair<unsigned, unsigned> threads[] = {{1, 0}, {2, 1}, {3, 0}, {4, 2}};
  const std::size_t chunks[] = {16, 17, 100, 4096, 1u << 20};
  const std::size_t queues[] = {0, 1, 2, 7};
  std::size_t i = 0;
  for (auto [r, w] : threads)
    for (std::size_t c : chunks) out.push_back({r, w, c, queues[i++ % 4]});
  return out;
}

// gzip members / zstd frames of `s` cut at fixed points, with empty ones
// between (each a separate member or frame, as `cat a.gz b.gz` makes).
std::string gzip_pieces(const std::string& s) {
  const std::size_t a = s.size() / 3, b = 2 * s.size() / 3 + 7;
  return gzip_member(s.substr(0, a)) + gzip_member("") + gzip_member(s.substr(a, b - a)) + gzip_member("") +
         gzip_member(s.substr(b));
}
std::string zstd_pieces(const std::string& s) {
  const std::size_t a = s.size() / 2 + 3;
  return zstd_frame(s.substr(0, a)) + zstd_frame("") + zstd_frame(s.substr(a));
}

void same_build(const Built& got, const Built& want) {
  CHECK(got.words == want.words);
  CHECK(got.stats.rows == want.stats.rows);
  CHECK(got.stats.bad_rows == want.stats.bad_rows);
  CHECK(got.stats.empty_keys == want.stats.empty_keys);
  CHECK(got.stats.keys_inserted == want.stats.keys_inserted);
  CHECK(got.stats.bytes == want.stats.bytes);
  REQUIRE(got.stats.first_bad_rows.size() == want.stats.first_bad_rows.size());
  for (std::size_t i = 0; i < got.stats.first_bad_rows.size(); ++i)
    CHECK(got.stats.first_bad_rows[i].line == want.stats.first_bad_rows[i].line);
}

}  // namespace

TEST_CASE("decoded windows: gzip and zstd give the plain file's filter for every split and window size",
          "[pipeline][stream]") {
  TempDir d;
  for (bool stray : {false, true}) {
    INFO("stray quotes " << stray);
    const std::string csv = make_csv(stray ? 41 : 40, 2500, stray, /*bom=*/stray);
    const std::string plain = d.file("p.csv", csv);
    const std::string gz = d.file("p.csv.gz", gzip_pieces(csv));
    const std::string zst = d.file("p.csv.zst", zstd_pieces(csv));
    BuildOptions base = options({plain}, "email", {1, 0, 1u << 20, 0});
    base.on_error = OnError::skip;  // stray quotes make bad rows: their count and lines must match too
    const Built want = run(base);
    if (!stray) CHECK(want.words == filter_of(expect(csv, {"email"}).keys));
    for (const Config& c : window_configs()) {
      INFO(describe(c));
      for (const std::string& path : {gz, zst}) {
        INFO(path);
        BuildOptions o = options({path}, "email", c);
        o.on_error = OnError::skip;
        same_build(run(o), want);
      }
    }
  }
}

TEST_CASE("decoded windows: streams between plain files, records longer than many windows", "[pipeline][stream]") {
  TempDir d;
  std::string long_rows = "id,email,blob\n";
  for (std::size_t i = 0; i < csvbloom::test::tsan_scaled(40); ++i)
    long_rows += std::to_string(i) + ",u" + std::to_string(i) + "@x,\"" + std::string(3000 + 97 * i, 'q') +
                 "\n\"\"quoted\"\"\n" + std::string(50, 'z') + "\"\n";
  const std::string a = make_csv(42, 300), b = make_csv(43, 5);
  const std::vector<std::string> plain = {d.file("a.csv", a), d.file("l.csv", long_rows), d.file("b.csv", b),
                                          d.file("l2.csv", long_rows)};
  const std::vector<std::string> mixed = {d.file("a.csv.gz", gzip_pieces(a)), d.file("l.csv.zst", zstd_frame(long_rows)),
                                          plain[2], d.file("l2.csv.gz", gzip_member(long_rows))};
  const Built want = run(options(plain, "email", {1, 0, 1u << 20, 0}));
  for (const Config& c : window_configs()) {
    INFO(describe(c));
    same_build(run(options(mixed, "email", c)), want);
  }
}

TEST_CASE("decoded windows: a bad row in a stream is reported at the plain file's line", "[pipeline][stream]") {
  TempDir d;
  std::string csv = make_csv(44, 800);
  csv += "9999\n";  // one field: the key needs two
  for (int i = 0; i < 50; ++i) csv += std::to_string(i) + ",after" + std::to_string(i) + "@x,n,\"o\no\"\n";
  const std::string plain = d.file("bad.csv", csv);
  const std::string gz = d.file("bad.csv.gz", gzip_pieces(csv));
  std::uint64_t want_line = 0;
  try {
    run(options({plain}, "email", {1, 0, 1u << 20, 0}));
  } catch (const Error& e) {
    want_line = e.line();
  }
  REQUIRE(want_line > 800);
  for (const Config& c : window_configs()) {
    INFO(describe(c));
    try {
      run(options({gz}, "email", c));
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::bad_csv);
      CHECK(e.file() == gz);
      CHECK(e.line() == want_line);
    }
  }
}

TEST_CASE("decoded windows: truncated and corrupt streams are an error naming the file", "[pipeline][stream]") {
  TempDir d;
  const std::string csv = make_csv(46, 4000);
  const std::string gz = gzip_member(csv), zst = zstd_frame(csv);
  std::string flipped = gz;
  flipped[flipped.size() - 6] ^= 0x01;  // a CRC-32 byte of the trailer
  std::string body = gz;
  body[body.size() / 2] ^= 0x55;  // inside the deflate data
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"trunc.csv.gz", gz.substr(0, gz.size() / 2)},
      {"trunc-trailer.csv.gz", gz.substr(0, gz.size() - 3)},
      {"crc.csv.gz", flipped},
      {"body.csv.gz", body},
      {"trunc.csv.zst", zst.substr(0, zst.size() * 2 / 3)},
  };
  for (const auto& [name, bytes] : cases) {
    const std::string path = d.file(name, bytes);
    for (const Config& c : window_configs()) {
      INFO(name << ", " << describe(c));
      try {
        run(options({path}, "email", c));
        FAIL("no error");
      } catch (const Error& e) {
        // Corrupt deflate data may decode to garbage before the decoder
        // notices: a bad row in it, if one comes first, is the error then.
        if (name == "body.csv.gz") CHECK((e.kind() == ErrorKind::io || e.kind() == ErrorKind::bad_csv));
        else CHECK(e.kind() == ErrorKind::io);
        CHECK(e.file() == path);
      }
    }
  }
}
