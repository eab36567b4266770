// add_command.cpp: `csvbloom add FILTER [INPUTS...]`: insert more files'
// keys into a standing filter, with its own parameters and key.
#include <spdlog/spdlog.h>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/progress.hpp"
#include "cli/stats_json.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {
namespace {

struct AddFlags {
  std::string filter;
  std::string output;
  std::string stats_json;
  bool no_progress{false};
  bool force{false};
  InputFlags in;
  Verbosity verbosity;
};

int run_add(AddFlags& f) {
  setup_logging(f.verbosity);
  if (f.output == "-")  // (until 2026-12-05 a file called "-")
    throw CLI::ValidationError("--output", "'-': add writes a filter file (FILTER itself without -o), not standard "
                                           "output; give a file's name (./- for a file called '-')");
  const std::string target = f.output.empty() ? f.filter : f.output;
  check_output_path(target, "--output");
  LoadedFilter lf = load_filter(f.filter);
  BuildOptions opt = input_options(f.in, detail::Consumer::filter);
  check_output_replaceable(target, opt.inputs, f.force, "--output");
  if (!f.stats_json.empty() && f.stats_json != "-") {
    std::vector<NamedPath> reads = named_inputs(opt.inputs);
    reads.push_back({"the filter", f.filter});
    check_apart("--stats-json", f.stats_json, reads, {{"--output", target}});
  }
  apply_filter_key(lf.metadata.key, f.filter, f.in, opt);
  BuildProgress progress;
  ProgressLine line(progress, !f.verbosity.quiet && !f.no_progress);
  // The library's add (csvbloom::add_to_filter, shared with Python's
  // csvbloom.add): its temp file is removed by a signal from the moment it exists.
  const AddResult added =
      add_to_filter(lf, opt, target, &progress, [](const std::string& temp) { protect_temp_file(temp); });
  unprotect_temp_file();
  line.finish();
  const BuildStats& stats = added.stats;
  const BloomFilter& filter = added.filter;

  const FillStats fill = filter.fill_stats();
  // The input's warnings as build reports them (in --stats-json too, where
  // add used to write none); the saturation warning below is add's own.
  const std::vector<std::string> warnings = input_warnings(stats, opt.key);
  if (!f.stats_json.empty())
    write_text_file(f.stats_json, stats_json_text(target, stats, filter, lf.metadata, fill, warnings));
  if (!f.verbosity.quiet) print_build_summary(target, stats, filter, lf.metadata, fill, f.verbosity.verbose > 0);
  const double goal = lf.metadata.target_fpr;
  if (goal > 0 && fill.estimated_fpr > goal * 1.1)
    spdlog::warn("the estimated FPR {:.4g} exceeds the filter's target {:.4g}: it holds ~{} distinct keys, more "
                 "than its capacity {}; rebuild it larger: csvbloom build --capacity N ... over all its inputs",
                 fill.estimated_fpr, goal, with_commas(static_cast<std::uint64_t>(fill.estimated_distinct)),
                 with_commas(lf.metadata.capacity));
  for (const auto& w : warnings) spdlog::warn("{}", w);
  return kExitOk;
}

}  // namespace

std::function<int()> register_add(CLI::App& app) {
  auto f = std::make_shared<AddFlags>();
  CLI::App* cmd = app.add_subcommand("add", "Insert more CSV files' keys into an existing filter");
  cmd->footer(
      "Uses the filter's own parameters and key (columns, --trim/--lowercase, dialect; --key renames\n"
      "the columns for inputs that call them differently) and replaces FILTER atomically, or writes\n"
      "-o OUT and leaves FILTER alone. The result is byte-identical to one `build` over the old and\n"
      "the new inputs with the same parameters. Warns when the filter is filling up past its target.\n\n"
      "Examples:\n"
      "  csvbloom add seen.bloom exports/2026-12-04/*.csv\n"
      "  csvbloom add -o tomorrow.bloom seen.bloom today.csv.gz");
  cmd->add_option("filter", f->filter, "Filter file to add to")->required();
  add_input_flags(*cmd, f->in, KeyFlags::rename);
  cmd->add_option("-o,--output", f->output, "Write the new filter here instead of replacing FILTER");
  cmd->add_option("--stats-json", f->stats_json, "Write the summary as JSON to FILE (- for stdout)");
  cmd->add_flag("-f,--force", f->force, "Replace an -o that is not a csvbloom filter");
  cmd->add_flag("--no-progress", f->no_progress, "No progress line, even on a terminal");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f] { return run_add(*f); };
}

}  // namespace csvbloom::cli
