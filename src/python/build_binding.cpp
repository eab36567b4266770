// build_binding.cpp: csvbloom.build() and csvbloom.merge().
//
// build() is the CLI's `build` for Python: the same options and defaults
// (src/cli/build_command.cpp decides them for the CLI; this file mirrors its
// decisions, kept in the same order so the two read side by side), the same
// file bytes. The build runs on its own thread with the GIL released; the
// calling thread waits in 50 ms steps and, holding the GIL between steps,
// runs Python's signal handlers (PyErr_CheckSignals). When one raises
// (Ctrl-C: KeyboardInterrupt) the build's cancel flag is set, the build stops
// at its next chunk, the temp file is removed, and the exception propagates;
// an existing output file is never touched before the final rename.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "csvbloom/build.hpp"
#include "csvbloom/compatibility.hpp"
#include "core/io/atomic_file.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/info.hpp"
#include "csvbloom/math.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace csvbloom::python {
namespace {

// How often a waiting build() looks at Python's signal flags: Ctrl-C answers
// within ~50 ms plus one chunk, and a wake-up every 50 ms costs nothing.
constexpr std::chrono::milliseconds kSignalPoll{50};

[[noreturn]] void invalid(const std::string& what) { throw Error(ErrorKind::invalid_argument, what); }

// A path, or a list/iterable of paths (str or os.PathLike).
std::vector<std::string> paths_of(py::handle given, const char* what) {
  py::object fspath = py::module_::import("os").attr("fspath");
  std::vector<std::string> out;
  if (py::isinstance<py::str>(given) || py::hasattr(given, "__fspath__")) {
    out.push_back(fspath(given).cast<std::string>());
    return out;
  }
  if (py::isinstance<py::bytes>(given)) invalid(std::string(what) + ": give paths as str or os.PathLike");
  for (py::handle h : given) {
    if (py::isinstance<py::bytes>(h)) invalid(std::string(what) + ": give paths as str or os.PathLike");
    out.push_back(fspath(h).cast<std::string>());
  }
  return out;
}

// The one call of expand_inputs.
ExpandedInputs expand(const std::vector<std::string>& given, unsigned threads) {
  return expand_inputs(given, threads);
}

// key=: None (the first column), a str (a header name), an int (a 1-based
// index), or a list/tuple of those for a composite key. Unlike the CLI's
// --key, a str is always a name: Python has types to say "index".
std::vector<KeyColumn> key_columns(py::handle key) {
  std::vector<KeyColumn> cols;
  auto one = [&](py::handle k) {
    if (py::isinstance<py::bool_>(k)) invalid("key: a column is a header name (str) or a 1-based index (int), not a bool");
    if (py::isinstance<py::str>(k)) {
      std::string name = k.cast<std::string>();
      if (name.empty()) invalid("key: an empty column name");
      cols.push_back(KeyColumn{std::move(name), 0});
    } else if (py::isinstance<py::int_>(k)) {
      const long long i = k.cast<long long>();
      if (i < 1 || i > 0xffffffffLL) invalid("key: a column index is 1-based (got " + std::to_string(i) + ")");
      cols.push_back(KeyColumn{"", static_cast<std::uint32_t>(i)});
    } else {
      throw py::type_error(std::string("key: a column is a header name (str) or a 1-based index (int), not ") +
                           Py_TYPE(k.ptr())->tp_name);
    }
  };
  if (key.is_none()) return cols;
  if (py::isinstance<py::list>(key) || py::isinstance<py::tuple>(key)) {
    for (py::handle k : key) one(k);
    if (cols.empty()) invalid("key: an empty list of columns (None means the first column)");
  } else {
    one(key);
  }
  if (cols.size() > kMaxKeyColumns) invalid("key: at most " + std::to_string(kMaxKeyColumns) + " columns");
  return cols;
}

char delimiter_byte(py::handle d) {
  std::string s;
  if (py::isinstance<py::bytes>(d)) s = d.cast<std::string>();
  else if (py::isinstance<py::str>(d)) {
    s = d.cast<std::string>();
    if (s == "tab") s = "\t";
    if (s.size() != 1) invalid("delimiter: one ASCII character or one byte (b'\\xHH'), got '" + d.cast<std::string>() + "'");
  } else {
    throw py::type_error("delimiter: a str of one character or bytes of one byte");
  }
  if (s.size() != 1) invalid("delimiter: one byte");
  if (s[0] == '"' || s[0] == '\n' || s[0] == '\r') invalid("delimiter: can't be a quote or a line break");
  return s[0];
}

// The CLI's check_output_path: the rename would replace anything but a
// regular file (a symbolic link itself, a device, a FIFO).
void check_output_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return;
  const char* what = S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ? "a directory" : "not a regular file";
  invalid("output '" + path + "' is " + what +
          ": the filter is written to a temp file renamed over the output, which would replace it; give a regular file's path");
}

