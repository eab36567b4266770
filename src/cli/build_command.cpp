// build_command.cpp: `csvbloom build`: CSV inputs -> filter file.
//
// The CLI decides, the library executes: this file turns flags into explicit
// values (thread split, sizing when --capacity is missing, the input list from
// directories and --files-from) and calls csvbloom::build_filter.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/stats_json.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/math.hpp"

namespace csvbloom::cli {
namespace {

struct BuildFlags {
  std::string output;
  std::vector<std::string> inputs;
  std::string files_from;
  std::vector<std::string> keys;
  bool no_header{false};
  std::string delimiter{","};
  bool delimiter_given{false};
  bool tsv{false};
  bool trim{false}, lowercase{false};
  std::uint64_t capacity{0};
  double fpr{0.01};
  std::uint64_t bits{0};
  std::uint32_t hashes{0};
  std::string layout{"blocked"};
  std::uint64_t seed{kDefaultSeed};
  std::string on_error{"fail"};
  bool allow_ragged{false};
  std::uint64_t max_record_bytes{64ull << 20};
  unsigned threads{0}, readers{0};
  int workers{-1};
  // 4 MiB: on bench/gen medium at -j2, 1 MiB chunks took 0.44 s and 4 MiB
  // 0.40-0.42 s (fewer opens, hand-offs and look-ahead re-reads); 8 MiB no
  // better. Memory: about 2 x chunk per reader (bench/RESULTS.md).
  std::uint64_t chunk_size{4u << 20};
  std::size_t queue_batches{0};
  std::string stats_json;
  bool no_progress{false};
  Verbosity verbosity;
};


// For --capacity and --bits: CLI::PositiveNumber's message prints DBL_MAX in
// full ("Value 0 not in range 0.000000 to 17976931348623157...").
std::string positive_whole_number(const std::string& s) {
  const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  if (digits && s.find_first_not_of('0') != std::string::npos) return {};
  return "must be a whole number of at least 1 (got '" + s + "')";
}

// The arguments and --files-from lines, directories expanded (the library's
// expand_inputs: every *.csv and *.tsv below, sorted, so runs are repeatable).
std::vector<std::string> gather_inputs(const BuildFlags& f, unsigned threads, std::vector<InputStat>& stats) {
  std::vector<std::string> given = f.inputs;
  if (!f.files_from.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (f.files_from != "-") {
      file.open(f.files_from);
      if (!file) throw Error(ErrorKind::io, std::string("can't read the file list: ") + std::strerror(errno), f.files_from);
      in = &file;
    }
    std::string line;
    while (std::getline(*in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) given.push_back(line);
    }
  }
  ExpandedInputs expanded = expand_inputs(given, threads);
  for (const auto& dir : expanded.empty_directories)
    spdlog::warn("{}: directory holds no *.csv or *.tsv files (plain, .gz or .zst)", dir);
  stats = std::move(expanded.stats);
  return std::move(expanded.paths);
}

int run_build(BuildFlags& f) {
  setup_logging(f.verbosity);
  // ---- validate and decide ----
  if (f.inputs.empty() && f.files_from.empty())
    throw CLI::ValidationError("inputs", "give CSV files, directories, '-' for stdin, or --files-from");
  BuildOptions opt;
  opt.inputs = gather_inputs(f, f.threads ? f.threads : std::max(1u, std::thread::hardware_concurrency()),
                             opt.input_stats);
  if (opt.inputs.empty()) throw Error(ErrorKind::invalid_argument, "no input files (the directories and lists given are empty)");
  if (f.files_from == "-" && std::find(opt.inputs.begin(), opt.inputs.end(), "-") != opt.inputs.end())
    throw CLI::ValidationError("--files-from", "'-' reads the list of inputs from standard input, so '-' can't also be an input");
  {
    std::error_code ec;
    if (std::filesystem::is_directory(f.output, ec))
      throw CLI::ValidationError("--output", "'" + f.output + "' is a directory: give the filter file's name");
  }
  check_output_path(f.output, "--output");
  opt.key.columns = parse_key_columns(f.keys);
  opt.key.dialect.delimiter = f.tsv ? '\t' : parse_delimiter(f.delimiter);
  if (opt.key.dialect.delimiter == '"' || opt.key.dialect.delimiter == '\n' || opt.key.dialect.delimiter == '\r')
    throw CLI::ValidationError("--delimiter", "can't be a quote or a line break");
  opt.key.dialect.has_header = !f.no_header;
  // Without --delimiter/--tsv, *.tsv files are tab-separated, file by file.
  opt.delimiter_by_extension = !f.delimiter_given && !f.tsv;
  for (const auto& c : opt.key.columns)
    if (c.by_name() && f.no_header)
      throw CLI::ValidationError("--key", "'" + c.name + "' is a name, but --no-header says there is no header: use a 1-based index");
  opt.key.normalization = {f.trim, f.lowercase};
  opt.on_error = f.on_error == "skip" ? OnError::skip : OnError::fail;
  opt.allow_ragged = f.allow_ragged;
  opt.max_record_bytes = f.max_record_bytes;
  opt.chunk_bytes = static_cast<std::size_t>(f.chunk_size);
  opt.queue_batches = f.queue_batches;

  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads = f.threads ? f.threads : hw;
  // Thread split (measured in bench/RESULTS.md): parsing is ~3/4 of the work,
  // so every thread parses; hashing needs about half as many; -j1 hashes in
  // the reader (workers = 0). The reducer is one more, mostly idle, thread.
  opt.readers = f.readers ? f.readers : threads;
  opt.workers = f.workers >= 0 ? static_cast<unsigned>(f.workers) : (threads == 1 ? 0u : std::max(1u, threads / 2));

  FilterParams params;
  params.layout = f.layout == "classic" ? Layout::classic : Layout::blocked512;
  params.seed = f.seed;
  FilterMetadata meta;
  meta.key = opt.key;
  if (f.bits) {
    const std::uint64_t unit = params.layout == Layout::blocked512 ? kBlockBits : 64;
    params.bits = (f.bits + unit - 1) / unit * unit;
    if (f.hashes) {
      params.hashes = f.hashes;
    } else if (f.capacity) {
      // The best k for these bits and that many keys.
      double best = 2;
      for (std::uint32_t k = 1; k <= kMaxHashes; ++k) {
        double p = expected_fpr(params.layout, static_cast<double>(f.capacity), static_cast<double>(params.bits), k);
        if (p < best) best = p, params.hashes = k;
      }
    } else {
      throw CLI::ValidationError("--bits", "needs --hashes (or --capacity to choose them)");
    }
    meta.capacity = f.capacity;
    meta.target_fpr = 0;
  } else {
    if (f.hashes) throw CLI::ValidationError("--hashes", "goes with --bits; with --capacity/--fpr it is computed");
    std::uint64_t capacity = f.capacity;
    if (!capacity) {
      for (const auto& in : opt.inputs) {
        if (in == "-") throw CLI::ValidationError("--capacity", "is required when reading standard input (its size is unknown)");
        std::error_code ec;
        const auto type = std::filesystem::status(in, ec).type();
        if (type == std::filesystem::file_type::fifo || type == std::filesystem::file_type::character ||
            type == std::filesystem::file_type::block || type == std::filesystem::file_type::socket)
          throw CLI::ValidationError("--capacity", "is required when an input is a FIFO or device (" + in +
                                                       "): it is read as a stream, its size is unknown");
      }
      check_inputs(opt);  // report unusable inputs before guessing from them
      capacity = std::max<std::uint64_t>(1, estimate_rows(opt.inputs, opt.key.dialect));
      spdlog::info("no --capacity: sizing for {} keys, estimated from the inputs' sizes (pass --capacity for an exact size)",
                   with_commas(capacity));
    }
    Sizing s = size_filter(params.layout, capacity, f.fpr);
    params.bits = s.bits;
    params.hashes = s.hashes;
    meta.capacity = capacity;
    meta.target_fpr = f.fpr;
  }
  validate_params(params);
  check_filter_fits_in_memory(params.bits / 8);

  // ---- check everything that can fail before the long part ----
  // (build_filter itself checks every input before any work.)
  AtomicFileWriter out(f.output);  // the directory is writable, or we stop now
  protect_temp_file(out.temp_path());
  static std::atomic<bool> cancel{false};
  opt.cancel = &cancel;

  BloomFilter filter(params);
  BuildProgress progress;
  ProgressLine line(progress, !f.verbosity.quiet && !f.no_progress);
  BuildStats stats = build_filter(opt, filter, &progress);
  line.finish();

  write_filter(out.fd(), filter, meta, f.output);
  out.commit();
  unprotect_temp_file();
  out.remove_stale_temps();

  const FillStats fill = filter.fill_stats();
  const double target = meta.target_fpr;
  if (!f.stats_json.empty()) write_stats_json(f.stats_json, f.output, stats, filter, meta, fill);
  if (!f.verbosity.quiet) print_build_summary(f.output, stats, filter, meta, fill, f.verbosity.verbose > 0);
  if (target > 0 && fill.estimated_fpr > target * 1.1)
    spdlog::warn("the estimated FPR {:.4g} exceeds the target {:.4g}: the filter holds ~{} distinct keys, more than --capacity {}; rebuild with a larger --capacity",
                 fill.estimated_fpr, target, with_commas(static_cast<std::uint64_t>(fill.estimated_distinct)),
                 with_commas(meta.capacity));
  for (const auto& b : stats.first_bad_rows)
    spdlog::warn("skipped bad row: {}:{}: {}", b.file, b.line, b.what);
  if (stats.bad_rows > stats.first_bad_rows.size())
    spdlog::warn("... {} bad rows skipped in all", with_commas(stats.bad_rows));
  return kExitOk;
}

}  // namespace

std::function<int()> register_build(CLI::App& app) {
  auto f = std::make_shared<BuildFlags>();
  CLI::App* cmd = app.add_subcommand("build", "Build a filter from CSV files");
  cmd->footer(
      "Inputs: files, directories (every *.csv/*.tsv[.gz/.zst] below, sorted), - for stdin,\n"
      "or --files-from LIST. Each file has its own header (unless --no-header).\n\n"
      "Sizing: --capacity N (expected distinct keys) and --fpr P give the size and\n"
      "number of hashes; without --capacity it is estimated from the input sizes.\n"
      "--bits/--hashes set them explicitly. Shards meant for `merge` must use the\n"
      "same explicit --capacity and --fpr (or --bits/--hashes).\n\n"
      "Output is written to a temp file and renamed over -o only on success: a\n"
      "failed or interrupted build leaves an existing file untouched.\n\n"
      "Examples:\n"
      "  csvbloom build -o emails.bloom --key email --fpr 0.001 data/*.csv\n"
      "  csvbloom build -o pairs.bloom --key first --key last --capacity 5000000 data/\n"
      "  csvbloom build -o big.bloom --key 2 --no-header exports/2026-*.csv.gz\n"
      "  psql -c '\\copy users to stdout csv header' | csvbloom build -o users.bloom --key email --capacity 100000000 -");
  cmd->add_option("-o,--output", f->output, "Filter file to write (atomically)")->required();
  cmd->add_option("inputs", f->inputs, "CSV files, directories, or - for stdin");
  cmd->add_option("--files-from", f->files_from, "Read input paths from FILE, one per line (- for stdin)");
  cmd->add_option("-k,--key", f->keys,
                  "Key column: header name or 1-based index (=NAME forces a name); repeat for a composite key "
                  "[default: the first column]")
      ->allow_extra_args(false);  // one column per --key, so `--key email a.csv` leaves a.csv an input
  cmd->add_flag("--no-header", f->no_header, "Files have no header row (--key must be an index)");
  cmd->add_option("-d,--delimiter", f->delimiter,
                  "Field delimiter: one byte, or \\t, tab, \\xHH [default: ',', and a tab for *.tsv files]")
      ->capture_default_str()
      ->each([f](const std::string&) { f->delimiter_given = true; });
  cmd->add_flag("--tsv", f->tsv, "Tab-separated input (same as --delimiter '\\t')");
  cmd->add_flag("--trim", f->trim, "Trim ASCII spaces and tabs around keys (recorded in the filter)");
  cmd->add_flag("--lowercase", f->lowercase, "Lowercase ASCII letters in keys (recorded in the filter)");
  cmd->add_option("-n,--capacity", f->capacity, "Expected number of distinct keys")
      ->check(positive_whole_number);
  cmd->add_option("-p,--fpr", f->fpr, "Target false-positive rate, in (0, 1)")->capture_default_str()
      ->check([](const std::string& s) -> std::string {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (*end || !(v > 0 && v < 1)) return "must be a number strictly between 0 and 1 (got " + s + ")";
        return {};
      });
  cmd->add_option("--bits", f->bits, "Filter size in bits (rounded up to a block), instead of sizing from --fpr")
      ->check(positive_whole_number);
  cmd->add_option("--hashes", f->hashes, "Number of hash functions (with --bits)")->check(CLI::Range(1u, kMaxHashes));
  cmd->add_option("--layout", f->layout, "blocked (one cache line per key, default) or classic")
      ->check(CLI::IsMember({"blocked", "classic"}))->capture_default_str();
  cmd->add_option("--seed", f->seed, "Hash seed (recorded in the filter)");
  cmd->add_option("--on-error", f->on_error, "Bad rows: fail (exit 2 naming file and line) or skip (count and go on)")
      ->check(CLI::IsMember({"fail", "skip"}))->capture_default_str();
  cmd->add_flag("--allow-ragged", f->allow_ragged, "Accept rows whose field count differs from the header's");
  // Sizes take K, M, G suffixes (powers of 1024: 4M = 4194304), as split(1) and head(1) do.
  cmd->add_option("--max-record-bytes", f->max_record_bytes, "Longest record accepted, in bytes (K, M, G: x1024)")
      ->capture_default_str()->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 40));
  cmd->add_option("-j,--threads", f->threads, "Threads [default: all cores]")->check(CLI::Range(1u, 1024u));
  cmd->add_option("--readers", f->readers, "Parsing threads [default: -j]")->check(CLI::Range(1u, 1024u));
  cmd->add_option("--workers", f->workers, "Hashing threads; 0 hashes in the readers [default: -j/2, 0 for -j1]")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--chunk-size", f->chunk_size, "Bytes of a file parsed as one unit (K, M, G: x1024)")
      ->capture_default_str()->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{16}, std::uint64_t{1} << 32));
  cmd->add_option("--queue-batches", f->queue_batches, "Batches in flight per stage (memory bound)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 16));
  cmd->add_option("--stats-json", f->stats_json, "Write the build summary as JSON to FILE (- for stdout)");
  cmd->add_flag("--no-progress", f->no_progress, "No progress line, even on a terminal");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f] { return run_build(*f); };
}

}  // namespace csvbloom::cli
