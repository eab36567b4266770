// input_flags.cpp: the shared input flags (input_flags.hpp).
#include "cli/input_flags.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/cli_common.hpp"
#include "core/common/build_defaults.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::cli {
namespace {

// The arguments and --files-from lines, directories expanded (the library's
// expand_inputs: every *.csv and *.tsv below, sorted, so runs are repeatable).
std::vector<std::string> gather(const InputFlags& f, unsigned threads, std::vector<InputStat>& stats) {
  std::vector<std::string> given = f.inputs;
  if (!f.files_from.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (f.files_from != "-") {
      file.open(f.files_from);
      if (!file)
        throw Error(ErrorKind::io, std::string("can't read the file list: ") + std::strerror(errno), f.files_from);
      in = &file;
    }
    // -0: NUL-separated, as `find -print0` writes (names may hold newlines).
    const char sep = f.files_from_null ? '\0' : '\n';
    std::string line;
    while (std::getline(*in, line, sep)) {
      if (!f.files_from_null && !line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) given.push_back(line);
    }
  }
  ExpandedInputs expanded = expand_inputs(given, threads);
  for (const auto& dir : expanded.empty_directories)
    spdlog::warn("{}: directory holds no *.csv or *.tsv files (plain, .gz or .zst)", dir);
  stats = std::move(expanded.stats);
  return std::move(expanded.paths);
}

bool delimiter_given(const InputFlags& f) { return f.tsv || (f.delimiter_option && f.delimiter_option->count() > 0); }

}  // namespace

void add_input_flags(CLI::App& cmd, InputFlags& f, KeyFlags key_flags) {
  cmd.add_option("inputs", f.inputs, "CSV files, directories, or - for stdin");
  cmd.add_option("--files-from", f.files_from, "Read input paths from FILE, one per line (- for stdin)");
  cmd.add_flag("-0,--null", f.files_from_null, "--files-from's paths are NUL-separated (find -print0)");
  if (key_flags == KeyFlags::define) {
    cmd.add_option("-k,--key", f.keys,
                   "Key column: header name or 1-based index (=NAME forces a name); repeat for a composite key "
                   "[default: the first column]")
        ->allow_extra_args(false);  // one column per --key, so `--key email a.csv` leaves a.csv an input
  } else {
    cmd.add_option("-k,--key", f.keys,
                   "The inputs' names (or 1-based indexes) for the filter's key columns, when they differ from "
                   "the filter's; repeat once per key column [default: the filter's]")
        ->allow_extra_args(false);
  }
  cmd.add_flag("--no-header", f.no_header, "Files have no header row (--key must be an index)");
  f.delimiter_option = cmd.add_option("-d,--delimiter", f.delimiter,
                                      key_flags == KeyFlags::define
                                          ? "Field delimiter: one byte, or \\t, tab, \\xHH [default: ',', and a tab for *.tsv files]"
                                          : "Field delimiter: one byte, or \\t, tab, \\xHH [default: the filter's; a tab for *.tsv files]")
                          ->capture_default_str();
  cmd.add_flag("--tsv", f.tsv, "Tab-separated input (same as --delimiter '\\t')");
  cmd.add_option("--on-error", f.on_error, "Bad rows: fail (exit 2 naming file and line) or skip (count and go on)")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();
  cmd.add_flag("--allow-ragged", f.allow_ragged, "Accept rows whose field count differs from the header's");
  // Sizes take K, M, G suffixes (powers of 1024: 4M = 4194304), as split(1) and head(1) do.
  cmd.add_option("--max-record-bytes", f.max_record_bytes, "Longest record accepted, in bytes (K, M, G: x1024)")
      ->capture_default_str()
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  cmd.add_option("-j,--threads", f.threads, "Threads [default: all cores]")->check(CLI::Range(1u, 1024u));
  cmd.add_option("--readers", f.readers, "Parsing threads [default: -j]")->check(CLI::Range(1u, 1024u));
  cmd.add_option("--workers", f.workers, "Hashing threads; 0 hashes in the readers [default: -j/2 for build and add; 0 for -j1, select and dedupe]")
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--chunk-size", f.chunk_size,
                 "Bytes of a file (or of a decoded stream) parsed as one unit (K, M, G: x1024) [default: 4M for build and add; 1M for select and dedupe]")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{1} << 32));
  cmd.add_option("--queue-batches", f.queue_batches, "Batches in flight (memory bound)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 16));
}

