// tests/unit/test_build_inputs.cpp: what build_filter reads: directories expanded (expand_inputs) and their
// stats handed on, small files' headers remembered from file to file, gzip,
// empty / header-only / BOM / blank files, no header, other dialects, FIFOs.
// Shared helpers and the method: build_test_support.hpp.
#include <fcntl.h>
#include <poll.h>
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

TEST_CASE("expand_inputs: directories become their data files, sorted; other paths stay", "[pipeline]") {
  TempDir d;
  fs::create_directories(d.path("data/sub"));
  fs::create_directory(d.path("empty"));
  for (const char* name : {"data/b.csv", "data/a.tsv", "data/sub/c.csv.gz", "data/sub/d.tsv.zst", "data/notes.txt",
                           "data/sub/e.csv.bak", "loose.csv", "empty/readme"})
    d.file(name, "x\n");
  // Enough paths to take the threaded stat (64 or more), in a known order.
  std::vector<std::string> given = {d.path("loose.csv"), "-", d.path("data"), d.path("nope.csv"), d.path("empty")};
  for (int i = 0; i < 70; ++i) given.push_back(d.path("loose.csv"));
  for (unsigned threads : {1u, 4u}) {
    INFO("threads " << threads);
    const ExpandedInputs expanded = expand_inputs(given, threads);
    const std::vector<std::string>& got = expanded.paths;
    const std::vector<InputStat>& stats = expanded.stats;
    const std::vector<std::string>& empty = expanded.empty_directories;
    REQUIRE(got.size() == 3 + 4 + 70);  // loose, -, nope; the four data files; the 70
    // What the stats say, for build_filter to trust: only paths stat'ed as given.
    REQUIRE(stats.size() == got.size());
    CHECK((stats[0].known && stats[0].regular && stats[0].size == 2));
    for (std::size_t i = 1; i <= 6; ++i) CHECK_FALSE(stats[i].known);  // -, the listed four, nope
    CHECK((stats[7].known && stats[7].regular && stats[7].size == 2));
    CHECK(got[0] == d.path("loose.csv"));
    CHECK(got[1] == "-");
    CHECK(got[2] == d.path("data") + "/a.tsv");
    CHECK(got[3] == d.path("data") + "/b.csv");
    CHECK(got[4] == d.path("data") + "/sub/c.csv.gz");
    CHECK(got[5] == d.path("data") + "/sub/d.tsv.zst");
    CHECK(got[6] == d.path("nope.csv"));  // left for build_filter to report
    CHECK(got[7] == d.path("loose.csv"));
    REQUIRE(empty.size() == 1);
    CHECK(empty[0] == d.path("empty"));
  }
}

TEST_CASE("pipeline: small files' headers, remembered from file to file, resolve as each file says",
          "[pipeline]") {
  // A reader plans a small file whose header bytes equal the last one's from
  // memory (HeaderMemo). Only a header that ends in '\n' is remembered: a
  // file of just "id,email" must not make "id,emailx,email\n..." resolve
  // its key to the second column.
  TempDir d;
  const std::vector<std::string> files = {
      d.file("a.csv", "id,email\n1,a@x\n"),
      d.file("b.csv", "id,email\n2,b@x\n"),
      d.file("swapped.csv", "email,id\nc@x,3\n"),             // the same names, another order
      d.file("again.csv", "id,email\n4,d@x\n"),
      d.file("cut.csv", "id,email"),                             // header at the end of the file
      d.file("longer.csv", "id,emailx,email\n5,wrong@x,e@x\n"),  // starts with cut.csv's bytes
      d.file("quoted.csv", "\"i\nd\",email\n6,f@x\n"),
      d.file("quoted2.csv", "\"i\nd\",email\n7,g@x\n8\n"),      // line 4 is bad: the header has 2 lines
  };
  for (const Config& cfg : {Config{1, 0, 1u << 20, 0}, Config{2, 1, 1u << 20, 0}}) {
    INFO(describe(cfg));
    BuildOptions o = options(files, "email", cfg);
    o.on_error = OnError::skip;
    const Built got = run(o);
    CHECK(got.words == filter_of({"a@x", "b@x", "c@x", "d@x", "e@x", "f@x", "g@x"}));
    REQUIRE(got.stats.first_bad_rows.size() == 1);
    CHECK(got.stats.first_bad_rows[0].file == files.back());
    CHECK(got.stats.first_bad_rows[0].line == 4);
  }
}

