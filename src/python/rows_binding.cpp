// rows_binding.cpp: csvbloom.select(), csvbloom.dedupe() and csvbloom.add().
//
// The CLI's `select`, `dedupe` and `add` for Python (src/cli/*_command.cpp
// decide their options for the CLI; this file mirrors those decisions in the
// same order). The work is the library's: select_rows, dedupe_rows
// (csvbloom/rows.hpp) and add_to_filter (csvbloom/build.hpp), each run under
// run_cancellable (GIL released, Ctrl-C -> KeyboardInterrupt, outputs left
// as they were).
//
// Where rows go (`output`), one of:
//   - a path (str / os.PathLike): written as the CLI's -o writes it, to a
//     temp file renamed over the path only on success;
//   - a binary file object (anything with .write(bytes)): the rows are
//     written to it in order, in pieces of up to 1 MiB, the GIL taken for
//     each write; what was written before a failure stays written;
//   - None: the rows are returned as bytes, the summary's "data" (for
//     results that fit in memory: pd.read_csv(io.BytesIO(r["data"]))).
// The summary dict has the fields of the CLI's --stats-json (dedupe, add;
// select has none in the CLI and uses dedupe's names).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "core/common/build_defaults.hpp"
#include "core/io/atomic_file.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/info.hpp"
#include "csvbloom/math.hpp"
#include "csvbloom/rows.hpp"
#include "python/binding_support.hpp"
#include "python/bindings.hpp"

namespace py = pybind11;

namespace csvbloom::python {
namespace {

// dedupe's default FPR, the CLI's (kDedupeFpr in src/cli/dedupe_command.cpp,
// where the reason is): ~1 unique record dropped per million distinct keys.
// tests/python/test_rows.py checks the two agree (same --save bytes).
constexpr double kDedupeFpr = 1e-6;

// Rows reach their destination in pieces of up to 1 MiB, as the CLI's
// Output (src/cli/output.cpp) writes them: one system call (or one Python call, under the GIL)
// per batch of rows rather than per row.
constexpr std::size_t kOutputBuffer = 1u << 20;

// Whether an `output` is a path (str or os.PathLike), not None or a file object.
bool is_path(py::handle output) { return py::isinstance<py::str>(output) || py::hasattr(output, "__fspath__"); }
// The path of an `output` that is one, else "".
std::string output_path(py::handle output) { return is_path(output) ? one_path(output, "output") : std::string(); }

// The three kinds of `output` behind one RowSink.
class PyRowOutput final : public RowSink {
 public:
  // Call with the GIL held.
  explicit PyRowOutput(py::handle output) {
    if (output.is_none()) {
      to_memory_ = true;
    } else if (is_path(output)) {
      path_ = one_path(output, "output");
      check_output_path(path_);
      file_ = std::make_unique<detail::AtomicFileWriter>(path_);  // an unwritable directory fails now
    } else if (py::hasattr(output, "write")) {
      write_ = output.attr("write");
    } else {
      throw py::type_error(std::string("output: a path, a binary file object (with .write) or None, not ") +
                           Py_TYPE(output.ptr())->tp_name);
    }
    if (!to_memory_) buf_.reserve(kOutputBuffer);
  }
  ~PyRowOutput() override {
    if (write_) {
      py::gil_scoped_acquire gil;  // the last reference may go on a thread without it
      write_ = py::object();
    }
  }

  void write(std::string_view bytes) override {
    if (!to_memory_ && buf_.size() + bytes.size() > kOutputBuffer) flush();
    buf_.append(bytes);
  }

  // After the run, without the GIL: the last rows out, the file renamed into
  // place. save_first: another output to commit before this one's rename
  // (dedupe's saved filter: both written before either is renamed).
  void commit(detail::AtomicFileWriter* save_first = nullptr) {
    if (!to_memory_) flush();
    if (file_) file_->finish();
    if (save_first) save_first->finish();
    if (file_) {
      file_->commit();
      file_->remove_stale_temps();
    }
  }

  // The summary's "output": the path, or None.
  py::object name() const { return path_.empty() ? py::object(py::none()) : py::object(py::str(path_)); }
  bool to_memory() const noexcept { return to_memory_; }
  // With the GIL: the rows kept in memory, as bytes.
  py::bytes data() const { return py::bytes(buf_.data(), buf_.size()); }

