// binding_support.cpp: see binding_support.hpp.
#include "python/binding_support.hpp"

#include <pybind11/stl.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/common/build_defaults.hpp"

namespace py = pybind11;

namespace csvbloom::python {

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

std::string one_path(py::handle given, const char* what) {
  const std::vector<std::string> p = paths_of(given, what);
  if (p.size() != 1) invalid(std::string(what) + ": one path");
  return p[0];
}

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

void check_output_path(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return;
  const char* what = S_ISLNK(st.st_mode) ? "a symbolic link" : S_ISDIR(st.st_mode) ? "a directory" : "not a regular file";
  invalid("output '" + path + "' is " + what +
          ": the output is written to a temp file renamed over the path, which would replace it; give a regular file's path");
}

void check_apart(const std::string& what, const std::string& path, const std::vector<detail::NamedPath>& reads,
                 const std::vector<detail::NamedPath>& writes) {
  const std::string clash = detail::output_clash(what, path, reads, writes);
  if (!clash.empty()) invalid(what + ": " + clash);
}

std::uint64_t optional_positive(py::handle v, const char* name) {
  if (v.is_none()) return 0;
  if (py::isinstance<py::bool_>(v) || !py::isinstance<py::int_>(v)) throw py::type_error(std::string(name) + ": an int");
  const long long x = v.cast<long long>();
  if (x < 1) invalid(std::string(name) + ": must be at least 1 (got " + std::to_string(x) + ")");
  return static_cast<std::uint64_t>(x);
}

BuildOptions input_options(const InputArgs& a, detail::Consumer consumer) {
  const std::vector<std::string> given = paths_of(a.inputs, "inputs");
  if (given.empty()) invalid("inputs: give CSV files or directories");
  const std::uint64_t threads_given = optional_positive(a.threads, "threads");
  if (threads_given > 1024) invalid("threads: 1 to 1024");
  const unsigned threads = detail::default_threads(static_cast<unsigned>(threads_given));
  BuildOptions opt;
  ExpandedInputs expanded;
  {
    py::gil_scoped_release nogil;
    expanded = expand_inputs(given, threads);
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
  // None: ',' and a tab for *.tsv files, file by file, as the CLI without --delimiter.
  opt.delimiter_by_extension = a.delimiter.is_none();
  opt.key.dialect.delimiter = a.delimiter.is_none() ? ',' : delimiter_byte(a.delimiter);
  opt.key.dialect.has_header = !a.no_header;
  if (a.on_error != "fail" && a.on_error != "skip") invalid("on_error: 'fail' or 'skip' (got '" + a.on_error + "')");
  opt.on_error = a.on_error == "skip" ? OnError::skip : OnError::fail;
  opt.allow_ragged = a.allow_ragged;
  if (a.max_record_bytes < 1 || a.max_record_bytes > (std::uint64_t{1} << 40)) invalid("max_record_bytes: 1 to 2**40");
  opt.max_record_bytes = a.max_record_bytes;
  if (a.chunk_size < 16 || a.chunk_size > (std::uint64_t{1} << 32)) invalid("chunk_size: 16 to 2**32");
  opt.chunk_bytes = static_cast<std::size_t>(a.chunk_size);
  opt.queue_batches = static_cast<std::size_t>(optional_positive(a.queue_batches, "queue_batches"));

  // Thread split: the CLI's (core/common/build_defaults.hpp).
  const std::uint64_t readers = optional_positive(a.readers, "readers");
  if (readers > 1024) invalid("readers: 1 to 1024");
  int workers = -1;
  if (!a.workers.is_none()) {
    if (py::isinstance<py::bool_>(a.workers) || !py::isinstance<py::int_>(a.workers))
      throw py::type_error("workers: an int");
    const long long w = a.workers.cast<long long>();
    if (w < 0 || w > 1024) invalid("workers: 0 to 1024");
    workers = static_cast<int>(w);
  }
  detail::split_threads(threads, static_cast<unsigned>(readers), workers, consumer, opt);
  return opt;
}

void define_key(py::handle key, bool no_header, bool trim, bool lowercase, BuildOptions& opt) {
  opt.key.columns = key_columns(key);
  for (const auto& c : opt.key.columns)
    if (c.by_name() && no_header)
      invalid("key: '" + c.name + "' is a name, but no_header=True says there is no header: use a 1-based index (int)");
  opt.key.normalization = {trim, lowercase};
}

void apply_filter_key(const KeySpec& filter_key, const std::string& filter_name, py::handle key, const InputArgs& a,
                      BuildOptions& opt) {
  const Dialect given = opt.key.dialect;
  opt.key = filter_key;
  // The filter's delimiter is the default; *.tsv inputs are tab-separated
  // unless delimiter= says otherwise.
  if (!a.delimiter.is_none()) opt.key.dialect.delimiter = given.delimiter;
  if (a.no_header) opt.key.dialect.has_header = false;
  if (!key.is_none()) {
    std::vector<KeyColumn> renamed = key_columns(key);
    if (renamed.size() != filter_key.column_count())
      invalid("key: the filter " + filter_name + " has a key of " + std::to_string(filter_key.column_count()) +
              " column" + (filter_key.column_count() == 1 ? "" : "s") + " (" + filter_key.describe() +
              "); give one name or index per column to rename them, or None");
    opt.key.columns = std::move(renamed);
  }
  for (const auto& c : opt.key.columns)
    if (c.by_name() && !opt.key.dialect.has_header)
      invalid("key: the key column '" + c.name + "' is a name, but the inputs have no header: give a 1-based index (int)");
}

py::list bad_rows_list(const BuildStats& stats) {
  py::list bad;
  for (const auto& b : stats.first_bad_rows) {
    py::dict row;
    row["file"] = b.file;
    row["line"] = b.line;
    row["what"] = b.what;
    bad.append(row);
  }
  return bad;
}

void put_input_head(py::dict& d, py::object output, const BuildStats& stats) {
  d["output"] = output;
  d["files"] = stats.files;
  d["bytes"] = stats.bytes;
  d["bytes_on_disk"] = stats.bytes_on_disk;
  d["rows"] = stats.rows;
}

py::dict build_summary(const std::string& output, const BuildStats& stats, const KeySpec& key) {
  py::dict d;
  put_input_head(d, py::str(output), stats);
  d["keys_inserted"] = stats.keys_inserted;
  d["bad_rows"] = stats.bad_rows;
  d["empty_keys"] = stats.empty_keys;
  d["keys_with_outer_whitespace"] = stats.keys_with_outer_whitespace;
  d["seconds"] = stats.seconds;
  d["bytes_per_second"] = stats.seconds > 0 ? static_cast<double>(stats.bytes) / stats.seconds : 0.0;
  d["rows_per_second"] = stats.seconds > 0 ? static_cast<double>(stats.rows) / stats.seconds : 0.0;
  d["first_bad_rows"] = bad_rows_list(stats);
  // The CLI's warnings about the input, in its words (csvbloom::input_warnings);
  // the saturation check is filter["estimated_fpr"] against filter["target_fpr"].
  py::list warnings;
  for (const auto& w : input_warnings(stats, key)) warnings.append(w);
  d["warnings"] = warnings;
  return d;
}

}  // namespace csvbloom::python
