// csvbloom/build.hpp: build a filter from CSV inputs with the parallel pipeline.
//
// readers (parse CSV chunks into key batches) -> MPMC queue -> hash workers
// -> MPMC queue -> one reducer thread, the only writer of the bit array.
// See docs/DESIGN.md. The library takes explicit values for everything: the
// CLI decides defaults (thread counts, sizing when capacity is unknown).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "csvbloom/filter.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/key_spec.hpp"

namespace csvbloom {

enum class OnError : std::uint8_t { fail, skip };

// What a stat of an input path found (expand_inputs fills these), so that
// build_filter need not stat the path again: a 10,000-file glob otherwise
// pays 10,000 more system calls (bench/gen `many`: ~8% of a -j1 build).
// Public, not detail: it is part of BuildOptions::input_stats, and any caller
// that expands directories (C++, or a binding's `build(paths)`) hands it on.
struct InputStat {
  bool known{false};    // false: not stat'ed (found in a directory listing, "-", or the stat failed)
  bool regular{false};  // a regular file; anything else is stat'ed again by the build
  std::uint64_t size{0};
};

struct BuildOptions {
  std::vector<std::string> inputs;  // file paths; "-" is standard input
  // Optional, one per input when given: what a stat of inputs[i] found moments
  // ago (expand_inputs). Planning then trusts a regular file's size instead of
  // a stat of its own; a file that changes after that is caught as it would be
  // after planning's own stat. Empty: every input is stat'ed.
  std::vector<InputStat> input_stats;
  KeySpec key;
  // Mixed piles: a file named *.tsv (also .tsv.gz, .tsv.zst) is read as
  // tab-separated, every other input with key.dialect.delimiter. (The CLI
  // sets it when no --delimiter/--tsv is given.)
  bool delimiter_by_extension{false};
  OnError on_error{OnError::fail};
  bool allow_ragged{false};          // accept rows whose field count differs from the header's
  std::uint64_t max_record_bytes{64ull << 20};
  unsigned readers{1};
  unsigned workers{1};               // 0: readers hash their own batches
  // Unit of parallel parsing within a file (and of decoded windows of a
  // compressed one); 0: the default for the work, 4 MiB for a filter
  // (build_filter, add_to_filter), 1 MiB for rows (select_rows, dedupe_rows:
  // every batch in flight holds its chunk's records).
  std::size_t chunk_bytes{0};
  std::size_t queue_batches{0};      // batches in flight per queue; 0 = 2 * (readers + workers)
  std::size_t max_reported_errors{10};
  // Polled between chunks; when it becomes true the build stops with
  // Error(cancelled), whatever else it met on the way out.
  const std::atomic<bool>* cancel{nullptr};
};

struct BadRow {
  std::string file;
  std::uint64_t line;
  std::string what;
};

struct FileStats {
  std::string path;
  std::uint64_t bytes{};
  std::uint64_t rows{};
};

struct BuildStats {
  std::uint64_t files{};
  std::uint64_t bytes{};        // input bytes read (decompressed bytes for compressed inputs)
  std::uint64_t bytes_on_disk{};  // the same, as stored: compressed bytes for .gz/.zst (the progress line's count)
  std::uint64_t rows{};         // data records seen (header and blank lines excluded)
  std::uint64_t keys_inserted{};
  std::uint64_t bad_rows{};
  std::uint64_t empty_keys{};
  std::uint64_t keys_with_outer_whitespace{};  // keys inserted that start or end with a space or tab (before --trim)
  std::vector<BadRow> first_bad_rows;  // up to max_reported_errors, in input order
  std::vector<FileStats> per_file;
  double seconds{};
};

// Live counters, safe to read from another thread while a build runs (the
// CLI's progress line). Updated once per chunk, never per row.
struct BuildProgress {
  std::atomic<std::uint64_t> bytes_done{0};
  std::atomic<std::uint64_t> rows_done{0};
  std::atomic<std::uint64_t> files_done{0};
  // Set by build_filter while it plans, which a progress thread may already
  // be reading: atomics too (0 if unknown, e.g. stdin).
  std::atomic<std::uint64_t> bytes_total{0};
  std::atomic<std::uint64_t> files_total{0};
};

// What expand_inputs found: a value, not out-pointers, so that a binding
// returns it as one object.
struct ExpandedInputs {
  std::vector<std::string> paths;              // for BuildOptions::inputs
  std::vector<InputStat> stats;                // one per path, for BuildOptions::input_stats
  std::vector<std::string> empty_directories;  // given directories holding no data file (worth a warning)
};

// The inputs as given, with each directory among them replaced by the data
// files below it (*.csv and *.tsv, plain, .gz or .zst; recursively, following
// directory symlinks; sorted). Other paths ("-", files, names that don't
// exist) are kept as they are, for build_filter to use or report. Throws
// Error(io) when a directory can't be listed. Paths are checked on up to
// `threads` threads (one stat each; 10,000-file globs).
ExpandedInputs expand_inputs(const std::vector<std::string>& paths, unsigned threads = 1);

// Checks that every input exists, is readable and not a directory, and that
// every file's header has the key columns; collects ALL problems and throws
// one Error listing them, before any work is done.
void check_inputs(const BuildOptions& options);

// Inserts every key of every input into `filter` (which must be writable).
// Inputs are checked as check_inputs() does, and a failing build reports
// every unusable input the same way; only the header of a file of at most
// 64 KiB may be checked when the build reaches it rather than before.
// Throws csvbloom::Error: bad_csv (with file and line) under OnError::fail,
// missing_column, io, cancelled.
BuildStats build_filter(const BuildOptions& options, BloomFilter& filter, BuildProgress* progress = nullptr);

// `add`: a standing filter file plus more inputs.
struct AddResult {
  BuildStats stats;
  BloomFilter filter;  // what was written: base's bits OR the new keys (metadata: base's)
};

// Inserts every key of options.inputs into a copy of `base` (a filter file
// as load_filter returned it) and writes the result, with base's parameters
// and metadata, to output_path crash-safely: a temp file in its directory,
// created before any input is read (an unwritable directory fails first),
// renamed over output_path only once complete; output_path may be the file
// base came from. The bytes are those of one build_filter over base's
// inputs and the new ones with base's parameters. options.key must hash as
// base's key does: as many columns and the same normalisation (the column
// names and the dialect may differ, for inputs that call the columns
// otherwise or use another delimiter); Error(invalid_argument) if not.
// `on_temp_file`, when given, is called with the temp file's path ("" while
// it is unnamed) once it exists: for a program that removes it on a signal.
// The CLI's `add` and Python's csvbloom.add() are this function. Throws what
// build_filter throws, and Error(io) for the output.
AddResult add_to_filter(const LoadedFilter& base, const BuildOptions& options, const std::string& output_path,
                        BuildProgress* progress = nullptr,
                        const std::function<void(const std::string&)>& on_temp_file = {});

// The warnings a build's statistics call for, in words for people, in this
// order: each reported bad row ("skipped bad row: FILE:LINE: WHAT"), the
// count of all of them when more were skipped, the inputs without data rows,
// and keys with outer spaces when `key` does not trim them. Shared by the CLI
// and the Python binding; the CLI adds its own about the filter's fill.
std::vector<std::string> input_warnings(const BuildStats& stats, const KeySpec& key);

// Number of data rows in the inputs, for sizing when capacity is unknown; an
// upper bound as far as it can be (it must not undershoot): plain files up to
// 256 MiB have their newlines counted, larger and compressed ones are
// estimated with a margin. Returns 0 when it cannot tell (standard input).
std::uint64_t estimate_rows(const std::vector<std::string>& inputs, const Dialect& dialect);

}  // namespace csvbloom
