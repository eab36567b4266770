// input_plan.hpp: what the pipeline knows about each input before it starts.
//
// Planning stats every input and reads each regular file's header, so that
// every unreadable file and missing key column is reported at once, before
// any work. Two exceptions, both resolved when the pipeline reaches them:
// streams (stdin, FIFOs), which can't be read twice, and, for a build, small
// files (one chunk, <= 64 KiB), whose header costs more system calls to plan
// than their bytes to parse; a build that fails then plans everything in
// full, so the error still lists every unusable input (plan_inputs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/io/stream_decoder.hpp"
#include "csvbloom/build.hpp"

namespace csvbloom::detail {

// A file's header as read: its bytes (without BOM, with its line end) and
// its decoded names. Shared: the files of one glob usually share one.
struct FileHeader {
  std::string bytes;
  std::vector<std::string> names;
};

struct InputFile {
  std::string path;                    // as given; "-" is standard input
  char delimiter{','};                 // this input's (input_delimiter)
  bool stream{false};                  // read sequentially (stdin, FIFO, compressed file)
  Compression compression{Compression::none};  // of a regular file, from its magic bytes
  std::uint64_t size{0};               // regular files
  std::uint64_t data_start{0};         // offset of the first data record (after BOM and header)
  std::uint64_t data_start_line{1};    // its 1-based line number
  std::vector<std::uint32_t> key_columns;  // 0-based; resolved at plan time for regular files
  std::uint32_t expected_fields{0};    // 0: any field count is accepted
  bool header_pending{false};          // a small file planned by its reader (plan_inputs)
  std::shared_ptr<const FileHeader> header;  // with a header row, once planned
};

// The delimiter of the input at `path`: options.key.dialect's, or a tab for a
// *.tsv[.gz|.zst] file when options.delimiter_by_extension.
char input_delimiter(const std::string& path, const BuildOptions& options) noexcept;

// Throws one Error listing every problem found. With defer_small_files, a
// regular file of at most kSmallFileBytes is only stat'ed: its header is read
// by the reader that reads the file (plan_small_file), saving an open, an
// fstat, a read and a close per file (bench/gen `many`: 10,000 files of
// ~10 KB). A problem found then fails the build, which then plans every
// input in full to report them all, as planning up front would have.
std::vector<InputFile> plan_inputs(const BuildOptions& options, bool defer_small_files = false);

// Files this small are planned by their reader when deferring (above). Small
// enough that reading them all before a header problem shows costs little;
// the same as the reader's look-ahead, so one read takes such a file whole.
inline constexpr std::uint64_t kSmallFileBytes = 64u << 10;

// What the first record says about an input: where data starts, its header,
// key columns and field count. `head` holds the input's first bytes (at least
// up to after_first for its line count and header bytes). Returns the
// missing-column problem, if any (without the path). Shared by planning, the
// small-file reader and the stream path.
std::string apply_first_record(InputFile& in, std::vector<std::string> first, std::uint64_t bom,
                               std::uint64_t after_first, const char* head, std::size_t head_size,
                               const BuildOptions& options);

// A reader's memory of the last small file's header: the files of one glob
// almost always share it, and decoding it into names and resolving the key
// columns cost more than a memcmp (bench/gen `many`: parse_first_record is
// 5.5% of a -j1 build without the memo, mostly its allocations).
struct HeaderMemo {
  std::string bytes;  // BOM, header and its line end ('\n'), as they were; empty: nothing yet
  std::uint64_t data_start_line{1};
  char delimiter{','};
  std::vector<std::uint32_t> key_columns;
  std::uint32_t expected_fields{0};
  std::shared_ptr<const FileHeader> header;
};

// Plans a deferred small file from its bytes [bytes, bytes + n), the whole
// file: BOM, header, key columns, field count, as planning does. Returns ""
// (and clears header_pending) or the problem, with the path. With a memo, a
// file that starts with the same header bytes as the last one is planned
// from the memo (the same result: those bytes alone decide it).
std::string plan_small_file(InputFile& in, const char* bytes, std::size_t n, const BuildOptions& options,
                            bool& missing_column, HeaderMemo* memo = nullptr);

// Resolves the key columns against a header (or, without a header, against
// the first record's field count). Returns an empty string on success, else a
// message (without the file name) for the user.
std::string resolve_key_columns(const KeySpec& key, const std::vector<std::string>& header,
                                std::uint32_t field_count, std::vector<std::uint32_t>& columns);

// The first record of an input (its header, or the first data record), from
// bytes [b, e) that start after any BOM; empty lines before it are skipped.
// Shared by planning (regular and compressed files) and the stream path.
struct FirstRecord {
  enum Status : std::uint8_t {
    found,               // `fields` hold it, decoded; `next` is the offset after it
    need_more,           // it does not end before e and more input may follow
    none,                // nothing but empty lines up to the end of input
    unterminated_quote,  // the end of input comes inside a quoted field
  } status;
  std::size_t next;
};
FirstRecord parse_first_record(const char* b, const char* e, bool at_eof, const Dialect& d,
                               std::vector<std::string>& fields);

// The UTF-8 byte order mark, skipped at the start of every input.
inline bool starts_with_bom(const char* p, std::size_t n) noexcept {
  return n >= 3 && static_cast<unsigned char>(p[0]) == 0xEF && static_cast<unsigned char>(p[1]) == 0xBB &&
         static_cast<unsigned char>(p[2]) == 0xBF;
}

}  // namespace csvbloom::detail
