// binding_support.hpp: what build_binding.cpp and rows_binding.cpp share:
// Python arguments -> library values (paths, key columns, delimiter, the
// input options every reading function takes, the CLI's thread split), and
// run_cancellable, the one way a long library call runs without the GIL and
// still answers Ctrl-C.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/build_defaults.hpp"
#include "core/io/same_file.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::python {

[[noreturn]] inline void invalid(const std::string& what) { throw Error(ErrorKind::invalid_argument, what); }

// A path, or a list/iterable of paths (str or os.PathLike).
std::vector<std::string> paths_of(pybind11::handle given, const char* what);
// Exactly one path (str or os.PathLike), for `what`.
std::string one_path(pybind11::handle given, const char* what);

// key=: None (no columns: the first column, or the filter's), a str (a header
// name), an int (a 1-based index), or a list/tuple of those for a composite
// key. Unlike the CLI's --key, a str is always a name: Python has types to
// say "index".
std::vector<KeyColumn> key_columns(pybind11::handle key);

// delimiter=: one ASCII character ("tab" too) or bytes of one byte.
char delimiter_byte(pybind11::handle d);

// The CLI's check_output_path: the rename would replace anything but a
// regular file (a symbolic link itself, a device, a FIFO).
void check_output_path(const std::string& path);

// The CLI's check_apart (detail::output_clash): an output (the keyword
// `what`) over something the call reads and must not replace, or over
// another of its outputs, is an InvalidArgumentError.
void check_apart(const std::string& what, const std::string& path, const std::vector<detail::NamedPath>& reads,
                 const std::vector<detail::NamedPath>& writes = {});

// None -> 0; else an int >= 1 (TypeError / InvalidArgumentError naming `name`).
std::uint64_t optional_positive(pybind11::handle v, const char* name);

// The keywords of every function that reads CSV (build, select, dedupe,
// add), as the CLI's shared input flags (src/cli/input_flags.cpp).
struct InputArgs {
  pybind11::object inputs;
  pybind11::object delimiter;  // None: ',' and a tab for *.tsv, file by file
  bool no_header{false};
  std::string on_error{"fail"};
  bool allow_ragged{false};
  std::uint64_t max_record_bytes{};
  pybind11::object threads, readers, workers;
  std::uint64_t chunk_size{};
  pybind11::object queue_batches;
};

// InputArgs -> BuildOptions, in input_options()'s order: inputs expanded
// (directories, as the CLI; warnings for empty ones), dialect, bad-row
// policy, sizes, the thread split. The key columns are left to the caller.
BuildOptions input_options(const InputArgs& a, detail::Consumer consumer);

// For functions that define the key (build, dedupe without a filter): the
// columns from `key` (None: the first column) and the normalisation.
void define_key(pybind11::handle key, bool no_header, bool trim, bool lowercase, BuildOptions& options);

// For functions that read with a filter's key (select, add, dedupe from a
// filter): the filter's key spec, with `key` (not None) renaming its columns
// (as many), and the caller's delimiter / no_header describing inputs whose
// dialect differs from the filter's (src/cli/input_flags.cpp's
// apply_filter_key, for Python's types).
void apply_filter_key(const KeySpec& filter_key, const std::string& filter_name, pybind11::handle key,
                      const InputArgs& a, BuildOptions& options);

// --stats-json's "first_bad_rows": [{"file", "line", "what"}, ...].
pybind11::list bad_rows_list(const BuildStats& stats);

// The fields every summary starts with, as --stats-json's: output, files,
// bytes, bytes_on_disk, rows.
void put_input_head(pybind11::dict& d, pybind11::object output, const BuildStats& stats);

// build's (and add's) --stats-json fields but "filter", which the caller adds:
// output, counts, rates, first_bad_rows and the CLI's input warnings.
pybind11::dict build_summary(const std::string& output, const BuildStats& stats, const KeySpec& key);

// How often a waiting call looks at Python's signal flags: Ctrl-C answers
// within ~50 ms plus one chunk, and a wake-up every 50 ms costs nothing.
inline constexpr std::chrono::milliseconds kSignalPoll{50};

// Runs fn() on a new thread with the GIL released, checking Python's signals
// every kSignalPoll. A signal handler's exception sets *cancel, waits for fn
// to return, and is raised; otherwise fn's own exception is. fn may take the
// GIL itself (a sink writing to a Python file object).
template <class Fn>
void run_cancellable(std::atomic<bool>* cancel, Fn fn) {
  namespace py = pybind11;
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
      if (interrupted) continue;  // cancelled: wait for the call to notice
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

}  // namespace csvbloom::python
