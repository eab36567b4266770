// tests/unit/test_pipeline_stress.cpp: the pipeline's hand-offs under as much
// contention as a test can make, for ThreadSanitizer (and ASan) to watch.
//
// Many readers and workers (more threads than cores), one or two batches in
// flight per queue (so every stage blocks on the pools all the time), 16- and
// 17-byte chunks (so every chunk waits on its neighbour's ledger slots, and
// records with quoted newlines and CRLFs straddle hundreds of chunks), and
// thousands of tiny files (one chunk each: the chunk counter and per-file
// ledgers churn). Each build must give the words of the single-threaded
// build (one reader hashing its own batches, one chunk per file), which in
// turn must hold exactly the keys the generator wrote. Then the unhappy
// paths where readers abandon ledger slots: a bad row under OnError::fail
// (same first error as the single-threaded build), OnError::skip (same
// counts), and a cancel raised while the build is in full flight (always
// Error(cancelled), never a hang). tests/unit/test_build_*.cpp check
// correctness against the reference reader; this file is about races.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "csvbloom/build.hpp"
#include "temp_dir.hpp"
#include "csvbloom/error.hpp"

using namespace csvbloom;
namespace fs = std::filesystem;

namespace {

using ScratchDir = csvbloom::test::TempDir;

// Large enough that a lost or duplicated-elsewhere key would show in the words.
FilterParams stress_params() { return FilterParams{Layout::blocked512, 1u << 20, 4}; }

struct Split {
  unsigned readers, workers;
  std::size_t chunk, queue;
};

std::string describe(const Split& s) {
  return "readers " + std::to_string(s.readers) + ", workers " + std::to_string(s.workers) + ", chunk " +
         std::to_string(s.chunk) + ", queue_batches " + std::to_string(s.queue);
}

const Split kSequential{1, 0, 1u << 20, 0};
// More threads than the two cores CI has; queues of one and two batches.
const Split kStress[] = {{8, 6, 16, 1}, {6, 8, 17, 2}, {5, 0, 16, 1}, {3, 1, 64, 2}};

struct Result {
  std::vector<std::uint64_t> words;
  BuildStats stats;
};

Result build(std::vector<std::string> inputs, const Split& s, OnError on_error = OnError::fail) {
  BuildOptions o;
  o.inputs = std::move(inputs);
  o.key.columns = {KeyColumn{"email", 0}};
  o.on_error = on_error;
  o.readers = s.readers;
  o.workers = s.workers;
  o.chunk_bytes = s.chunk;
  o.queue_batches = s.queue;
  BloomFilter f(stress_params());
  Result r;
  r.stats = build_filter(o, f);
  r.words.assign(f.words().begin(), f.words().end());
  return r;
}

// Rows whose key is always plain, with notes that hold quoted newlines,
// CRLFs, doubled quotes and delimiters, so that a 16-byte chunk lands inside
// a quoted field most of the time.
std::string rows(std::mt19937& rng, int first, int count, bool crlf) {
  static const char* kNotes[] = {"plain", "\"two\nlines\"", "\"a, b, \"\"c\"\"\"", "\"\r\n\r\n\"", "\"x\n\"\"\n,y\"",
                                 "\"\""};
  std::string s;
  for (int i = first; i < first + count; ++i) {
    s += std::to_string(i) + ",k" + std::to_string(i) + "@example.org,";
    s += kNotes[rng() % 6];
    s += crlf ? "\r\n" : "\n";
  }
  return s;
}

// The inputs: `tiny` files of 1-3 rows, then one big file of `big_rows` rows.
struct Inputs {
  std::vector<std::string> paths;
  std::uint64_t keys{0};
  std::uint64_t bytes{0};
};

Inputs make_inputs(const ScratchDir& d, int tiny, int big_rows) {
  std::mt19937 rng(20240601);
  Inputs in;
  int next = 0;
  for (int f = 0; f < tiny; ++f) {
    const int n = 1 + static_cast<int>(rng() % 3);
    in.paths.push_back(d.file("t" + std::to_string(f) + ".csv", "id,email,notes\n" + rows(rng, next, n, f % 2)));
    next += n;
  }
  in.paths.push_back(d.file("big.csv", "id,email,notes\n" + rows(rng, next, big_rows, false)));
  next += big_rows;
  in.keys = static_cast<std::uint64_t>(next);
  for (const auto& p : in.paths) in.bytes += fs::file_size(p);
  return in;
}

}  // namespace

TEST_CASE("stress: thousands of tiny files and one big file in tiny chunks give the sequential filter",
          "[pipeline][stress]") {
  ScratchDir d;
  const Inputs in = make_inputs(d, 2000, 3000);
  const Result want = build(in.paths, kSequential);
  REQUIRE(want.stats.keys_inserted == in.keys);
  REQUIRE(want.stats.rows == in.keys);
  REQUIRE(want.stats.files == in.paths.size());
  for (const Split& s : kStress) {
    INFO(describe(s));
    const Result got = build(in.paths, s);
    CHECK(got.stats.keys_inserted == in.keys);
    CHECK(got.stats.rows == want.stats.rows);
    CHECK(got.stats.bytes == want.stats.bytes);
    CHECK(got.words == want.words);
  }
}