TEST_CASE("pipeline: input_stats from expand_inputs give the same filter; a stale one is caught", "[pipeline]") {
  TempDir d;
  const std::string s = make_csv(43, 200);
  const std::string a = d.file("a.csv", s), b = d.file("b.csv", make_csv(44, 200));
  const Config cfg{2, 1, 1u << 20, 0};
  BuildOptions o = options({a, b}, "email", cfg);
  const Built plain = run(o);
  ExpandedInputs expanded = expand_inputs({a, b}, 1);
  o.inputs = std::move(expanded.paths);
  o.input_stats = std::move(expanded.stats);
  REQUIRE(o.input_stats.size() == 2);
  CHECK(run(o).words == plain.words);
  // Stats of another length than the inputs are not used.
  o.input_stats.pop_back();
  CHECK(run(o).words == plain.words);
  // A file that shrank after its stat: an error, never a silent short read.
  o.input_stats = {InputStat{true, true, s.size() + 100}, InputStat{}};
  CHECK_THROWS_AS(run(o), Error);
}

TEST_CASE("pipeline: small files planned by their readers still have every problem listed", "[pipeline]") {
  // Files of one chunk up to 64 KiB are only stat'ed before the build; their
  // headers are read with their bytes. A problem found then must still come
  // out as planning up front reports it: every unusable input, and before a
  // bad row of an earlier file.
  TempDir d;
  std::string big = "email,n\nbad-row-without-second-field\n";
  while (big.size() < (100u << 10)) big += "k" + std::to_string(big.size()) + "@x,1\n";  // planned up front
  const std::string first = d.file("first.csv", big);
  const std::string good = d.file("good.csv", "email,n\na@x,1\n");
  const std::string no_column = d.file("other.csv", "id,n\n1,2\n");
  const std::string unreadable = d.file("secret.csv", "email,n\nb@x,1\n");
  REQUIRE(::chmod(unreadable.c_str(), 0) == 0);
  const bool root = ::geteuid() == 0;
  for (const Config& cfg : {Config{1, 0, 1u << 20, 0}, Config{2, 1, 1u << 20, 0}, Config{3, 2, 4u << 20, 1}}) {
    INFO(describe(cfg));
    BuildOptions o = options({first, good, no_column, unreadable}, "email", cfg);
    try {
      run(o);
      FAIL("no error");
    } catch (const Error& e) {
      const std::string m = e.what();
      CHECK(e.kind() == ErrorKind::missing_column);
      CHECK_THAT(m, Catch::Contains(no_column + ": no column 'email'"));
      if (!root) CHECK_THAT(m, Catch::Contains("2 inputs can't be used") && Catch::Contains(unreadable));
      CHECK_THAT(m, !Catch::Contains("bad-row") && !Catch::Contains(good + ":"));
    }
    // Without them, the bad row of the first file is the error.
    o.inputs = {first, good};
    try {
      run(o);
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::bad_csv);
      CHECK(e.line() == 2);
    }
  }
}

TEST_CASE("pipeline: a small gzip file planned by its reader gives the plain file's filter", "[pipeline]") {
  TempDir d;
  const std::string s = make_csv(41, 120);
  REQUIRE(s.size() < (64u << 10));
  const std::string plain = d.file("plain.csv", s);
  const std::string gz = d.path("plain.csv.gz");
  REQUIRE(std::system(("gzip -c '" + plain + "' > '" + gz + "'").c_str()) == 0);
  const Expected e = expect(s, {"email"});
  for (const Config& cfg : {Config{1, 0, 1u << 20, 0}, Config{2, 1, 1u << 20, 0}}) {
    INFO(describe(cfg));
    const Built got = run(options({gz}, "email", cfg));
    CHECK(got.words == filter_of(e.keys));
    CHECK(got.stats.rows == e.rows);
    CHECK(got.stats.bytes == s.size());
  }
}

