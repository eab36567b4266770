// select_command.cpp: `csvbloom select FILTER [INPUTS...]`: the rows whose key
// may be in a filter (or, with --absent, certainly is not), in input order.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/json_writer.hpp"
#include "cli/progress.hpp"
#include "cli/stats_json.hpp"
#include "cli/output.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom::cli {
namespace {

struct SelectFlags {
  std::string filter;
  std::string output;
  std::string stats_json;
  bool absent{false};
  bool count{false};
  bool no_verify{false};
  bool no_progress{false};
  InputFlags in;
  Verbosity verbosity;
};

int run_select(SelectFlags& f) {
  setup_logging(f.verbosity);
  const LoadedFilter lf = load_filter(f.filter, !f.no_verify);
  BuildOptions opt = input_options(f.in, detail::Consumer::rows);
  apply_filter_key(lf.metadata.key, f.filter, f.in, opt);
  if (!f.output.empty() && f.output != "-") check_output_path(f.output, "--output", OutputKinds::device_in_place);
  check_apart("--output", f.output, {{"the filter", f.filter}});  // an input CSV may be replaced by its own rows
  if (f.count && f.stats_json == "-")
    throw CLI::ValidationError("--stats-json", "'-' is standard output, which carries the count: give a file");
  check_stdout_free_of_rows("--stats-json", f.stats_json, f.output);
  if (!f.stats_json.empty()) {
    std::vector<NamedPath> reads = named_inputs(opt.inputs);
    reads.push_back({"the filter", f.filter});
    check_apart("--stats-json", f.stats_json, reads, {{"--output", f.output}});
  }
  std::unique_ptr<Output> out;
  if (!f.count) out = std::make_unique<Output>(f.output);
  BuildProgress progress;
  ProgressLine line(progress, !f.verbosity.quiet && !f.no_progress);
  const RowStats s = select_rows(opt, lf.filter, static_cast<std::uint32_t>(lf.metadata.key.column_count()),
                                 f.absent ? SelectMode::absent : SelectMode::present, out.get(), &progress);
  line.finish();
  if (out) out->commit();
  if (f.count) std::printf("%llu\n", static_cast<unsigned long long>(s.rows_written));
  spdlog::debug("{} of {} rows {} ({} files, {})", with_commas(s.rows_written),
               with_commas(s.rows_written + s.rows_dropped), f.absent ? "absent from the filter" : "may be in the filter",
               with_commas(s.input.files), human_bytes(static_cast<double>(s.input.bytes)));
  for (const auto& b : s.input.first_bad_rows) spdlog::warn("skipped bad row: {}:{}: {}", b.file, b.line, b.what);
  if (!f.stats_json.empty()) {  // after the rows are in place, as dedupe's
    JsonWriter w;
    w.begin_object();
    write_row_fields(w, f.count ? std::string() : f.output.empty() ? std::string("-") : f.output, s);
    w.field("rows_dropped", s.rows_dropped).field("absent", f.absent).field("filter_file", f.filter);
    w.end_object();
    write_text_file(f.stats_json, w.str());
  }
  return s.rows_written ? kExitOk : kExitNoneFound;
}

}  // namespace

std::function<int()> register_select(CLI::App& app) {
  auto f = std::make_shared<SelectFlags>();
  CLI::App* cmd = app.add_subcommand("select", "Print the CSV rows whose key may be in a filter (--absent: is not)");
  cmd->footer(
      "Reads inputs as `build` does (files, directories, -, --files-from; gzip and zstd) with the\n"
      "filter's own key: its columns, --trim/--lowercase and dialect. Prints the header of the first\n"
      "input once, then every record chosen, as the input's own bytes (quotes, embedded newlines and\n"
      "line ends untouched), in input order whatever -j. Every input must have the same header.\n"
      "A record with an empty key is never in a filter (build skips empty keys).\n\n"
      "  (default)  records whose key MAY be in the filter: every member's record, plus false\n"
      "             positives at about the filter's FPR\n"
      "  --absent   records whose key is CERTAINLY NOT in the filter: the anti-join\n\n"
      "-o FILE replaces FILE atomically (a temp file renamed over it on success); an existing\n"
      "character device or FIFO (-o /dev/null to time a run) is written in place, with no temp file.\n\n"
      "Exit status: 0 some record printed (or counted), 1 none, 2 error.\n\n"
      "Examples:\n"
      "  csvbloom select --absent seen.bloom today/*.csv > new-rows.csv\n"
      "  csvbloom select --count customers.bloom orders.csv.gz\n"
      "  csvbloom select --key mail seen.bloom other-export.csv | head");
  cmd->add_option("filter", f->filter, "Filter file (from build)")->required();
  add_input_flags(*cmd, f->in, KeyFlags::rename);
  cmd->add_flag("--absent", f->absent, "Print the records whose key is certainly NOT in the filter");
  CLI::Option* count = cmd->add_flag("-c,--count", f->count, "Print only the number of such records");
  // --count writes no rows: with -o it would silently leave FILE unwritten.
  cmd->add_option("-o,--output", f->output, "Write the rows to FILE (atomically; a device or FIFO in place) instead of standard output")
      ->excludes(count);
  cmd->add_option("--stats-json", f->stats_json,
                  "Write the summary as JSON to FILE (- for stdout when the rows go to -o): rows, rows_written, "
                  "rows_dropped, bad_rows, ...");
  cmd->add_flag("--no-verify", f->no_verify, "Skip the filter's checksum (huge filters, trusted storage)");
  cmd->add_flag("--no-progress", f->no_progress, "No progress line, even on a terminal");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f] { return run_select(*f); };
}

}  // namespace csvbloom::cli
