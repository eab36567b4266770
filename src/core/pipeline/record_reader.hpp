// record_reader.hpp: the one loop that turns a byte range of an input into
// records for a record sink (KeyBatch: keys, and in rows mode the records'
// own bytes). Every command parses through it: build, select, dedupe, add.
//
// The bulk of the records goes through the structural parser
// (csv/structural_parser.hpp), 64 bytes at a time; each record it leaves
// (messy quotes, blank lines, bad rows, records at the end of the bytes at
// hand) goes through RecordSplitter::next(), one record. Bad rows are counted
// and the first few kept with their line numbers (ChunkResult); the caller
// decides what a bad row means (OnError).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/csv/record_splitter.hpp"
#include "core/io/input_plan.hpp"
#include "core/io/input_window.hpp"
#include "core/pipeline/batches.hpp"
#include "csvbloom/build.hpp"

namespace csvbloom::detail {

// Bytes read past a chunk's end up front, so that the record straddling the
// end is usually complete without a second read (rows are ~100 B-10 KiB).
// A chunk is read whole before it is parsed: reading it in L2-sized steps
// (128-512 KiB), each parsed while hot, was 6-10% slower in all
// (bench/RESULTS.md).
inline constexpr std::size_t kLookahead = 64u << 10;

struct PendingBadRow {
  std::uint64_t offset;
  std::uint64_t line;  // chunk-relative until the chunk's start line is known
  std::string what;
};

// What one chunk found; merged into the totals once, at commit.
struct ChunkResult {
  std::uint64_t rows{0}, empty_keys{0}, bad_rows{0};
  std::vector<PendingBadRow> bad;  // the first few
  void clear() {
    rows = empty_keys = bad_rows = 0;
    bad.clear();
  }
};

// A regular input opened for a chunk and attached to a reader's window;
// closed when it goes out of scope (the window keeps no fd across chunks).
class OpenedInput {
 public:
  OpenedInput(const InputFile& in, InputWindow& w);
  ~OpenedInput();
  OpenedInput(const OpenedInput&) = delete;
  OpenedInput& operator=(const OpenedInput&) = delete;

 private:
  int fd_;
};

// The newlines in bytes [from, to) of a regular file, read again from disk:
// for the line numbers of bad rows when the bytes before them are not in the
// window (a chunk's start, resolved only at commit).
std::uint64_t count_file_newlines(const InputFile& in, std::uint64_t from, std::uint64_t to, char quote);

// Counts newlines lazily, only when a bad row needs its line number.
struct LineCursor {
  std::uint64_t offset{0};
  std::uint64_t line{1};
  const InputFile* file{nullptr};  // a regular file: bytes before the window are read again
  std::uint64_t advance(const InputWindow& w, std::uint64_t to, char quote);
};

// Parses the records that start in [from, until) of `in` (from must be a
// record start), extending the window as needed, into `batch`; returns the
// start of the first record not taken (>= until, or the end of input).
std::uint64_t read_records(const InputFile& in, const BuildOptions& opt, RecordSplitter& sp, InputWindow& w,
                           std::uint64_t from, std::uint64_t until, KeyBatch& batch, ChunkResult& res,
                           LineCursor& lines);

}  // namespace csvbloom::detail
