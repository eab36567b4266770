// build_command.cpp: `csvbloom build`: CSV inputs -> filter file.
//
// The CLI decides, the library executes: this file turns flags into explicit
// values (thread split, sizing when --capacity is missing, the input list from
// directories and --files-from) and calls csvbloom::build_filter.
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/stats_json.hpp"
#include "core/common/build_defaults.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/math.hpp"

namespace csvbloom::cli {
namespace {

struct BuildFlags {
  std::string output;
  bool trim{false}, lowercase{false};
  std::uint64_t capacity{0};
  double fpr{0.01};
  std::uint64_t bits{0};
  std::uint32_t hashes{0};
  std::string layout{"blocked"};
  std::uint64_t seed{kDefaultSeed};
  std::string stats_json;
  bool strict{false};
  bool allow_empty{false};
  bool force{false};
  bool no_progress{false};
  InputFlags in;
  Verbosity verbosity;
};


// For --capacity and --bits: CLI::PositiveNumber's message prints DBL_MAX in
// full ("Value 0 not in range 0.000000 to 17976931348623157...").
std::string positive_whole_number(const std::string& s) {
  const bool digits = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  if (digits && s.find_first_not_of('0') != std::string::npos) return {};
  return "must be a whole number of at least 1 (got '" + s + "')";
}

// Without --key, a header of one field that holds a likely delimiter is
// almost always a file read with the wrong --delimiter: the whole line becomes
// the key. Checks the first line of up to 16 plain files (one read each).
void warn_single_field_header(const std::vector<std::string>& inputs, const Dialect& d, bool delimiter_given) {
  int checked = 0;
  for (const auto& path : inputs) {
    if (checked == 16) break;
    if (path == "-" || path.ends_with(".gz") || path.ends_with(".zst")) continue;
    // A *.tsv file is read as tab-separated when no --delimiter is given.
    if (!delimiter_given && path.ends_with(".tsv")) continue;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) continue;
    ++checked;
    std::ifstream in(path, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line)) continue;
    if (line.size() > 4096) line.resize(4096);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find(d.delimiter) != std::string::npos || line.find(d.quote) != std::string::npos) continue;
    for (char c : {'\t', ';', '|'}) {
      if (c == d.delimiter || line.find(c) == std::string::npos) continue;
      spdlog::warn("{}: the first line is one field with delimiter '{}', but it holds '{}': if that is the "
                   "delimiter, pass {}",
                   path, describe_byte(d.delimiter), describe_byte(c),
                   c == '\t' ? std::string("--tsv") : "--delimiter '" + std::string(1, c) + "'");
      break;
    }
  }
}

