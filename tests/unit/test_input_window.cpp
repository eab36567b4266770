// tests/unit/test_input_window.cpp: a reader's window over one input
// (core/io/input_window.hpp): the bytes at every offset are the file's,
// whatever the read sizes; drop_before and reset keep offsets absolute; the
// end is the end (extend returns false, at_eof); a file that shrank after its
// size was taken is Error(io) naming it, never a short read taken for the end;
// a stream is read sequentially and decompressed.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "codec_support.hpp"
#include "temp_dir.hpp"
#include "core/io/input_window.hpp"
#include "core/pipeline/batches.hpp"
#include "csvbloom/error.hpp"

using namespace csvbloom;
using namespace csvbloom::test;
using detail::InputWindow;
using detail::KeyBatch;

namespace {

std::string window_bytes(const InputWindow& w) { return std::string(w.at(w.base()), w.end()); }

}  // namespace

TEST_CASE("input window: a file read in steps, dropped from the front, holds the file's bytes", "[input_window]") {
  TempDir d;
  const std::string text = sample_text(3u << 20, 11);  // larger than the window's 1 MiB first growth
  const std::string path = d.file("in.csv", text);
  for (std::size_t step : {std::size_t{1}, std::size_t{4093}, std::size_t{1u << 20}, std::size_t{8u << 20}}) {
    INFO("steps of " << step);
    Fd fd(path);
    InputWindow w;
    w.attach(fd.get(), false, text.size(), path);
    CHECK(w.path() == path);
    CHECK(w.base() == 0);
    CHECK(w.end_offset() == 0);
    CHECK_FALSE(w.at_eof());
    std::uint64_t dropped_to = 0;
    std::size_t rounds = 0;
    while (w.extend(step)) {
      ++rounds;
      CHECK(w.base() == dropped_to);
      REQUIRE(w.end_offset() <= text.size());
      // Fewer than asked only at the end of the file.
      if (w.end_offset() < text.size()) CHECK_FALSE(w.at_eof());
      CHECK(window_bytes(w) == text.substr(dropped_to, w.end_offset() - dropped_to));
      if (step == 1 && rounds > 5000) break;  // byte steps: the first 5,000 are enough
      // Keep the last third of the window, as a reader keeps a record in progress.
      dropped_to = w.base() + (w.end_offset() - w.base()) * 2 / 3;
      w.drop_before(dropped_to);
      CHECK(w.base() == dropped_to);
    }
    if (step != 1) {
      CHECK(w.at_eof());
      CHECK(w.end_offset() == text.size());
      CHECK_FALSE(w.extend(1));  // the end stays the end
      CHECK(w.raw_bytes_read() == text.size());
    }
  }
}

TEST_CASE("input window: reset restarts at an absolute offset", "[input_window]") {
  TempDir d;
  const std::string text = sample_text(200000, 12);
  const std::string path = d.file("in.csv", text);
  Fd fd(path);
  InputWindow w;
  w.attach(fd.get(), false, text.size(), path);
  REQUIRE(w.extend(1000));
  w.reset(150000);
  CHECK(w.base() == 150000);
  CHECK(w.end_offset() == 150000);
  CHECK_FALSE(w.at_eof());
  REQUIRE(w.extend(100000));  // asks for more than is left: gets the rest
  CHECK(w.end_offset() == text.size());
  CHECK(w.at_eof());
  CHECK(window_bytes(w) == text.substr(150000));
  CHECK(std::string(w.at(160000), 5) == text.substr(160000, 5));
  // Back to an earlier offset (a re-parsed chunk).
  w.reset(10);
  CHECK_FALSE(w.at_eof());
  REQUIRE(w.extend(20));
  CHECK(window_bytes(w) == text.substr(10, 20));
  // At or past the end: nothing to read.
  w.reset(text.size());
  CHECK(w.at_eof());
  CHECK_FALSE(w.extend(1));
  // An empty file is at its end from the start.
  const std::string empty = d.file("empty.csv", "");
  Fd efd(empty);
  InputWindow e;
  e.attach(efd.get(), false, 0, empty);
  CHECK(e.at_eof());
  CHECK_FALSE(e.extend(100));
}

