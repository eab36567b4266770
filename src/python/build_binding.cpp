// build_binding.cpp: csvbloom.build() and csvbloom.merge().
//
// build() is the CLI's `build` for Python: the same options and defaults
// (src/cli/build_command.cpp decides them for the CLI; this file mirrors its
// decisions, kept in the same order so the two read side by side), the same
// file bytes. The build runs under run_cancellable (binding_support.hpp): on
// its own thread with the GIL released, while the calling thread runs
// Python's signal handlers every 50 ms. When one raises (Ctrl-C:
// KeyboardInterrupt) the build's cancel flag is set, the build stops at its
// next chunk, the temp file is removed, and the exception propagates; an
// existing output file is never touched before the final rename.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "csvbloom/build.hpp"
#include "csvbloom/compatibility.hpp"
#include "core/io/atomic_file.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/info.hpp"
#include "csvbloom/math.hpp"
#include "core/common/build_defaults.hpp"
#include "python/binding_support.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace csvbloom::python {
namespace {

py::dict build(py::object inputs_arg, py::object output_arg, py::object key, bool no_header, py::object delimiter,
               bool trim, bool lowercase, py::object capacity_arg, double fpr, py::object bits_arg,
               py::object hashes_arg, const std::string& layout, std::uint64_t seed, const std::string& on_error,
               bool allow_ragged, std::uint64_t max_record_bytes, py::object threads_arg, py::object readers_arg,
               py::object workers_arg, std::uint64_t chunk_size, py::object queue_batches_arg) {
  // ---- validate and decide (build_command.cpp's run_build, in its order) ----
  const std::string output = one_path(output_arg, "output");
  InputArgs in{inputs_arg, delimiter, no_header, on_error, allow_ragged, max_record_bytes,
               threads_arg, readers_arg, workers_arg, chunk_size, queue_batches_arg};
  BuildOptions opt = input_options(in, detail::Consumer::filter);
  check_output_path(output);
  check_apart("output", output, detail::named_inputs(opt.inputs));
  define_key(key, no_header, trim, lowercase, opt);

  if (layout != "blocked" && layout != "classic") invalid("layout: 'blocked' or 'classic' (got '" + layout + "')");
  if (!(fpr > 0 && fpr < 1)) invalid("fpr: must be strictly between 0 and 1 (got " + std::to_string(fpr) + ")");
  const std::uint64_t capacity_given = optional_positive(capacity_arg, "capacity");
  const std::uint64_t bits = optional_positive(bits_arg, "bits");
  const std::uint64_t hashes64 = optional_positive(hashes_arg, "hashes");
  if (hashes64 > kMaxHashes) invalid("hashes: 1 to " + std::to_string(kMaxHashes));
  const auto hashes = static_cast<std::uint32_t>(hashes64);
  // The sizing itself is the CLI's (core/common/build_defaults.hpp); the
  // checks and their wording are Python's.
  detail::SizingRequest sizing;
  sizing.layout = layout == "classic" ? Layout::classic : Layout::blocked512;
  sizing.seed = seed;
  sizing.capacity = capacity_given;
  sizing.fpr = fpr;
  sizing.bits = bits;
  sizing.hashes = hashes;
  if (bits) {
    if (!hashes && !capacity_given) invalid("bits: needs hashes (or capacity to choose them)");
  } else {
    if (hashes) invalid("hashes: goes with bits; with capacity/fpr it is computed");
    // ('-' is refused by input_options.)
    if (const std::string in = capacity_given ? std::string() : detail::first_unsized_input(opt.inputs); !in.empty())
      invalid("capacity: is required when an input is a FIFO or device (" + in +
              "): it is read as a stream, its size is unknown");
  }
  detail::SizingResult sized;
  {
    py::gil_scoped_release nogil;  // without capacity: check_inputs and estimate_rows read the inputs
    sized = detail::size_for(sizing, opt);
  }
  const FilterParams params = sized.params;
  FilterMetadata meta;
  meta.key = opt.key;
  meta.capacity = sized.capacity;
  meta.target_fpr = sized.target_fpr;
  validate_params(params);

  // ---- the long part, cancellable ----
  detail::AtomicFileWriter out(output);  // the directory is writable, or we stop now
  std::atomic<bool> cancel{false};
  opt.cancel = &cancel;
  BloomFilter filter(params);
  BuildStats stats;
  run_cancellable(&cancel, [&] {
    stats = build_filter(opt, filter);
    write_filter(out.fd(), filter, meta, output);
    out.commit();
    out.remove_stale_temps();
  });
  FillStats fill;
  {
    py::gil_scoped_release nogil;
    fill = filter.fill_stats();
  }

  // ---- the --stats-json fields ----
  py::dict d = build_summary(output, stats, opt.key);
  d["filter"] = info_dict(filter_info(filter, meta, fill));
  return d;
}

void merge(py::object output_arg, py::object inputs_arg) {
  const std::string output = one_path(output_arg, "output");
  const std::vector<std::string> inputs = paths_of(inputs_arg, "inputs");
  if (inputs.empty()) invalid("inputs: give at least one filter to merge");
  check_output_path(output);
  py::gil_scoped_release nogil;
  detail::AtomicFileWriter out(output);  // fail early on an unwritable directory
  LoadedFilter first = load_filter(inputs[0], true);
  BloomFilter merged(first.filter.params());
  merged.merge_from(first.filter);
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    LoadedFilter next = load_filter(inputs[i], true);
    // The library's one rule; its error names every parameter that differs.
    merge_filter(merged, first.metadata, next.filter, next.metadata, inputs[0], inputs[i]);
  }
  write_filter(out.fd(), merged, first.metadata, output);
  out.commit();
  out.remove_stale_temps();
}

}  // namespace

void register_build(py::module_& m) {
  m.attr("DEFAULT_SEED") = kDefaultSeed;
  m.def("build", &build, py::arg("inputs"), py::arg("output"), py::kw_only(), py::arg("key") = py::none(),
        py::arg("no_header") = false, py::arg("delimiter") = py::none(), py::arg("trim") = false,
        py::arg("lowercase") = false, py::arg("capacity") = py::none(), py::arg("fpr") = 0.01,
        py::arg("bits") = py::none(), py::arg("hashes") = py::none(), py::arg("layout") = "blocked",
        py::arg("seed") = kDefaultSeed, py::arg("on_error") = "fail", py::arg("allow_ragged") = false,
        py::arg("max_record_bytes") = std::uint64_t{64} << 20, py::arg("threads") = py::none(),
        py::arg("readers") = py::none(), py::arg("workers") = py::none(),
        py::arg("chunk_size") = detail::kFilterChunkBytes, py::arg("queue_batches") = py::none(),
        "Build a filter from CSV files and directories, as `csvbloom build` does (same\n"
        "options, defaults and file bytes); returns the --stats-json fields as a dict.\n"
        "See docs/PYTHON.md for each option. The GIL is released while it runs; Ctrl-C\n"
        "raises KeyboardInterrupt and leaves an existing output untouched.");
  m.def("merge", &merge, py::arg("output"), py::arg("inputs"),
        "Write the union of filters built with identical parameters (as `csvbloom merge`).\n"
        "Raises csvbloom.IncompatibleError when they differ.");
}

}  // namespace csvbloom::python
