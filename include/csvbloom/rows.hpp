// csvbloom/rows.hpp: putting a filter to work on CSV rows.
//
// select_rows prints the rows whose key may be in a filter (or, absent, the
// rows whose key certainly is not: the anti-join "rows we have never seen");
// dedupe_rows prints the first occurrence of every key, in bounded memory (a
// filter). Both read inputs exactly as build_filter does (same options, CSV
// dialect, key handling and bad-row policy; the same parallel pipeline) and
// write, in input order, the header of the first input once and then each
// chosen record's own bytes: quoting, embedded newlines and line ends as they
// were (a last record without a line end gets '\n'). The output is the same
// bytes for any thread count or chunk size.
//
// Keys: a record whose key is empty has no key: build_filter never inserts
// one, so select counts it absent, and dedupe keeps every such record.
// Every input's header must name the same columns as the first input's
// (rows under different headers would not line up): Error(bad_csv) naming the
// file, line 1.
#pragma once

#include <cstdint>
#include <string_view>

#include "csvbloom/build.hpp"
#include "csvbloom/filter.hpp"

namespace csvbloom {

// Where rows go: called from one thread at a time, in output order. An
// exception thrown here stops the run and is rethrown by the caller.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Bytes to write, copied or written out before it returns.
  virtual void write(std::string_view bytes) = 0;
  // Bytes of one batch's records, which stay where they are until the next
  // end_batch(): a sink may note where they lie and write them out by then
  // instead of copying them (select and dedupe write their rows this way).
  // By default, write(bytes).
  virtual void write_lent(std::string_view bytes) { write(bytes); }
  // The bytes lent since the last end_batch() are about to be reused.
  virtual void end_batch() {}
};

enum class SelectMode : std::uint8_t {
  present,  // rows whose key may be in the filter (false positives at about its FPR)
  absent,   // rows whose key is certainly not in it (never a member's row)
};

struct RowStats {
  BuildStats input;                // rows read, bytes, bad rows, empty keys, per file, time
  std::uint64_t rows_written{};    // data records written (or counted, without a sink)
  std::uint64_t rows_dropped{};    // data records not written (bad rows excluded)
  // dedupe: records dropped although their key was new, expected from the
  // filter's false-positive rate as it filled (a sum over the keys inserted).
  double expected_false_drops{};
};

// Reads options.inputs with options.key (normally the filter's own key spec;
// the column names may differ from the filter's, their count may not) and
// writes the selected records to `sink` (nullptr: only count them).
// Throws Error(invalid_argument) when the key's column count differs from
// the filter's, and everything build_filter throws.
RowStats select_rows(const BuildOptions& options, const BloomFilter& filter, std::uint32_t filter_key_columns,
                     SelectMode mode, RowSink* sink, BuildProgress* progress = nullptr);

// The first record of every key, in input order, whatever the thread count;
// later records with a key already seen (or already in `seen` when it
// started) are dropped. `seen` must be writable; every kept key is inserted,
// so `seen` can be saved for the next run. A record whose key is new is
// dropped wrongly with about the filter's false-positive probability: size
// it for the distinct keys expected, at a low FPR.
RowStats dedupe_rows(const BuildOptions& options, BloomFilter& seen, RowSink* sink,
                     BuildProgress* progress = nullptr);

}  // namespace csvbloom
