// dedupe_command.cpp: `csvbloom dedupe [INPUTS...]`: the first record of every
// key, in input order, in the memory of one filter.
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/input_flags.hpp"
#include "cli/json_writer.hpp"
#include "cli/progress.hpp"
#include "cli/output.hpp"
#include "cli/stats_json.hpp"
#include "core/common/build_defaults.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/math.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom::cli {
namespace {

// Default FPR: a record with a new key is dropped with about this
// probability. 1e-6 drops ~1 unique record per million distinct keys (at
// ~29 bits per key: 100 M keys in ~360 MiB), where build's 1% would drop
// one in a hundred, too many for deduplication.
constexpr double kDedupeFpr = 1e-6;

struct DedupeFlags {
  std::string output;
  std::string seen;  // --filter
  std::string save;
  bool trim{false}, lowercase{false};
  std::uint64_t capacity{0};
  double fpr{kDedupeFpr};
  std::string stats_json;
  bool no_progress{false};
  InputFlags in;
  Verbosity verbosity;
};

int run_dedupe(DedupeFlags& f, CLI::App& cmd) {
  setup_logging(f.verbosity);
  BuildOptions opt = input_options(f.in, detail::Consumer::rows);
  check_stdout_free_of_rows("--stats-json", f.stats_json, f.output);
  // No output over an input it would destroy, or over another output. The
  // rows may replace an input (every input is read before the rename), and
  // --save may replace --filter (the documented way to keep a running filter).
  {
    const std::vector<NamedPath> inputs = named_inputs(opt.inputs);
    std::vector<NamedPath> reads = inputs;
    reads.push_back({"--filter", f.seen});
    check_apart("--output", f.output, {{"--filter", f.seen}});
    check_apart("--save", f.save, inputs, {{"--output", f.output}});
    check_apart("--stats-json", f.stats_json, reads, {{"--output", f.output}, {"--save", f.save}});
  }
  FilterParams params;
  FilterMetadata meta;
  std::optional<BloomFilter> filter;
  if (!f.seen.empty()) {
    for (const char* flag : {"--capacity", "--fpr", "--trim", "--lowercase"})
      if (cmd.count(flag))
        throw CLI::ValidationError(flag, "comes from the filter given with --filter (" + f.seen + ")");
    LoadedFilter lf = load_filter(f.seen);
    apply_filter_key(lf.metadata.key, f.seen, f.in, opt);
    params = lf.filter.params();
    meta = lf.metadata;
    filter.emplace(params);
    filter->merge_from(lf.filter);  // a writable copy: SEEN itself is only replaced by --save SEEN
  } else {
    apply_key_flags(f.in, opt);
    opt.key.normalization = {f.trim, f.lowercase};
    if (!f.capacity) require_capacity_if_unsized(opt.inputs);
    detail::SizingRequest sizing;  // as build sizes (core/common/build_defaults.hpp)
    sizing.capacity = f.capacity;
    sizing.fpr = f.fpr;
    const detail::SizingResult sized = detail::size_for(sizing, opt);
    if (sized.capacity_estimated)
      spdlog::debug("no --capacity: sized for {} keys, estimated from the inputs", with_commas(sized.capacity));
    params = sized.params;
    meta.key = opt.key;
    meta.capacity = sized.capacity;
    meta.target_fpr = sized.target_fpr;
    validate_params(params);
    check_filter_fits_in_memory(params.bits / 8);
    filter.emplace(params);
  }
  std::unique_ptr<Output> saved;
  if (f.save == "-") {  // standard output, when the rows go to -o (until 2026-12-05 a file called "-")
    check_stdout_free_of_rows("--save", f.save, f.output);
    if (f.stats_json == "-")
      throw CLI::ValidationError("--stats-json", "'-' is standard output, where --save - already writes the filter");
    check_filter_to_stdout("--save");
  } else if (!f.save.empty()) {
    check_output_path(f.save, "--save");
  }
  if (!f.save.empty()) {
    // An unwritable directory fails now, not after the run.
    saved = std::make_unique<Output>(f.save);
  }
  if (!f.output.empty() && f.output != "-") check_output_path(f.output, "--output", OutputKinds::device_in_place);
  Output out(f.output);
  BuildProgress progress;
  ProgressLine line(progress, !f.verbosity.quiet && !f.no_progress);
  const RowStats s = dedupe_rows(opt, *filter, &out, &progress);
  line.finish();
  if (saved) write_filter(saved->fd(), *filter, meta, f.save);
  out.commit();
  if (saved) saved->commit();

  const FillStats fill = filter->fill_stats();
  if (!f.verbosity.quiet)
    spdlog::info("kept {} of {} rows ({} duplicates dropped); expected wrongly dropped: {:.3g} (filter FPR now {:.3g})",
                 with_commas(s.rows_written), with_commas(s.rows_written + s.rows_dropped),
                 with_commas(s.rows_dropped), s.expected_false_drops, fill.estimated_fpr);
  if (meta.target_fpr > 0 && fill.estimated_fpr > meta.target_fpr * 1.1)
    spdlog::warn("the filter's estimated FPR {:.3g} exceeds the target {:.3g}: it holds ~{} distinct keys, more "
                 "than its capacity {}; unique rows are being dropped more often: use a larger --capacity",
                 fill.estimated_fpr, meta.target_fpr,
                 with_commas(static_cast<std::uint64_t>(fill.estimated_distinct)), with_commas(meta.capacity));
  for (const auto& b : s.input.first_bad_rows) spdlog::warn("skipped bad row: {}:{}: {}", b.file, b.line, b.what);
  if (!f.stats_json.empty()) {
    JsonWriter w;
    w.begin_object();
    write_row_fields(w, f.output.empty() ? std::string("-") : f.output, s);
    w.field("duplicates_dropped", s.rows_dropped).field("expected_false_drops", s.expected_false_drops);
    w.begin_object("filter");
    write_filter_json(w, *filter, meta, fill);
    w.end_object();
    w.end_object();
    write_text_file(f.stats_json, w.str());
  }
  return kExitOk;
}

}  // namespace