template <class T>
T optional_positive(py::handle v, const char* name) {
  if (v.is_none()) return T{0};
  if (py::isinstance<py::bool_>(v) || !py::isinstance<py::int_>(v))
    throw py::type_error(std::string(name) + ": an int");
  const long long x = v.cast<long long>();
  if (x < 1) invalid(std::string(name) + ": must be at least 1 (got " + std::to_string(x) + ")");
  return static_cast<T>(x);
}

// Runs fn() on a new thread with the GIL released, checking Python's signals
// every kSignalPoll. A signal handler's exception sets *cancel, waits for fn
// to return, and is raised; otherwise fn's own exception is.
template <class Fn>
void run_cancellable(std::atomic<bool>* cancel, Fn fn) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr failure;
  std::unique_ptr<py::error_already_set> interrupted;
  {
    py::gil_scoped_release nogil;
    std::thread worker([&] {
      try {
        fn();
      } catch (...) {
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, kSignalPoll, [&] { return done; })) {
      if (interrupted) continue;  // cancelled: wait for the build to notice
      lock.unlock();
      {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
          interrupted = std::make_unique<py::error_already_set>();  // takes the exception
          cancel->store(true);
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) throw *interrupted;
  if (failure) std::rethrow_exception(failure);
}

py::dict build(py::object inputs_arg, py::object output_arg, py::object key, bool no_header, py::object delimiter,
               bool trim, bool lowercase, py::object capacity_arg, double fpr, py::object bits_arg,
               py::object hashes_arg, const std::string& layout, std::uint64_t seed, const std::string& on_error,
               bool allow_ragged, std::uint64_t max_record_bytes, py::object threads_arg, py::object readers_arg,
               py::object workers_arg, std::uint64_t chunk_size, py::object queue_batches_arg) {
  // ---- validate and decide (build_command.cpp's run_build, in its order) ----
  const std::vector<std::string> given = paths_of(inputs_arg, "inputs");
  const std::vector<std::string> outs = paths_of(output_arg, "output");
  if (outs.size() != 1) invalid("output: one path");
  const std::string output = outs[0];
  if (given.empty()) invalid("inputs: give CSV files or directories");
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned threads_given = optional_positive<unsigned>(threads_arg, "threads");
  if (threads_given > 1024) invalid("threads: 1 to 1024");
  const unsigned threads = threads_given ? threads_given : hw;
  BuildOptions opt;
  ExpandedInputs expanded;
  {
    py::gil_scoped_release nogil;
    expanded = expand(given, threads);
  }
  for (const auto& dir : expanded.empty_directories) {
    const std::string w = dir + ": directory holds no *.csv or *.tsv files (plain, .gz or .zst)";
    if (PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 1) != 0) throw py::error_already_set();
  }
  opt.inputs = std::move(expanded.paths);
  opt.input_stats = std::move(expanded.stats);
  if (opt.inputs.empty()) invalid("no input files (the directories given are empty)");
  if (std::find(opt.inputs.begin(), opt.inputs.end(), "-") != opt.inputs.end())
    invalid("inputs: '-' (standard input) is the CLI's; give files or directories");
  check_output_path(output);
  opt.key.columns = key_columns(key);
  // None: ',' and a tab for *.tsv files, file by file, as the CLI without --delimiter.
  opt.delimiter_by_extension = delimiter.is_none();
  opt.key.dialect.delimiter = delimiter.is_none() ? ',' : delimiter_byte(delimiter);
  opt.key.dialect.has_header = !no_header;
  for (const auto& c : opt.key.columns)
    if (c.by_name() && no_header)
      invalid("key: '" + c.name + "' is a name, but no_header=True says there is no header: use a 1-based index (int)");
  opt.key.normalization = {trim, lowercase};
  if (on_error != "fail" && on_error != "skip") invalid("on_error: 'fail' or 'skip' (got '" + on_error + "')");
  opt.on_error = on_error == "skip" ? OnError::skip : OnError::fail;
  opt.allow_ragged = allow_ragged;
  if (max_record_bytes < 1 || max_record_bytes > (std::uint64_t{1} << 40)) invalid("max_record_bytes: 1 to 2**40");
  opt.max_record_bytes = max_record_bytes;
  if (chunk_size < 16 || chunk_size > (std::uint64_t{1} << 32)) invalid("chunk_size: 16 to 2**32");
  opt.chunk_bytes = static_cast<std::size_t>(chunk_size);
  opt.queue_batches = optional_positive<std::size_t>(queue_batches_arg, "queue_batches");

  // Thread split: as the CLI (every thread parses; half as many hash; -j1
  // hashes in the reader).
  const unsigned readers = optional_positive<unsigned>(readers_arg, "readers");
  if (readers > 1024) invalid("readers: 1 to 1024");
  opt.readers = readers ? readers : threads;
  if (workers_arg.is_none()) {
    opt.workers = threads == 1 ? 0u : std::max(1u, threads / 2);
  } else {
    if (py::isinstance<py::bool_>(workers_arg) || !py::isinstance<py::int_>(workers_arg))
      throw py::type_error("workers: an int");
    const long long w = workers_arg.cast<long long>();
    if (w < 0 || w > 1024) invalid("workers: 0 to 1024");
    opt.workers = static_cast<unsigned>(w);
  }

  if (layout != "blocked" && layout != "classic") invalid("layout: 'blocked' or 'classic' (got '" + layout + "')");
  if (!(fpr > 0 && fpr < 1)) invalid("fpr: must be strictly between 0 and 1 (got " + std::to_string(fpr) + ")");
  const std::uint64_t capacity_given = optional_positive<std::uint64_t>(capacity_arg, "capacity");
  const std::uint64_t bits = optional_positive<std::uint64_t>(bits_arg, "bits");
  const std::uint32_t hashes = optional_positive<std::uint32_t>(hashes_arg, "hashes");
  if (hashes > kMaxHashes) invalid("hashes: 1 to " + std::to_string(kMaxHashes));
  FilterParams params;
  params.layout = layout == "classic" ? Layout::classic : Layout::blocked512;
  params.seed = seed;
  FilterMetadata meta;
  meta.key = opt.key;
  if (bits) {
    const std::uint64_t unit = params.layout == Layout::blocked512 ? kBlockBits : 64;
    params.bits = (bits + unit - 1) / unit * unit;
    if (hashes) {
      params.hashes = hashes;
    } else if (capacity_given) {
      double best = 2;
      for (std::uint32_t k = 1; k <= kMaxHashes; ++k) {
        double p = expected_fpr(params.layout, static_cast<double>(capacity_given), static_cast<double>(params.bits), k);
        if (p < best) best = p, params.hashes = k;
      }
    } else {
      invalid("bits: needs hashes (or capacity to choose them)");
    }
    meta.capacity = capacity_given;
    meta.target_fpr = 0;
  } else {
    if (hashes) invalid("hashes: goes with bits; with capacity/fpr it is computed");
    std::uint64_t capacity = capacity_given;
    if (!capacity) {
      for (const auto& in : opt.inputs) {
        struct stat st {};
        if (::stat(in.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
          invalid("capacity: is required when an input is a FIFO or device (" + in +
                  "): it is read as a stream, its size is unknown");
      }
      py::gil_scoped_release nogil;
      check_inputs(opt);  // report unusable inputs before guessing from them
      capacity = std::max<std::uint64_t>(1, estimate_rows(opt.inputs, opt.key.dialect));
    }
    Sizing s = size_filter(params.layout, capacity, fpr);
    params.bits = s.bits;
    params.hashes = s.hashes;
    meta.capacity = capacity;
    meta.target_fpr = fpr;
  }
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
  py::dict d;
  d["output"] = output;
  d["files"] = stats.files;
  d["bytes"] = stats.bytes;
  d["rows"] = stats.rows;
  d["keys_inserted"] = stats.keys_inserted;
  d["bad_rows"] = stats.bad_rows;
  d["empty_keys"] = stats.empty_keys;
  d["keys_with_outer_whitespace"] = stats.keys_with_outer_whitespace;
  d["seconds"] = stats.seconds;
  d["bytes_per_second"] = stats.seconds > 0 ? static_cast<double>(stats.bytes) / stats.seconds : 0.0;
  d["rows_per_second"] = stats.seconds > 0 ? static_cast<double>(stats.rows) / stats.seconds : 0.0;
  py::list bad;
  for (const auto& b : stats.first_bad_rows) {
    py::dict row;
    row["file"] = b.file;
    row["line"] = b.line;
    row["what"] = b.what;
    bad.append(row);
  }
  d["first_bad_rows"] = bad;
  // The CLI's warnings about the input, in its words (csvbloom::input_warnings);
  // the saturation check is filter["estimated_fpr"] against filter["target_fpr"].
  py::list warnings;
  for (const auto& w : input_warnings(stats, opt.key)) warnings.append(w);
  d["warnings"] = warnings;
  d["filter"] = info_dict(filter_info(filter, meta, fill));
  return d;
}

void merge(py::object output_arg, py::object inputs_arg) {
  const std::vector<std::string> outs = paths_of(output_arg, "output");
  if (outs.size() != 1) invalid("output: one path");
  const std::string output = outs[0];
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
        py::arg("chunk_size") = std::uint64_t{4} << 20, py::arg("queue_batches") = py::none(),
        "Build a filter from CSV files and directories, as `csvbloom build` does (same\n"
        "options, defaults and file bytes); returns the --stats-json fields as a dict.\n"
        "See docs/PYTHON.md for each option. The GIL is released while it runs; Ctrl-C\n"
        "raises KeyboardInterrupt and leaves an existing output untouched.");
  m.def("merge", &merge, py::arg("output"), py::arg("inputs"),
        "Write the union of filters built with identical parameters (as `csvbloom merge`).\n"
        "Raises csvbloom.IncompatibleError when they differ.");
}

}  // namespace csvbloom::python
