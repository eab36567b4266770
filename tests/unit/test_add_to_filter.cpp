// tests/unit/test_add_to_filter.cpp: add_to_filter (csvbloom/build.hpp), the
// `add` of the CLI and of Python: a filter file plus new inputs is the file
// one build over old and new inputs writes; its refusals and failures leave
// the output as it was; its temp file exists before any input is read.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "temp_dir.hpp"

using namespace csvbloom;
using csvbloom::test::TempDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

std::string rows(int from, int to) {
  std::string s = "id,email\n";
  for (int i = from; i < to; ++i) s += std::to_string(i) + ",User" + std::to_string(i) + "@x.org\n";
  return s;
}

BuildOptions options(std::vector<std::string> inputs, unsigned readers = 1, unsigned workers = 0,
                     std::size_t chunk = 4u << 20) {
  BuildOptions o;
  o.inputs = std::move(inputs);
  o.key.columns = {KeyColumn{"email", 0}};
  o.key.normalization.lowercase = true;
  o.readers = readers;
  o.workers = workers;
  o.chunk_bytes = chunk;
  return o;
}

FilterMetadata metadata_of(const BuildOptions& o) {
  FilterMetadata m;
  m.key = o.key;
  m.capacity = 1000;
  m.target_fpr = 0.01;
  return m;
}

// A filter file built by build_filter over `inputs`, saved at `path`.
void build_file(const std::vector<std::string>& inputs, const std::string& path) {
  const BuildOptions o = options(inputs);
  BloomFilter f(FilterParams{Layout::blocked512, 1u << 14, 7});
  build_filter(o, f);
  save_filter_atomic(path, f, metadata_of(o));
}

std::size_t entries(const TempDir& d) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(d.root()), {}));
}

}  // namespace

TEST_CASE("add_to_filter: base plus new inputs is one build over both, in place or to another path") {
  TempDir d;
  const std::string a = d.file("a.csv", rows(0, 300)), b = d.file("b.csv", rows(200, 700));
  build_file({a}, d / "base.bloom");
  build_file({a, b}, d / "one.bloom");
  const std::string base_bytes = slurp(d / "base.bloom");
  for (auto [readers, workers, chunk] : {std::tuple{1u, 0u, std::size_t{4} << 20}, {3u, 2u, std::size_t{16}}}) {
    const LoadedFilter base = load_filter(d / "base.bloom");
    int hook_calls = 0;
    const AddResult r = add_to_filter(base, options({b}, readers, workers, chunk), d / "out.bloom", nullptr,
                                      [&](const std::string& temp) {
                                        ++hook_calls;
                                        // Created before any input is read: the directory is known writable.
                                        if (!temp.empty()) CHECK(std::filesystem::exists(temp));
                                      });
    CHECK(hook_calls == 1);
    CHECK(slurp(d / "out.bloom") == slurp(d / "one.bloom"));
    CHECK(slurp(d / "base.bloom") == base_bytes);
    CHECK(r.stats.rows == 500);
    CHECK(r.filter.keys_inserted() == 800);
  }
  // In place: the output is the file the base was loaded (and mapped) from.
  const LoadedFilter base = load_filter(d / "base.bloom");
  add_to_filter(base, options({b}), d / "base.bloom");
  CHECK(slurp(d / "base.bloom") == slurp(d / "one.bloom"));
}

TEST_CASE("add_to_filter: a key that hashes otherwise is refused, the output untouched") {
  TempDir d;
  const std::string a = d.file("a.csv", rows(0, 10));
  build_file({a}, d / "base.bloom");
  const std::string before = slurp(d / "base.bloom");
  const LoadedFilter base = load_filter(d / "base.bloom");
  BuildOptions two = options({a});
  two.key.columns.push_back(KeyColumn{"id", 0});
  BuildOptions untrimmed = options({a});
  untrimmed.key.normalization.lowercase = false;
  for (const BuildOptions* o : {&two, &untrimmed}) {
    try {
      add_to_filter(base, *o, d / "base.bloom");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::invalid_argument);
    }
  }
  CHECK(slurp(d / "base.bloom") == before);
  // Other column names (inputs that call the column otherwise) are fine.
  const std::string renamed = d.file("renamed.csv", "id,mail\n1,NEW@x.org\n");
  BuildOptions o = options({renamed});
  o.key.columns = {KeyColumn{"mail", 0}};
  CHECK(add_to_filter(base, o, d / "r.bloom").stats.keys_inserted == 1);
}

TEST_CASE("add_to_filter: a bad row fails with file and line, output and directory as they were") {
  TempDir d;
  const std::string a = d.file("a.csv", rows(0, 10));
  const std::string bad = d.file("bad.csv", "id,email\n1,a@x\n2,\"unterminated\n");
  build_file({a}, d / "base.bloom");
  const std::string before = slurp(d / "base.bloom");
  const std::size_t files = entries(d);
  const LoadedFilter base = load_filter(d / "base.bloom");
  try {
    add_to_filter(base, options({a, bad}), d / "base.bloom");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_csv);
    CHECK(e.file() == bad);
    CHECK(e.line() == 3);
  }
  CHECK(slurp(d / "base.bloom") == before);
  CHECK(entries(d) == files);  // no temp file left
  // An output directory that does not exist fails first, before the bad row is read.
  try {
    add_to_filter(base, options({bad}), d / "no-such-dir/out.bloom");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
  }
}