TEST_CASE("pipeline: header-only, BOM and no-trailing-newline files", "[pipeline]") {
  TempDir d;
  const std::vector<std::string> files = {
      d.file("header_only.csv", "id,email\n"),
      d.file("header_no_newline.csv", "id,email"),
      d.file("bom.csv", "\xEF\xBB\xBFid,email\r\n1,bom@example.org\r\n"),
      d.file("no_newline.csv", "id,email\n1,last@example.org"),
      d.file("no_newline_quoted.csv", "id,email\n1,\"quoted@example.org\""),
      d.file("blank_first.csv", "\n\nid,email\n\n1,after-blanks@example.org\n\n"),
  };
  for (Config cfg : {Config{1, 0, 1u << 20, 0}, Config{3, 2, 16, 0}, Config{2, 0, 4, 1}}) {
    INFO(describe(cfg));
    Built got = run(options(files, "email", cfg));
    CHECK(got.words == filter_of({"bom@example.org", "last@example.org", "quoted@example.org",
                                  "after-blanks@example.org"}));
    CHECK(got.stats.rows == 4);
    CHECK(got.stats.keys_inserted == 4);
    CHECK(got.stats.files == files.size());
  }
  // The BOM is not part of the first column's name.
  BuildOptions o = options({files[2]}, "id", {1, 0, 1u << 20, 0});
  CHECK(run(o).words == filter_of({"1"}));
}

TEST_CASE("pipeline: a file with no record where a header is expected is an error naming it", "[pipeline]") {
  // (issue 13: a 0-byte export used to replace a good filter with an empty one)
  TempDir d;
  const std::string good = d.file("good.csv", "id,email\n1,a@example.org\n");
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"empty.csv", ""}, {"bom_only.csv", "\xEF\xBB\xBF"}, {"blank_only.csv", "\n\r\n\n"}}) {
    const std::string bad = d.file(name, bytes);
    for (Config cfg : {Config{1, 0, 1u << 20, 0}, Config{3, 2, 16, 0}}) {
      INFO(name << " " << describe(cfg));
      try {
        run(options({good, bad}, "email", cfg));
        FAIL("no error");
      } catch (const Error& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains(name) && Catch::Contains("header is expected"));
      }
    }
    // Without a header it adds nothing, and is no error.
    BuildOptions o = options({good, bad}, "", {1, 0, 1u << 20, 0});
    o.key.dialect.has_header = false;
    o.key.columns = {KeyColumn{"", 2}};
    o.allow_ragged = true;
    CHECK(run(o).stats.keys_inserted == 2);
  }
}

TEST_CASE("pipeline: without a header, keys are by index and the first row is data", "[pipeline]") {
  TempDir d;
  const std::string p = d.file("nh.csv", "a@x,1\n\"b@x\",2\nc@x,3,extra\n");
  BuildOptions o = options({p}, "", {2, 1, 16, 0});
  o.key.columns = {KeyColumn{"", 1}};
  o.key.dialect.has_header = false;
  o.on_error = OnError::skip;
  Built got = run(o);
  CHECK(got.words == filter_of({"a@x", "b@x"}));
  CHECK(got.stats.bad_rows == 1);  // field count differs from the first record's
  o.key.columns = {};              // no key columns: the first
  CHECK(run(o).words == got.words);
}

TEST_CASE("pipeline: tab and semicolon dialects", "[pipeline]") {
  TempDir d;
  const std::string tsv = d.file("t.tsv", "id\temail\n1\t\"a\tb\"\n2\tc,d\n");
  BuildOptions o = options({tsv}, "email", {2, 1, 16, 0});
  o.key.dialect.delimiter = '\t';
  CHECK(run(o).words == filter_of({"a\tb", "c,d"}));
  const std::string ssv = d.file("s.csv", "id;email\n1;\"a;b\"\n2;c,d\n");
  o.inputs = {ssv};
  o.key.dialect.delimiter = ';';
  CHECK(run(o).words == filter_of({"a;b", "c,d"}));
}

