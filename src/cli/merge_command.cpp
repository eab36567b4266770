// merge_command.cpp: `csvbloom merge`: the union of filters built as shards.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "csvbloom/error.hpp"
#include "core/io/atomic_file.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {
namespace {

struct MergeFlags {
  std::string output;
  std::vector<std::string> inputs;
  bool force{false};
  Verbosity verbosity;
};

// Every parameter in which two filters differ, e.g. "trim: yes vs no, seed
// 0x...01 vs 0x...02", so that the user sees at once what to rebuild. Empty
// when they can be merged.
std::string differences(const LoadedFilter& a, const LoadedFilter& b) {
  std::vector<std::string> d;
  auto add = [&](const std::string& what, const std::string& x, const std::string& y) {
    if (x != y) d.push_back(what + " " + x + " vs " + y);
  };
  auto yes_no = [](bool v) { return std::string(v ? "yes" : "no"); };
  auto number = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  auto hex = [](std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  const KeySpec &ka = a.metadata.key, &kb = b.metadata.key;
  if (!(ka.columns == kb.columns)) d.push_back("key '" + ka.describe() + "' vs '" + kb.describe() + "'");
  add("delimiter", "'" + describe_byte(ka.dialect.delimiter) + "'", "'" + describe_byte(kb.dialect.delimiter) + "'");
  add("quote", "'" + describe_byte(ka.dialect.quote) + "'", "'" + describe_byte(kb.dialect.quote) + "'");
  add("header:", yes_no(ka.dialect.has_header), yes_no(kb.dialect.has_header));
  add("trim:", yes_no(ka.normalization.trim), yes_no(kb.normalization.trim));
  add("lowercase:", yes_no(ka.normalization.lowercase), yes_no(kb.normalization.lowercase));
  add("capacity", std::to_string(a.metadata.capacity), std::to_string(b.metadata.capacity));
  add("target fpr", number(a.metadata.target_fpr), number(b.metadata.target_fpr));
  const FilterParams &pa = a.filter.params(), &pb = b.filter.params();
  add("layout", layout_name(pa.layout), layout_name(pb.layout));
  add("bits", std::to_string(pa.bits), std::to_string(pb.bits));
  add("hashes", std::to_string(pa.hashes), std::to_string(pb.hashes));
  add("seed", hex(pa.seed), hex(pb.seed));
  add("hash algorithm", std::to_string(static_cast<int>(pa.hash)), std::to_string(static_cast<int>(pb.hash)));
  std::string s;
  for (const auto& x : d) s += (s.empty() ? "" : ", ") + x;
  if (s.empty() && !(a.metadata == b.metadata && pa == pb)) s = "parameters differ";  // a field added without a line above
  return s;
}

int run_merge(const MergeFlags& f) {
  setup_logging(f.verbosity);
  check_output_path(f.output, "--output");
  // An input filter may be the output (`merge -o all.bloom all.bloom new.bloom`):
  // inputs are read in full before the rename replaces it.
  check_output_replaceable(f.output, {}, f.force, "--output");
  detail::AtomicFileWriter out(f.output);  // fail early on an unwritable directory
  LoadedFilter first = load_filter(f.inputs[0], true);
  BloomFilter merged(first.filter.params());
  merged.merge_from(first.filter);
  const std::string fp = merge_fingerprint(first.filter.params(), first.metadata);
  for (std::size_t i = 1; i < f.inputs.size(); ++i) {
    LoadedFilter next = load_filter(f.inputs[i], true);
    const std::string what = differences(first, next);
    if (!what.empty())
      throw Error(ErrorKind::incompatible,
                  f.inputs[i] + " can't be merged with " + f.inputs[0] + ": " + what +
                      " (build every shard with the same --key, dialect, normalisation, --capacity/--fpr or "
                      "--bits/--hashes, --layout and --seed)");
    merged.merge_from(next.filter);
  }
  write_filter(out.fd(), merged, first.metadata, f.output);
  out.commit();
  out.remove_stale_temps();
  if (!f.verbosity.quiet)
    spdlog::info("merged {} filters into {} ({} keys inserted, fingerprint {})", f.inputs.size(), f.output,
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
  cmd->add_option("-o,--output", f->output, "Filter file to write (atomically)")->required();
  cmd->add_option("inputs", f->inputs, "Filters to merge")->required()->expected(1, -1);
  cmd->add_flag("-f,--force", f->force, "Replace an existing -o that is not a csvbloom filter");
  add_verbosity_flags(*cmd, f->verbosity);
  return [f] { return run_merge(*f); };
}

}  // namespace csvbloom::cli
