// info_command.cpp: `csvbloom info`: every parameter of a filter file.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "cli/json_writer.hpp"
#include "cli/stats_json.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {
namespace {

struct InfoFlags {
  std::vector<std::string> filters;
  bool json{false};
};

void write_info_json(JsonWriter& w, const std::string& path) {
  LoadedFilter lf = load_filter(path, true);
  w.begin_object().field("file", path).field("file_bytes", lf.file_bytes).field("format_version", kFormatVersion);
  write_filter_json(w, lf.filter, lf.metadata, lf.filter.fill_stats());
  w.end_object();
}

void print_info(const std::string& path) {
  LoadedFilter lf = load_filter(path, true);
  const BloomFilter& bf = lf.filter;
  const FilterParams& p = bf.params();
  const FilterMetadata& m = lf.metadata;
  const FillStats fill = bf.fill_stats();
  std::string norm;
  if (m.key.normalization.trim) norm += "trim";
  if (m.key.normalization.lowercase) norm += norm.empty() ? "lowercase" : ", lowercase";
  if (norm.empty()) norm = "none";
  std::printf("file:              %s (%s bytes, format v%u)\n", path.c_str(), with_commas(lf.file_bytes).c_str(),
              kFormatVersion);
  std::printf("layout:            %s%s\n", layout_name(p.layout),
              p.layout == Layout::blocked512 ? " (512-bit blocks, one cache line per key)" : "");
  std::printf("bits:              %s (%s)\n", with_commas(p.bits).c_str(), human_bytes(static_cast<double>(bf.size_bytes())).c_str());
  std::printf("hashes:            %u\n", p.hashes);
  std::printf("hash:              xxh3-128, seed 0x%016llx\n", static_cast<unsigned long long>(p.seed));
  std::printf("keys inserted:     %s (rows, duplicates included)\n", with_commas(bf.keys_inserted()).c_str());
  std::printf("key:               %s (delimiter '%s', %s, normalisation: %s)\n", m.key.describe().c_str(),
              describe_byte(m.key.dialect.delimiter).c_str(), m.key.dialect.has_header ? "header" : "no header",
              norm.c_str());
  if (m.target_fpr > 0)
    std::printf("sized for:         %s keys at FPR %g\n", with_commas(m.capacity).c_str(), m.target_fpr);
  else
    std::printf("sized for:         explicit --bits/--hashes\n");
  std::printf("fill ratio:        %.4f\n", fill.fill_ratio);
  std::string distinct = distinct_keys_text(fill.estimated_distinct, fill.fill_ratio);
  if (distinct[0] == '~') distinct.erase(0, 1);  // "est." says it already
  std::printf("est. distinct:     %s\n", distinct.c_str());
  std::printf("est. FPR:          %.4g\n", fill.estimated_fpr);
  // The fingerprint of exactly what csvbloom::check_compatible compares: the
  // sentence is true in both directions.
  std::printf("merge fingerprint: %s (filters are compatible, and merge, exactly when this matches)\n",
              merge_fingerprint(p, m).c_str());
}

// Several filters: each in turn (a blank line between them; with --json, an
// array of the objects one filter prints). The first that can't be read is
// the error (exit 2), after the ones before it were printed.
int run_info(const InfoFlags& f) {
  if (f.json) {
    JsonWriter w;
    if (f.filters.size() == 1) {
      write_info_json(w, f.filters[0]);
    } else {
      w.begin_array();
      for (const auto& path : f.filters) write_info_json(w, path);
      w.end_array();
    }
    std::fputs(w.str().c_str(), stdout);
    return kExitOk;
  }
  for (std::size_t i = 0; i < f.filters.size(); ++i) {
    if (i) std::printf("\n");
    print_info(f.filters[i]);
  }
  return kExitOk;
}

}  // namespace

std::function<int()> register_info(CLI::App& app) {
  auto f = std::make_shared<InfoFlags>();
  CLI::App* cmd = app.add_subcommand("info", "Show a filter's parameters and fill");
  cmd->footer(
      "Verifies the file's checksum, then prints its layout, size, hashes, seed,\n"
      "key spec, fill ratio, estimated distinct keys and FPR, and the merge\n"
      "fingerprint: two filters can be merged exactly when their fingerprints\n"
      "match (same layout, bits, hashes, seed, key spec, capacity and FPR).\n"
      "Several filters are shown one after the other; with --json, as an array.");
  cmd->add_option("filters", f->filters, "Filter files")->required()->expected(1, -1);
  cmd->add_flag("--json", f->json, "Print JSON for scripts");
  return [f] { return run_info(*f); };
}

}  // namespace csvbloom::cli
