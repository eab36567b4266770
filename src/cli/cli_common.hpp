// cli_common.hpp: what the subcommands share: exit codes, logging, number
// formatting, key-spec flags, and the signal handling that keeps output
// atomic. The library knows none of this.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/io/same_file.hpp"
#include "csvbloom/filter.hpp"
#include "csvbloom/key_spec.hpp"

namespace csvbloom::cli {

// Exit codes every subcommand uses (README "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitNoneFound = 1;  // query: no key may be present
inline constexpr int kExitError = 2;      // usage, input, I/O or corrupt filter

// Verbosity shared by all subcommands: -q / -v.
struct Verbosity {
  bool quiet{false};
  int verbose{0};
};
void add_verbosity_flags(CLI::App& app, Verbosity& v);
void setup_logging(const Verbosity& v);

// Prints "csvbloom: error: <what>" on stderr.
void print_error(const std::string& what);

// 1234567 -> "1,234,567"; bytes -> "1.2 MiB".
std::string with_commas(std::uint64_t n);
std::string human_bytes(double bytes);

// Parses --delimiter: one byte given literally, or \t, tab, \\, \xHH.
char parse_delimiter(const std::string& text);
std::string describe_byte(char c);

// --key values: a number is a 1-based index, anything else a header name; a
// leading '=' forces a name (for headers that are numbers: --key =2020).
std::vector<KeyColumn> parse_key_columns(const std::vector<std::string>& keys);

// What an output flag accepts besides a regular file or a new path.
//   - file_only (filters: build -o, merge -o, dedupe --save, add -o): nothing
//     else. They are written to a temp file in the same directory and renamed
//     over the path, which would replace whatever the path names: a device
//     node, a FIFO (as root, `-o /dev/full` would become a filter file).
//   - device_in_place (rows: select -o, dedupe -o): also an existing character
//     device or FIFO, which Output writes in place, without a temp file
//     (`-o /dev/null` to time a pipeline; no atomicity is possible there).
// A symbolic link is refused either way, whatever it points to: the rename
// would replace the link itself, not its target (`-o /dev/stdout` would
// become a regular file), and "in place" through a link would depend on what
// it points to at the moment. So are directories, block devices and sockets.
// Throws CLI::ValidationError naming `flag`, before any work.
enum class OutputKinds { file_only, device_in_place };
void check_output_path(const std::string& path, const std::string& flag,
                       OutputKinds kinds = OutputKinds::file_only);

// A second output (`flag`) given as "-" while standard output carries the
// rows (`rows_output` "" or "-"): refused, naming `flag` (select, dedupe).
void check_stdout_free_of_rows(const std::string& flag, const std::string& path, const std::string& rows_output);

// A filter written to standard output ("-"): refused on a terminal (binary
// bytes on the screen). Throws CLI::ValidationError naming `flag`.
void check_filter_to_stdout(const std::string& flag);

using detail::named_inputs;
using detail::NamedPath;
// detail::output_clash as a CLI::ValidationError naming `flag`. A rows
// output may be its own input (select and dedupe read every input before
// the rename), so callers leave the inputs out of `reads` there.
void check_apart(const std::string& flag, const std::string& path, const std::vector<NamedPath>& reads,
                 const std::vector<NamedPath>& writes = {});

// Before an output is replaced: refuses an output that is one of `inputs`
// (the same file, by device and inode: `-o a.csv ... a.csv` would turn the
// CSV into a filter), and an existing non-empty file that is not a csvbloom
// filter unless `force` (as gzip and zstd refuse to overwrite without -f).
// Throws CLI::ValidationError naming `flag`.
void check_output_replaceable(const std::string& path, const std::vector<std::string>& inputs, bool force,
                              const std::string& flag);

// "1 file", "2 files": n with commas and the noun, plural when n != 1.
std::string count_of(std::uint64_t n, const std::string& noun);

// Without --capacity a filter is sized from its inputs' sizes: stdin, a FIFO
// or a device can't be sized (build and dedupe). Throws CLI::ValidationError
// naming --capacity and the input.
void require_capacity_if_unsized(const std::vector<std::string>& inputs);

// The distinct-key estimate as text: "~N", or "more than N" when the filter
// is too full for the estimate to be more than a lower bound.
std::string distinct_keys_text(double estimated_distinct, double fill_ratio);

// Refuses a filter that needs more memory than this machine's RAM and swap
// (Error(invalid_argument) naming the options to change), before allocating:
// with overcommit the allocation itself would succeed and the build would end
// thrashing, killed, or writing a file larger than the disk.
void check_filter_fits_in_memory(std::uint64_t bytes);

// While a command writes, SIGINT/SIGTERM/SIGHUP/SIGPIPE remove its temp files
// and exit with 128+signal. The paths are copied into static storage
// (async-signal-safe); "" (an unnamed O_TMPFILE temp file, which the kernel
// frees) only exits. Up to kProtectedTempFiles at once (dedupe writes rows
// and a filter).
inline constexpr int kProtectedTempFiles = 4;
void protect_temp_file(const std::string& temp_path);
void unprotect_temp_file();                             // every one
void unprotect_temp_file(const std::string& temp_path);  // that one

}  // namespace csvbloom::cli
