// tests/unit/test_build_stats.cpp: what build_filter reports while and after it runs: the BuildStats
// counters, the BuildProgress counters reaching their totals, and the cancel flag.
// Shared helpers and the method: build_test_support.hpp.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "build_test_support.hpp"

using namespace csvbloom;
using namespace csvbloom::test;
namespace fs = std::filesystem;

TEST_CASE("pipeline: counters", "[pipeline]") {
  TempDir d;
  const std::string s =
      "id,email\n"
      "1,a@example.org\n"
      "2,\n"                 // empty key
      "\n"                   // blank line: no row
      "3,\"\"\n"             // empty key, quoted
      "4,a@example.org\n"    // a duplicate is still a key inserted
      "5,b@example.org,x\n"  // ragged: bad row
      "6,c@example.org";     // no trailing newline
  BuildOptions o = options({d.file("c.csv", s)}, "email", {1, 0, 1u << 20, 0});
  o.on_error = OnError::skip;
  Built got = run(o);
  CHECK(got.stats.rows == 6);
  CHECK(got.stats.empty_keys == 2);
  CHECK(got.stats.bad_rows == 1);
  CHECK(got.stats.keys_inserted == 3);
  CHECK(got.filter_keys == 3);
  CHECK(got.stats.files == 1);
  CHECK(got.stats.bytes == s.size());
  CHECK(got.words == filter_of({"a@example.org", "a@example.org", "c@example.org"}));

  // --allow-ragged accepts the long row.
  o.allow_ragged = true;
  got = run(o);
  CHECK(got.stats.bad_rows == 0);
  CHECK(got.stats.keys_inserted == 4);
}

TEST_CASE("pipeline: progress counters reach their totals", "[pipeline]") {
  TempDir d;
  const std::string a = make_csv(51, 80), b = make_csv(52, 3, false, true);
  const std::vector<std::string> files = {d.file("a.csv", a), d.file("b.csv", b)};
  BuildProgress progress;
  Built got = run(options(files, "email", {2, 1, 100, 0}), &progress);
  CHECK(progress.files_total.load() == 2);
  CHECK(progress.files_done.load() == 2);
  CHECK(progress.bytes_total.load() == a.size() + b.size());
  CHECK(progress.rows_done.load() == got.stats.rows);
  CHECK(progress.bytes_done.load() == progress.bytes_total.load());
  CHECK(got.stats.bytes == a.size() + b.size());
  REQUIRE(got.stats.per_file.size() == 2);
  CHECK(got.stats.per_file[0].bytes == a.size());
  CHECK(got.stats.per_file[1].bytes == b.size());
}

// Regression (fixed; src/core/pipeline/pipeline.cpp, plan_chunks/finish_chunk): a file with no
// data record after its header (header only, BOM only) gets no chunk, so its
// bytes never reach BuildStats::bytes, FileStats::bytes or
// BuildProgress::bytes_done, while plan_chunks adds them to bytes_total: the
// progress line never reaches 100% and the summary under-reports the input
// read. Expected: bytes_done == bytes_total == the sum of the file sizes.

TEST_CASE("regression: bytes of header-only files are counted", "[pipeline][regression]") {
  TempDir d;
  const std::string a = make_csv(51, 80), b = "id,email\n";
  const std::vector<std::string> files = {d.file("a.csv", a), d.file("header_only.csv", b)};
  BuildProgress progress;
  Built got = run(options(files, "email", {2, 1, 100, 0}), &progress);
  CHECK(progress.bytes_total.load() == a.size() + b.size());
  CHECK(progress.bytes_done.load() == progress.bytes_total.load());
  CHECK(got.stats.bytes == a.size() + b.size());
  REQUIRE(got.stats.per_file.size() == 2);
  CHECK(got.stats.per_file[1].bytes == b.size());
}

TEST_CASE("pipeline: a raised cancel flag stops the build with Error(cancelled)", "[pipeline]") {
  TempDir d;
  const std::string p = d.file("a.csv", make_csv(61, 50));
  std::atomic<bool> cancel{true};
  for (Config cfg : {Config{1, 0, 1u << 20, 0}, Config{3, 2, 16, 0}}) {
    BuildOptions o = options({p}, "email", cfg);
    o.cancel = &cancel;
    try {
      run(o);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::cancelled);
    }
  }
}
