// structural_parser.hpp: the fast path of record parsing, 64 bytes at a time.
//
// RecordSplitter::next() walks one record byte-class by byte-class: 55% of a
// -j1 build's CPU when it parses everything (perf, bench/gen medium). This
// parser instead turns each 64-byte block into bitmaps (delimiter, line end,
// quote), derives "inside quotes" with a prefix XOR of the quote bits (as
// simdjson and simdcsv do), and then finds fields and record ends with
// count-trailing-zeros on those bitmaps, many records per call, writing keys
// straight into the batch.
//
// The prefix-XOR reading equals Python's csv reading exactly when every quote
// sits where RFC 4180 puts it. So each block also gets a "not clean" bitmap:
//   - a quote that opens (even count before it) must follow a delimiter or
//     line end outside quotes, the record start, or a closing quote (a
//     doubled "" inside a quoted field);
//   - the byte after a closing quote must be another quote, a delimiter, or
//     a line end.
// A record with a not-clean bit anywhere in it (a quote inside an unquoted
// field, text after a closing quote), and anything else out of the ordinary
// (a blank line, too few or too many fields, a record over the length limit,
// a record running past the bytes at hand), is left to RecordSplitter::next():
// parse_clean_records() returns at that record's start and the caller takes
// over for one record. Bad rows are therefore reported by one code path only.
//
// Two builds of the same template: SSE2 (the x86-64 baseline) and AVX2 with
// POPCNT, chosen once at run time (simd_kernels.hpp explains why the binary
// carries both).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/pipeline/batches.hpp"
#include "core/csv/key_builder.hpp"
#include "core/csv/record_splitter.hpp"

namespace csvbloom::detail {

struct CleanParseContext {
  char delimiter{','};
  char quote{'"'};
  std::uint32_t expected_fields{0};  // 0: any count (--allow-ragged)
  std::uint64_t max_record_bytes{~0ull};
  Normalization norm;
};

struct CleanParseCounts {
  std::uint64_t rows{0};
  std::uint64_t empty_keys{0};
};

// Parses the records that start in [p, until) while they are clean (see
// above), reading no byte at or past `limit` (the end of the bytes at hand).
// `p` must be a record start outside quotes. Appends each record's key to
// `batch` (empty keys are counted, not appended) and returns the start of the
// first record not parsed: >= until, or a record the caller must parse with
// RecordSplitter::next().
const char* parse_clean_records(const char* p, const char* until, const char* limit, const CleanParseContext& ctx,
                                RecordSplitter& sp, KeyBatch& batch, CleanParseCounts& counts);

}  // namespace csvbloom::detail