TEST_CASE("stress: repeated builds of one big file in 16-byte chunks never differ", "[pipeline][stress]") {
  // The same contended build many times: a race that loses or re-inserts a
  // batch only now and then still shows up.
  ScratchDir d;
  std::mt19937 rng(7);
  const std::string big = d.file("big.csv", "id,email,notes\n" + rows(rng, 0, 1500, true));
  const Result want = build({big}, kSequential);
  REQUIRE(want.stats.keys_inserted == 1500);
  for (int round = 0; round < 12; ++round) {
    const Split s{static_cast<unsigned>(2 + round % 7), static_cast<unsigned>(round % 5), 16,
                  static_cast<std::size_t>(1 + round % 2)};
    INFO("round " << round << ": " << describe(s));
    const Result got = build({big}, s);
    REQUIRE(got.stats.keys_inserted == 1500);
    REQUIRE(got.words == want.words);
  }
}

TEST_CASE("stress: a bad row among thousands of files is the same first error under contention",
          "[pipeline][stress]") {
  ScratchDir d;
  Inputs in = make_inputs(d, 600, 800);
  // A ragged row in a tiny file in the middle, another deep in the big file.
  in.paths.insert(in.paths.begin() + 300, d.file("bad_tiny.csv", "id,email,notes\n1,a@x,n\n2,b@x\n3,c@x,n\n"));
  {
    std::mt19937 rng(3);
    in.paths.push_back(d.file("bad_big.csv", "id,email,notes\n" + rows(rng, 0, 400, false) + "9,z@x\n" +
                                                  rows(rng, 400, 100, false)));
  }
  std::string want_what;
  std::uint64_t want_line = 0;
  try {
    build(in.paths, kSequential);
    FAIL("the sequential build accepted a ragged row");
  } catch (const Error& e) {
    REQUIRE(e.kind() == ErrorKind::bad_csv);
    want_what = e.what();
    want_line = e.line();
  }
  CHECK(want_line == 3);
  CHECK_THAT(want_what, Catch::Contains("bad_tiny.csv"));
  for (const Split& s : kStress) {
    INFO(describe(s));
    try {
      build(in.paths, s);
      FAIL("accepted a ragged row");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::bad_csv);
      CHECK(std::string(e.what()) == want_what);
    }
  }
  // Skipping: the same counts and words under every split.
  const Result want = build(in.paths, kSequential, OnError::skip);
  CHECK(want.stats.bad_rows == 2);
  for (const Split& s : kStress) {
    INFO(describe(s) << " (skip)");
    const Result got = build(in.paths, s, OnError::skip);
    CHECK(got.stats.bad_rows == want.stats.bad_rows);
    CHECK(got.stats.rows == want.stats.rows);
    CHECK(got.words == want.words);
    REQUIRE(got.stats.first_bad_rows.size() == 2);
    CHECK(got.stats.first_bad_rows[0].file == want.stats.first_bad_rows[0].file);
    CHECK(got.stats.first_bad_rows[1].line == want.stats.first_bad_rows[1].line);
  }
}

TEST_CASE("stress: cancel raised in full flight always ends the build with Error(cancelled)",
          "[pipeline][stress]") {
  // The last input is a FIFO that this test holds open, so the build cannot
  // finish on its own: whatever the moment the flag is raised (after 0%, 30%,
  // 70% or all of the files' bytes), the build must notice it, drain every
  // stage and throw cancelled once the FIFO ends. A lost wake-up or a reader
  // waiting on an abandoned ledger slot would hang here (ctest's timeout).
  ScratchDir d;
  const Inputs in = make_inputs(d, 300, 1500);
  const std::string fifo = d.path("last.fifo");
  for (double fraction : {0.0, 0.3, 0.7, 1.0}) {
    for (const Split& s : {kStress[0], kStress[2]}) {
      INFO(describe(s) << ", cancel after " << fraction * 100 << "% of the bytes");
      REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
      // O_RDWR: never blocks, and writes can't fail for want of a reader.
      const int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
      REQUIRE(w >= 0);
      const std::string head = "id,email,notes\n1,fifo@example.org,x\n";
      REQUIRE(::write(w, head.data(), head.size()) == static_cast<ssize_t>(head.size()));

      std::vector<std::string> inputs = in.paths;
      inputs.push_back(fifo);
      BuildOptions o;
      o.inputs = inputs;
      o.key.columns = {KeyColumn{"email", 0}};
      o.readers = s.readers;
      o.workers = s.workers;
      o.chunk_bytes = s.chunk;
      o.queue_batches = s.queue;
      std::atomic<bool> cancel{false};
      o.cancel = &cancel;
      BuildProgress progress;
      std::atomic<bool> finished{false};
      ErrorKind kind = ErrorKind::invalid_argument;
      bool threw = false;
      BloomFilter f(stress_params());
      std::thread builder([&] {
        try {
          build_filter(o, f, &progress);
        } catch (const Error& e) {
          threw = true;
          kind = e.kind();
        }
        finished.store(true);
      });
      // Wait (yielding) until the build has done `fraction` of the files' bytes.
      const auto target = static_cast<std::uint64_t>(fraction * static_cast<double>(in.bytes));
      while (!finished.load() && progress.bytes_done.load() < target) std::this_thread::yield();
      cancel.store(true);
      ::close(w);  // end of the FIFO: the stream's reader can finish
      // A reader that had just passed its cancel check before the flag went
      // up may now be in open(), which waits for a writer that is gone: be
      // one for a moment (a non-blocking open succeeds only while a reader
      // is there), as often as it takes, so that its open() returns and its
      // read() sees the end.
      while (!finished.load()) {
        const int nudge = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (nudge >= 0) ::close(nudge);
        std::this_thread::yield();
      }
      builder.join();
      CHECK(threw);
      CHECK(kind == ErrorKind::cancelled);
      REQUIRE(::unlink(fifo.c_str()) == 0);
    }
  }
}
