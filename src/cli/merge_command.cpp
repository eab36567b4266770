// merge_command.cpp: `csvbloom merge`: the union of filters built as shards.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {
namespace {

struct MergeFlags {
  std::string output;
  std::vector<std::string> inputs;
  bool force{false};
  Verbosity verbosity;
};

int run_merge(const MergeFlags& f) {
  setup_logging(f.verbosity);
  if (f.output == "-") {  // standard output, as build -o - (until 2026-12-05 a file called "-")
    check_filter_to_stdout("--output");
  } else {
    check_output_path(f.output, "--output");
    // An input filter may be the output (`merge -o all.bloom all.bloom new.bloom`):
    // inputs are read in full before the rename replaces it.
    check_output_replaceable(f.output, {}, f.force, "--output");
  }
  Output out(f.output);  // fail early on an unwritable directory
  LoadedFilter first = load_filter(f.inputs[0], true);
  BloomFilter merged(first.filter.params());
  merged.merge_from(first.filter);
  const std::string fp = merge_fingerprint(first.filter.params(), first.metadata);
  for (std::size_t i = 1; i < f.inputs.size(); ++i) {
    LoadedFilter next = load_filter(f.inputs[i], true);
    // The library's one rule (csvbloom/compatibility.hpp); the CLI only adds
    // the advice of what to rebuild.
    const std::vector<std::string> d = compatibility_differences(first.filter.params(), first.metadata,
                                                                 next.filter.params(), next.metadata);
    if (!d.empty()) {
      std::string what;
      for (const std::string& x : d) what += (what.empty() ? "" : ", ") + x;
      throw Error(ErrorKind::incompatible,
                  f.inputs[i] + " can't be merged with " + f.inputs[0] + ": " + what +
                      " (build every shard with the same --key, dialect, normalisation, --capacity/--fpr or "
                      "--bits/--hashes, --layout and --seed)");
    }
    merge_filter(merged, first.metadata, next.filter, next.metadata, f.inputs[0], f.inputs[i]);
  }
  write_filter(out.fd(), merged, first.metadata, f.output);
  out.commit();
  if (!f.verbosity.quiet)
    spdlog::info("merged {} filters into {} ({} keys inserted, fingerprint {})", f.inputs.size(),
                 f.output == "-" ? "standard output" : f.output,
                 with_commas(merged.keys_inserted()), fp);
  return kExitOk;
}

}  // namespace

std::function<int()> register_merge(CLI::App& app) {
  auto f = std::make_shared<MergeFlags>();
  CLI::App* cmd = app.add_subcommand("merge", "Union of filters with identical parameters");
  cmd->footer(
      "All inputs must share layout, bits, hashes, seed, key spec, capacity and FPR\n"
      "(build shards with the same explicit --capacity/--fpr). The result is\n"
      "byte-identical to one build over all the shards' inputs.\n\n"
      "Example:\n"
      "  csvbloom merge -o all.bloom shard-*.bloom");
  cmd->add_option("-o,--output", f->output, "Filter file to write (atomically); - for stdout")->required();
  cmd->add_option("inputs", f->inputs, "Filters to merge")->required()->expected(1, -1);
  cmd->add_flag("-f,--force", f->force, "Replace an existing -o that is not a csvbloom filter");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f] { return run_merge(*f); };
}

}  // namespace csvbloom::cli