std::function<int()> register_dedupe(CLI::App& app) {
  auto f = std::make_shared<DedupeFlags>();
  CLI::App* cmd = app.add_subcommand("dedupe", "Print the first record of every key, in bounded memory");
  cmd->footer(
      "Reads inputs as `build` does and prints the header of the first input once, then each record\n"
      "whose key has not been seen before, as the input's own bytes, in input order (the same output\n"
      "for any -j). Memory is one filter sized by --capacity/--fpr (estimated from the inputs without\n"
      "--capacity), whatever the input size. Records with an empty key are all kept.\n\n"
      "A Bloom filter can say \"seen\" for a key it has not seen: a record with a new key is dropped\n"
      "with probability about --fpr (default 1e-6: about one per million distinct keys). The summary\n"
      "and --stats-json report the expected number of such drops. A duplicate is never kept.\n\n"
      "--filter SEEN.bloom starts from an earlier run's filter (its key and size); --save OUT.bloom\n"
      "writes the final filter, so tomorrow's run goes on from today's. SEEN.bloom is only replaced\n"
      "when it is also the --save target.\n\n"
      "-o FILE replaces FILE atomically (a temp file renamed over it on success); an existing\n"
      "character device or FIFO (-o /dev/null to time a run) is written in place, with no temp file.\n\n"
      "Examples:\n"
      "  csvbloom dedupe --key email exports/*.csv.gz > unique.csv\n"
      "  csvbloom dedupe --filter seen.bloom --save seen.bloom today/*.csv -o today-new.csv");
  add_input_flags(*cmd, f->in, KeyFlags::define);
  cmd->add_option("-o,--output", f->output, "Write the rows to FILE (atomically; a device or FIFO in place) instead of standard output");
  cmd->add_option("--filter", f->seen, "Start from this filter (keys already in it are dropped too)");
  cmd->add_option("--save", f->save, "Write the final filter to FILE (atomically); - for stdout when the rows go to -o");
  cmd->add_flag("--trim", f->trim, "Trim ASCII spaces and tabs around keys");
  cmd->add_flag("--lowercase", f->lowercase, "Lowercase ASCII letters in keys");
  cmd->add_option("-n,--capacity", f->capacity, "Expected number of distinct keys [default: estimated]")
      ->transform(CLI::AsSizeValue(false));
  cmd->add_option("-p,--fpr", f->fpr, "Probability of dropping a new key's record, in (0, 1)")
      ->capture_default_str()
      ->check(CLI::Range(1e-12, 0.5));
  cmd->add_option("--stats-json", f->stats_json, "Write the summary as JSON to FILE (- for stdout when the rows go to -o)");
  cmd->add_flag("--no-progress", f->no_progress, "No progress line, even on a terminal");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f, cmd] { return run_dedupe(*f, *cmd); };
}

}  // namespace csvbloom::cli