BuildOptions input_options(const InputFlags& f, detail::Consumer consumer) {
  if (f.inputs.empty() && f.files_from.empty())
    throw CLI::ValidationError("inputs", "give CSV files, directories, '-' for stdin, or --files-from");
  if (f.files_from_null && f.files_from.empty())
    throw CLI::ValidationError("--null", "says how --files-from's list is separated: give --files-from too");
  const unsigned threads = detail::default_threads(f.threads);
  BuildOptions opt;
  opt.inputs = gather(f, threads, opt.input_stats);
  if (opt.inputs.empty())
    throw Error(ErrorKind::invalid_argument, "no input files (the directories and lists given are empty)");
  if (f.files_from == "-" && std::find(opt.inputs.begin(), opt.inputs.end(), "-") != opt.inputs.end())
    throw CLI::ValidationError("--files-from",
                               "'-' reads the list of inputs from standard input, so '-' can't also be an input");
  opt.key.dialect.delimiter = f.tsv ? '\t' : parse_delimiter(f.delimiter);
  if (opt.key.dialect.delimiter == '"' || opt.key.dialect.delimiter == '\n' || opt.key.dialect.delimiter == '\r')
    throw CLI::ValidationError("--delimiter", "can't be a quote or a line break");
  opt.key.dialect.has_header = !f.no_header;
  // Without --delimiter/--tsv, *.tsv files are tab-separated, file by file.
  opt.delimiter_by_extension = !delimiter_given(f);
  opt.on_error = f.on_error == "skip" ? OnError::skip : OnError::fail;
  opt.allow_ragged = f.allow_ragged;
  opt.max_record_bytes = f.max_record_bytes;
  opt.chunk_bytes = static_cast<std::size_t>(f.chunk_size);  // 0: run_pipeline takes the work's default
  opt.queue_batches = f.queue_batches;
  detail::split_threads(threads, f.readers, f.workers, consumer, opt);  // shared with Python
  return opt;
}

void apply_key_flags(const InputFlags& f, BuildOptions& opt) {
  opt.key.columns = parse_key_columns(f.keys);
  for (const auto& c : opt.key.columns)
    if (c.by_name() && f.no_header)
      throw CLI::ValidationError("--key", "'" + c.name +
                                              "' is a name, but --no-header says there is no header: use a 1-based index");
}

void apply_filter_key(const KeySpec& filter_key, const std::string& filter_name, const InputFlags& f,
                      BuildOptions& opt) {
  const Dialect given = opt.key.dialect;
  opt.key = filter_key;
  if (delimiter_given(f)) opt.key.dialect.delimiter = given.delimiter;
  // The filter's delimiter is the default; *.tsv inputs are tab-separated
  // unless --delimiter/--tsv say otherwise.
  if (f.no_header) opt.key.dialect.has_header = false;
  if (!f.keys.empty()) {
    std::vector<KeyColumn> renamed = parse_key_columns(f.keys);
    if (renamed.size() != filter_key.column_count())
      throw CLI::ValidationError(
          "--key", "the filter " + filter_name + " has a key of " + std::to_string(filter_key.column_count()) +
                       " column" + (filter_key.column_count() == 1 ? "" : "s") + " (" + filter_key.describe() +
                       "); give --key once per column to rename them, or not at all");
    opt.key.columns = std::move(renamed);
  }
  for (const auto& c : opt.key.columns)
    if (c.by_name() && !opt.key.dialect.has_header)
      throw CLI::ValidationError("--key", "the key column '" + c.name +
                                              "' is a name, but the inputs have no header: give --key INDEX");
}

}  // namespace csvbloom::cli