namespace {

// Writes `content` into a FIFO from another thread. The test holds a read end
// of its own ("keeper") from the start, so the writer never meets a FIFO
// without readers (EPIPE) however the pipeline opens and closes it; content
// larger than the pipe's buffer makes the writer's last write return only
// once the pipeline is reading. On any early exit, drain() empties the FIFO so
// the writer can finish.
class FifoFeeder {
 public:
  FifoFeeder(std::string path, std::string content) : path_(std::move(path)), content_(std::move(content)) {
    REQUIRE(::mkfifo(path_.c_str(), 0600) == 0);
    keeper_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    REQUIRE(keeper_ >= 0);
    const int pipe_size = ::fcntl(keeper_, F_GETPIPE_SZ);
    REQUIRE(pipe_size > 0);
    REQUIRE(content_.size() > static_cast<std::size_t>(pipe_size) * 2);
    writer_ = std::thread([this] {
      const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        done_ = true;
        return;
      }
      std::size_t off = 0;
      while (off < content_.size()) {
        ssize_t w = ::write(fd, content_.data() + off, content_.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += static_cast<std::size_t>(w);
      }
      ::close(fd);
      done_ = true;
    });
  }
  ~FifoFeeder() {
    drain();
    ::close(keeper_);
  }
  void drain() {
    char buf[65536];
    while (!done_.load()) {
      pollfd p{keeper_, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0 && ::read(keeper_, buf, sizeof buf) < 0 && errno != EAGAIN) break;
    }
    if (writer_.joinable()) writer_.join();
  }

 private:
  std::string path_, content_;
  int keeper_{-1};
  std::atomic<bool> done_{false};
  std::thread writer_;
};

}  // namespace

TEST_CASE("pipeline: a FIFO is read as a stream and gives the regular file's filter", "[pipeline]") {
  TempDir d;
  const std::string s = make_csv(71, 4000, false, /*bom=*/true);
  const std::string regular = d.file("regular.csv", s);
  const auto want = run(options({regular}, "email", {1, 0, 1u << 20, 0}));
  REQUIRE(want.words == filter_of(expect(s, {"email"}).keys));
  for (Config cfg : {Config{1, 0, 1u << 20, 0}, Config{3, 2, 16, 0}}) {
    INFO(describe(cfg));
    const std::string fifo = d.path("in" + std::to_string(cfg.readers) + ".fifo");
    FifoFeeder feeder(fifo, s);
    // A stream among regular files: one pipeline, in input order.
    const std::string other = d.file("other.csv", make_csv(72, 30));
    Built got = run(options({other, fifo}, "email", cfg));
    feeder.drain();
    const Built other_only = run(options({other}, "email", cfg));
    std::vector<std::uint64_t> both(want.words.size());
    for (std::size_t i = 0; i < both.size(); ++i) both[i] = want.words[i] | other_only.words[i];
    CHECK(got.words == both);
    CHECK(got.stats.rows == want.stats.rows + other_only.stats.rows);
    CHECK(got.stats.empty_keys == want.stats.empty_keys + other_only.stats.empty_keys);
  }
}

TEST_CASE("pipeline: a bad row in a FIFO names the FIFO and the line", "[pipeline]") {
  TempDir d;
  std::string s = "id,email\n";
  for (int i = 0; i < 6000; ++i) s += std::to_string(i) + ",\"k" + std::to_string(i) + "@example.org\nx\"\n";
  const std::uint64_t want_line = 2 + 2 * 6000;
  s += "bad row,with,too many fields\n";
  for (int i = 0; i < 3000; ++i) s += std::to_string(i) + ",later" + std::to_string(i) + "\n";
  const std::string fifo = d.path("bad.fifo");
  FifoFeeder feeder(fifo, s);
  try {
    run(options({fifo}, "email", {2, 1, 4096, 0}));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::bad_csv);
    CHECK(e.file() == fifo);
    CHECK(e.line() == want_line);
  }
}