int run_build(BuildFlags& f) {
  setup_logging(f.verbosity);
  // ---- validate and decide ----
  BuildOptions opt = input_options(f.in, detail::Consumer::filter);
  const bool to_stdout = f.output == "-";
  if (to_stdout) {
    check_filter_to_stdout("--output");
    if (f.stats_json == "-")
      throw CLI::ValidationError("--stats-json", "'-' is standard output, where -o - already writes the filter");
  } else {
    std::error_code ec;
    if (std::filesystem::is_directory(f.output, ec))
      throw CLI::ValidationError("--output", "'" + f.output + "' is a directory: give the filter file's name");
    check_output_path(f.output, "--output");
    check_output_replaceable(f.output, opt.inputs, f.force, "--output");
  }
  if (!f.stats_json.empty() && f.stats_json != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(f.stats_json, ec))
      throw CLI::ValidationError("--stats-json", "'" + f.stats_json + "' is a directory: give a file's name");
    check_apart("--stats-json", f.stats_json, named_inputs(opt.inputs), {{"--output", f.output}});
  }
  apply_key_flags(f.in, opt);
  opt.key.normalization = {f.trim, f.lowercase};
  if (opt.key.columns.empty() && !f.in.no_header)
    warn_single_field_header(opt.inputs, opt.key.dialect, !opt.delimiter_by_extension);

  // The sizing itself is shared with Python's build (core/common/build_defaults.hpp);
  // the checks and their wording are the CLI's.
  detail::SizingRequest sizing;
  sizing.layout = f.layout == "classic" ? Layout::classic : Layout::blocked512;
  sizing.seed = f.seed;
  sizing.capacity = f.capacity;
  sizing.fpr = f.fpr;
  sizing.bits = f.bits;
  sizing.hashes = f.hashes;
  if (f.bits) {
    if (!f.hashes && !f.capacity) throw CLI::ValidationError("--bits", "needs --hashes (or --capacity to choose them)");
  } else {
    if (f.hashes) throw CLI::ValidationError("--hashes", "goes with --bits; with --capacity/--fpr it is computed");
    if (!f.capacity) require_capacity_if_unsized(opt.inputs);
  }
  const detail::SizingResult sized = detail::size_for(sizing, opt);
  const FilterParams params = sized.params;
  FilterMetadata meta;
  meta.key = opt.key;
  meta.capacity = sized.capacity;
  meta.target_fpr = sized.target_fpr;
  const bool capacity_estimated = sized.capacity_estimated;
  if (capacity_estimated)
    spdlog::info("no --capacity: sizing for {} keys, counted from the inputs (pass --capacity for an exact size)",
                 with_commas(meta.capacity));
  validate_params(params);
  check_filter_fits_in_memory(params.bits / 8);
  // A --capacity far above what the inputs hold is most often a slip (an extra
  // digit, K for M); past 1 GiB of filter it costs memory and disk for nothing.
  constexpr std::uint64_t kHugeFilterBytes = 1ull << 30;
  if (f.capacity && !f.force && params.bits / 8 > kHugeFilterBytes) {
    const std::uint64_t rows = estimate_rows(opt.inputs, opt.key.dialect);  // 0: can't tell (stdin)
    if (rows > 0 && f.capacity / 1000 > rows)
      throw CLI::ValidationError("--capacity", with_commas(f.capacity) + " is over 1,000 times the ~" +
                                                   with_commas(rows) + " rows of the inputs, and makes a " +
                                                   human_bytes(static_cast<double>(params.bits / 8)) +
                                                   " filter: pass --force if that is meant");
  }

  // ---- check everything that can fail before the long part ----
  // (build_filter itself checks every input before any work.) Every output is
  // opened now: an unwritable place stops us before the build.
  // (Output: a new or regular file is replaced atomically; standard output
  // and an existing device or FIFO, `--stats-json /dev/stderr`, are written
  // in place.)
  Output out(f.output);
  std::unique_ptr<Output> stats_out;
  if (!f.stats_json.empty()) stats_out = std::make_unique<Output>(f.stats_json);
  // Writing to standard output too, a signal exits 128+signal.
  if (out.to_stdout()) protect_temp_file("");
  static std::atomic<bool> cancel{false};
  opt.cancel = &cancel;

  BloomFilter filter(params);
  BuildProgress progress;
  ProgressLine line(progress, !f.verbosity.quiet && !f.no_progress);
  BuildStats stats = build_filter(opt, filter, &progress);
  line.finish();

  // ---- judge the result before anything replaces an old output ----
  const FillStats fill = filter.fill_stats();
  const double target = meta.target_fpr;
  std::vector<std::string> warnings;  // printed, in --stats-json, and errors under --strict
  std::string saturation;
  if (target > 0 && fill.estimated_fpr > target * 1.1) {
    char head[160];
    std::snprintf(head, sizeof head, "the estimated FPR %.4g exceeds the target %.4g: the filter holds %s distinct keys, ",
                  fill.estimated_fpr, target, distinct_keys_text(fill.estimated_distinct, fill.fill_ratio).c_str());
    const std::uint64_t suggest = std::max<std::uint64_t>(stats.keys_inserted, 2 * meta.capacity);
    saturation = head;
    saturation += capacity_estimated
                      ? "more than the " + with_commas(meta.capacity) +
                            " this build estimated from the inputs; pass --capacity (e.g. " + with_commas(suggest) + ")"
                      : "more than --capacity " + with_commas(meta.capacity) + "; rebuild with a larger --capacity (e.g. " +
                            with_commas(suggest) + ")";
    warnings.push_back(saturation);
  }
  for (auto& w : input_warnings(stats, opt.key)) warnings.push_back(std::move(w));
  const bool empty_build = stats.keys_inserted == 0;
  if (empty_build) warnings.push_back("no key was inserted: the filter is empty");
  if (f.strict) {
    // --strict: what a warning says is wrong with the filter is an error.
    std::string why;
    if (!saturation.empty()) why += "\n  " + saturation;
    if (stats.bad_rows) why += "\n  " + count_of(stats.bad_rows, "bad row") + " skipped";
    for (const auto& pf : stats.per_file)
      if (pf.rows == 0) why += "\n  " + pf.path + ": no data rows";
    if (empty_build && why.empty()) why += "\n  no key was inserted";
    if (!why.empty())
      throw Error(ErrorKind::invalid_argument,
                  "--strict: the new filter is not kept" + (to_stdout ? std::string() : " (" + f.output + " is unchanged)") + ":" + why);
  }
  if (empty_build && !to_stdout && !f.allow_empty) {
    struct stat st {};
    if (::stat(f.output.c_str(), &st) == 0 && st.st_size > 0)
      throw Error(ErrorKind::invalid_argument,
                  "no key was inserted (" + count_of(stats.rows, "data row") + " in " + count_of(stats.files, "file") +
                      "): " + f.output + " is kept as it was; pass --allow-empty to replace it with an empty filter");
  }

  // ---- write every output, then put them in place ----
  write_filter(out.fd(), filter, meta, f.output);
  if (stats_out) {
    const std::string json = stats_json_text(to_stdout ? "-" : f.output, stats, filter, meta, fill, warnings);
    if (f.stats_json == "-") {
      std::fwrite(json.data(), 1, json.size(), stdout);
      if (std::fflush(stdout) != 0)
        throw Error(ErrorKind::io, std::string("can't write the stats to standard output: ") + std::strerror(errno));
    } else {
      stats_out->write(json);
    }
  }
  out.finish();
  if (stats_out) stats_out->finish();
  out.commit();
  if (stats_out) stats_out->commit();
  unprotect_temp_file();

  if (!f.verbosity.quiet)
    print_build_summary(to_stdout ? "standard output" : f.output, stats, filter, meta, fill, f.verbosity.verbose > 0);
  // The saturation warning is printed even under -q: it is the one warning a
  // cron job must see (a filter that answers "present" to everything).
  for (const auto& w : warnings) {
    if (w == saturation) std::fprintf(stderr, "csvbloom: warning: %s\n", w.c_str());
    else spdlog::warn("{}", w);
  }
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
      "failed or interrupted build leaves an existing file untouched, and so does a\n"
      "build that inserted no key (unless --allow-empty). A replaced file keeps its\n"
      "permission bits. -o must not be an input; a file that is not a csvbloom\n"
      "filter is replaced only with --force. -o - writes the filter to stdout.\n\n"
      "Warnings (bad rows skipped, files without data rows, a filter fuller than\n"
      "its target FPR) are errors with --strict; the FPR warning is printed even\n"
      "with -q, and --stats-json lists every warning.\n\n"
      "Examples:\n"
      "  csvbloom build -o emails.bloom --key email --fpr 0.001 data/*.csv\n"
      "  csvbloom build -o pairs.bloom --key first --key last --capacity 5000000 data/\n"
      "  csvbloom build -o big.bloom --key 2 --no-header exports/2026-*.csv.gz\n"
      "  psql -c '\\copy users to stdout csv header' | csvbloom build -o users.bloom --key email --capacity 100000000 -");
  cmd->add_option("-o,--output", f->output, "Filter file to write (atomically); - for stdout")->required();
  add_input_flags(*cmd, f->in, KeyFlags::define);
  cmd->add_flag("--trim", f->trim, "Trim ASCII spaces and tabs around keys (recorded in the filter)");
  cmd->add_flag("--lowercase", f->lowercase, "Lowercase ASCII letters in keys (recorded in the filter)");
  cmd->add_option("-n,--capacity", f->capacity, "Expected number of distinct keys (K, M, G: x1024)")
      ->transform(CLI::AsSizeValue(false))->check(positive_whole_number);
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
  cmd->add_option("--stats-json", f->stats_json, "Write the build summary as JSON to FILE (- for stdout)");
  cmd->add_flag("--strict", f->strict, "Fail (exit 2, output untouched) on any warning: FPR over target, bad rows skipped, empty inputs");
  cmd->add_flag("--allow-empty", f->allow_empty, "Replace an existing output even when no key was inserted");
  cmd->add_flag("-f,--force", f->force, "Replace an -o that is not a csvbloom filter; accept a --capacity 1000x the input rows");
  cmd->add_flag("--no-progress", f->no_progress, "No progress line, even on a terminal");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f] { return run_build(*f); };
}

}  // namespace csvbloom::cli