// Rows mode hands a file chunk's bytes to the batch by trading buffers
// (KeyBatch::adopt_run): the batch's rows are the file's bytes, the window
// goes on at its end in the batch's old arena, and rows added after an
// adopted run, or after a rollback, are still the file's bytes.
TEST_CASE("input window: a file window trades its buffer for a batch's row arena", "[input_window]") {
  TempDir d;
  const std::string text = sample_text(300000, 13);
  const std::string path = d.file("in.csv", text);
  Fd fd(path);
  InputWindow w;
  w.attach(fd.get(), false, text.size(), path);
  KeyBatch batch;
  batch.keep_rows(true);
  auto add = [&](std::uint64_t from, std::uint64_t to) {  // one row (and an empty key) per call
    batch.commit_key(0);
    batch.add_row(w.at(from), w.at(to));
  };
  auto rows = [&] {
    std::string all;
    for (std::size_t i = 0; i < batch.key_count(); ++i) all.append(batch.row_data(i), batch.row_size(i));
    return all;
  };
  auto trade = [&] { return w.trade_buffer([&](detail::Buffer<char>& b, std::size_t& cap) { return batch.adopt_run(b, cap); }); };

  w.reset(1000);
  REQUIRE(w.extend(100000));
  add(1000, 1100);
  add(1100, 50000);
  add(50000, 101000);
  REQUIRE(trade());
  CHECK(rows() == text.substr(1000, 100000));
  CHECK(batch.row_size(1) == 48900);
  CHECK(w.base() == 101000);  // empty, at its old end
  CHECK(w.end_offset() == 101000);
  REQUIRE(w.extend(50000));  // into the arena it got in exchange
  CHECK(window_bytes(w) == text.substr(101000, 50000));
  CHECK(rows() == text.substr(1000, 100000));  // the batch's bytes did not move

  // Rows after the adopted run: copied behind it (the arena is compacted first).
  add(101000, 120000);
  add(130000, 151000);
  CHECK_FALSE(trade());  // not the batch's only rows: flush_rows() copies them instead
  batch.flush_rows();
  CHECK(rows() == text.substr(1000, 119000) + text.substr(130000, 21000));

  // A rollback to the adopted rows, then rows again.
  batch.rollback(2);
  CHECK(rows() == text.substr(1000, 49000));
  w.reset(200000);
  REQUIRE(w.extend(1000));
  add(200000, 201000);
  batch.flush_rows();
  CHECK(rows() == text.substr(1000, 49000) + text.substr(200000, 1000));

  // A cleared batch adopts again; with nothing named, nothing is traded.
  batch.clear();
  CHECK_FALSE(trade());
  add(200000, 200500);
  REQUIRE(trade());
  CHECK(rows() == text.substr(200000, 500));

  // A stream's window is never traded (its bytes are read once).
  const std::string gz = d.file("in.csv.gz", gzip_member(text));
  Fd gfd(gz);
  InputWindow sw;
  sw.attach(gfd.get(), true, 0, gz);
  REQUIRE(sw.extend(1000));
  KeyBatch other;
  other.keep_rows(true);
  other.commit_key(0);
  other.add_row(sw.at(0), sw.at(1000));
  CHECK_FALSE(sw.trade_buffer([&](detail::Buffer<char>& b, std::size_t& cap) { return other.adopt_run(b, cap); }));
  other.flush_rows();
  CHECK(std::string(other.row_data(0), other.row_size(0)) == text.substr(0, 1000));
}

TEST_CASE("input window: a file that shrank after its size was taken is Error(io) naming it", "[input_window]") {
  TempDir d;
  const std::string text = sample_text(50000, 13);
  const std::string path = d.file("in.csv", text);
  Fd fd(path);
  InputWindow w;
  w.attach(fd.get(), false, text.size() + 1000, path);  // planned when it was larger
  try {
    while (w.extend(4096)) {
    }
    FAIL("read a shrunken file to a silent end");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
    CHECK(e.file() == path);
    CHECK_THAT(e.message(), Catch::Contains("shrank"));
    CHECK_THAT(e.message(), Catch::Contains(std::to_string(text.size() + 1000)));
  }
}

TEST_CASE("input window: a stream is read sequentially, decompressed, to its end", "[input_window]") {
  TempDir d;
  const std::string text = sample_text(900000, 14);
  for (const bool compressed : {false, true}) {
    INFO((compressed ? "gzip" : "plain") << " stream");
    const std::string raw = compressed ? gzip_member(text) : text;
    const std::string path = d.file(compressed ? "s.csv.gz" : "s.csv", raw);
    Fd fd(path);
    InputWindow w;
    w.attach(fd.get(), true, 0, path);
    CHECK_FALSE(w.at_eof());  // a stream's size is unknown
    std::string got;
    while (w.extend(65536)) {
      got.append(w.at(w.base()), w.end());
      w.drop_before(w.end_offset());
    }
    CHECK(w.at_eof());
    CHECK(got.size() == text.size());
    CHECK(got == text);
    CHECK(w.end_offset() == text.size());   // offsets count decoded bytes
    CHECK(w.raw_bytes_read() == raw.size());  // raw_bytes_read the file's
  }
}