 private:
  void flush() {
    if (buf_.empty()) return;
    if (file_) {
      const char* p = buf_.data();
      std::size_t left = buf_.size();
      while (left) {
        const ssize_t n = ::write(file_->fd(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(ErrorKind::io, std::string("can't write: ") + std::strerror(errno), path_);
        p += n;
        left -= static_cast<std::size_t>(n);
      }
    } else {
      py::gil_scoped_acquire gil;
      write_(py::bytes(buf_.data(), buf_.size()));  // a Python exception ends the run as error_already_set
    }
    buf_.clear();
  }

  bool to_memory_{false};
  std::string path_;
  std::unique_ptr<detail::AtomicFileWriter> file_;
  py::object write_;
  std::string buf_;
};

// A filter argument: a path, or a csvbloom.Filter (opened again by its path).
std::string filter_path(py::handle filter, const char* what) {
  if (!py::isinstance<py::str>(filter) && !py::hasattr(filter, "__fspath__") && py::hasattr(filter, "contains_many") &&
      py::hasattr(filter, "path"))
    return filter.attr("path").cast<std::string>();
  return one_path(filter, what);
}

LoadedFilter load(const std::string& path, bool verify) {
  py::gil_scoped_release nogil;
  return load_filter(path, verify);
}

// The fields every row summary (select's, dedupe's) shares.
void input_fields(py::dict& d, py::object output, const RowStats& s) {
  put_input_head(d, output, s.input);
  d["rows_written"] = s.rows_written;
  d["bad_rows"] = s.input.bad_rows;
  d["empty_keys"] = s.input.empty_keys;
  d["seconds"] = s.input.seconds;
  d["first_bad_rows"] = bad_rows_list(s.input);  // not in the CLI's dedupe JSON: its stderr says them
}

py::dict select(py::object filter_arg, py::object inputs_arg, py::object output, bool absent, bool count,
                py::object key, bool no_header, py::object delimiter, bool verify, const std::string& on_error,
                bool allow_ragged, std::uint64_t max_record_bytes, py::object threads_arg, py::object readers_arg,
                py::object workers_arg, std::uint64_t chunk_size, py::object queue_batches_arg) {
  // ---- select_command.cpp's run_select, in its order ----
  const std::string fpath = filter_path(filter_arg, "filter");
  const LoadedFilter lf = load(fpath, verify);
  InputArgs in{inputs_arg, delimiter, no_header, on_error, allow_ragged, max_record_bytes,
               threads_arg, readers_arg, workers_arg, chunk_size, queue_batches_arg};
  BuildOptions opt = input_options(in, detail::Consumer::rows);
  apply_filter_key(lf.metadata.key, fpath, key, in, opt);
  // count writes no rows: an output would silently stay unwritten.
  if (count && !output.is_none()) invalid("output: count=True writes no rows; leave output None");
  check_apart("output", output_path(output), {{"the filter", fpath}});  // an input CSV may be replaced by its rows
  std::optional<PyRowOutput> out;
  if (!count) out.emplace(output);
  std::atomic<bool> cancel{false};
  opt.cancel = &cancel;
  RowStats s;
  run_cancellable(&cancel, [&] {
    s = select_rows(opt, lf.filter, static_cast<std::uint32_t>(lf.metadata.key.column_count()),
                    absent ? SelectMode::absent : SelectMode::present, out ? &*out : nullptr);
    if (out) out->commit();
  });
  py::dict d;
  input_fields(d, out ? out->name() : py::object(py::none()), s);
  d["rows_dropped"] = s.rows_dropped;
  if (out && out->to_memory()) d["data"] = out->data();
  return d;
}

py::dict dedupe(py::object inputs_arg, py::object output, py::object key, py::object capacity_arg, double fpr,
                bool trim, bool lowercase, py::object seen_arg, py::object save_arg, bool no_header,
                py::object delimiter, const std::string& on_error, bool allow_ragged, std::uint64_t max_record_bytes,
                py::object threads_arg, py::object readers_arg, py::object workers_arg, std::uint64_t chunk_size,
                py::object queue_batches_arg) {
  // ---- dedupe_command.cpp's run_dedupe, in its order ----
  InputArgs in{inputs_arg, delimiter, no_header, on_error, allow_ragged, max_record_bytes,
               threads_arg, readers_arg, workers_arg, chunk_size, queue_batches_arg};
  BuildOptions opt = input_options(in, detail::Consumer::rows);
  FilterParams params;
  FilterMetadata meta;
  std::optional<BloomFilter> filter;
  std::string seen_path;
  if (!seen_arg.is_none()) {
    seen_path = filter_path(seen_arg, "filter");
    const std::string& seen = seen_path;
    if (!capacity_arg.is_none()) invalid("capacity: comes from the filter given with filter= (" + seen + ")");
    if (fpr != kDedupeFpr) invalid("fpr: comes from the filter given with filter= (" + seen + ")");
    if (trim || lowercase) invalid("trim, lowercase: come from the filter given with filter= (" + seen + ")");
    const LoadedFilter lf = load(seen, true);
    apply_filter_key(lf.metadata.key, seen, key, in, opt);
    params = lf.filter.params();
    meta = lf.metadata;
    filter.emplace(params);
    filter->merge_from(lf.filter);  // a writable copy: the file is only replaced by save= the same path
  } else {
    define_key(key, no_header, trim, lowercase, opt);
    if (!(fpr >= 1e-12 && fpr <= 0.5)) invalid("fpr: 1e-12 to 0.5 (got " + std::to_string(fpr) + ")");
    detail::SizingRequest sizing;  // as the CLI's dedupe sizes (core/common/build_defaults.hpp)
    sizing.capacity = optional_positive(capacity_arg, "capacity");
    sizing.fpr = fpr;
    detail::SizingResult sized;
    {
      py::gil_scoped_release nogil;  // without capacity: check_inputs and estimate_rows read the inputs
      sized = detail::size_for(sizing, opt);
    }
    params = sized.params;
    meta.key = opt.key;
    meta.capacity = sized.capacity;
    meta.target_fpr = sized.target_fpr;
    validate_params(params);
    filter.emplace(params);
  }
  // As the CLI's dedupe: the rows may replace an input, save= may replace filter=.
  const std::string rows_path = output_path(output);
  check_apart("output", rows_path, {{"the filter", seen_path}});
  std::unique_ptr<detail::AtomicFileWriter> saved;
  std::string save;
  if (!save_arg.is_none()) {
    save = one_path(save_arg, "save");
    check_output_path(save);
    check_apart("save", save, detail::named_inputs(opt.inputs), {{"output", rows_path}});
    saved = std::make_unique<detail::AtomicFileWriter>(save);  // an unwritable directory fails now
  }
  PyRowOutput out(output);
  std::atomic<bool> cancel{false};
  opt.cancel = &cancel;
  RowStats s;
  FillStats fill;
  run_cancellable(&cancel, [&] {
    s = dedupe_rows(opt, *filter, &out);
    if (saved) write_filter(saved->fd(), *filter, meta, save);
    out.commit(saved.get());
    if (saved) {
      saved->commit();
      saved->remove_stale_temps();
    }
    fill = filter->fill_stats();
  });
  py::dict d;
  input_fields(d, out.name(), s);
  d["duplicates_dropped"] = s.rows_dropped;
  d["expected_false_drops"] = s.expected_false_drops;
  d["filter"] = info_dict(filter_info(*filter, meta, fill));
  if (out.to_memory()) d["data"] = out.data();
  return d;
}

py::dict add(py::object filter_arg, py::object inputs_arg, py::object output_arg, py::object key, bool no_header,
             py::object delimiter, const std::string& on_error, bool allow_ragged, std::uint64_t max_record_bytes,
             py::object threads_arg, py::object readers_arg, py::object workers_arg, std::uint64_t chunk_size,
             py::object queue_batches_arg) {
  // ---- add_command.cpp's run_add, in its order; the work is add_to_filter ----
  const std::string fpath = filter_path(filter_arg, "filter");
  const std::string target = output_arg.is_none() ? fpath : one_path(output_arg, "output");
  check_output_path(target);
  const LoadedFilter lf = load(fpath, true);
  InputArgs in{inputs_arg, delimiter, no_header, on_error, allow_ragged, max_record_bytes,
               threads_arg, readers_arg, workers_arg, chunk_size, queue_batches_arg};
  BuildOptions opt = input_options(in, detail::Consumer::filter);
  check_apart("output", target, detail::named_inputs(opt.inputs));  // the filter itself: add in place
  apply_filter_key(lf.metadata.key, fpath, key, in, opt);
  std::atomic<bool> cancel{false};
  opt.cancel = &cancel;
  std::optional<AddResult> r;
  FillStats fill;
  run_cancellable(&cancel, [&] {
    r.emplace(add_to_filter(lf, opt, target));
    fill = r->filter.fill_stats();
  });
  // ---- build's --stats-json fields, as the CLI's add writes them ----
  py::dict d = build_summary(target, r->stats, opt.key);
  d["filter"] = info_dict(filter_info(r->filter, lf.metadata, fill));
  return d;
}

}  // namespace

void register_rows(py::module_& m) {
  m.attr("DEDUPE_FPR") = kDedupeFpr;
  m.def("select", &select, py::arg("filter"), py::arg("inputs"), py::arg("output") = py::none(), py::kw_only(),
        py::arg("absent") = false, py::arg("count") = false, py::arg("key") = py::none(),
        py::arg("no_header") = false, py::arg("delimiter") = py::none(), py::arg("verify") = true,
        py::arg("on_error") = "fail", py::arg("allow_ragged") = false,
        py::arg("max_record_bytes") = std::uint64_t{64} << 20, py::arg("threads") = py::none(),
        py::arg("readers") = py::none(), py::arg("workers") = py::none(),
        py::arg("chunk_size") = detail::kRowsChunkBytes, py::arg("queue_batches") = py::none(),
        "The CSV rows whose key may be in a filter (absent=True: certainly is not), as\n"
        "`csvbloom select` prints them: the first input's header once, then each chosen\n"
        "record's own bytes, in input order, the same bytes for any thread count.\n"
        "output: a path (written atomically), a binary file object, or None (the rows\n"
        "are returned as bytes, the summary's \"data\"). count=True only counts them\n"
        "(summary[\"rows_written\"]). Returns the summary as a dict. See docs/PYTHON.md.");
  m.def("dedupe", &dedupe, py::arg("inputs"), py::arg("output") = py::none(), py::kw_only(),
        py::arg("key") = py::none(), py::arg("capacity") = py::none(), py::arg("fpr") = kDedupeFpr,
        py::arg("trim") = false, py::arg("lowercase") = false, py::arg("filter") = py::none(),
        py::arg("save") = py::none(), py::arg("no_header") = false, py::arg("delimiter") = py::none(),
        py::arg("on_error") = "fail", py::arg("allow_ragged") = false,
        py::arg("max_record_bytes") = std::uint64_t{64} << 20, py::arg("threads") = py::none(),
        py::arg("readers") = py::none(), py::arg("workers") = py::none(),
        py::arg("chunk_size") = detail::kRowsChunkBytes, py::arg("queue_batches") = py::none(),
        "The first record of every key, in input order, in the memory of one filter, as\n"
        "`csvbloom dedupe`. A record with a new key is dropped with probability about fpr\n"
        "(default DEDUPE_FPR, 1e-6). filter= starts from an earlier run's filter, save=\n"
        "writes the final one (atomically). output as for select(). Returns the\n"
        "--stats-json fields as a dict. See docs/PYTHON.md.");
  m.def("add", &add, py::arg("filter"), py::arg("inputs"), py::arg("output") = py::none(), py::kw_only(),
        py::arg("key") = py::none(), py::arg("no_header") = false, py::arg("delimiter") = py::none(),
        py::arg("on_error") = "fail", py::arg("allow_ragged") = false,
        py::arg("max_record_bytes") = std::uint64_t{64} << 20, py::arg("threads") = py::none(),
        py::arg("readers") = py::none(), py::arg("workers") = py::none(),
        py::arg("chunk_size") = detail::kFilterChunkBytes, py::arg("queue_batches") = py::none(),
        "Insert more CSV files' keys into an existing filter with its own parameters and\n"
        "key, as `csvbloom add`: replaces the filter atomically, or writes output and leaves\n"
        "it alone. The bytes are those of one build over the old and the new inputs.\n"
        "Returns the --stats-json fields as a dict. See docs/PYTHON.md.");
}

}  // namespace csvbloom::python
