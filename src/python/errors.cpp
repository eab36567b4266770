// errors.cpp: see errors.hpp. The classes themselves are plain Python
// (csvbloom/_errors.py), so that they pickle (Dask ships errors from workers)
// and read like any other exception; this file only picks one per ErrorKind.
#include "python/errors.hpp"

namespace py = pybind11;

namespace csvbloom::python {
namespace {

const char* class_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::invalid_argument: return "InvalidArgumentError";
    case ErrorKind::io: return "IOError";
    case ErrorKind::bad_csv: return "BadCsvError";
    case ErrorKind::missing_column: return "MissingColumnError";
    case ErrorKind::corrupt_filter: return "CorruptFilterError";
    case ErrorKind::incompatible: return "IncompatibleError";
    case ErrorKind::cancelled: return "CancelledError";
  }
  return "Error";
}

}  // namespace

void set_python_error(const Error& e) {
  // A module-lifetime reference; never released (the interpreter may be
  // finalising when the module is unloaded).
  static PyObject* errors = py::module_::import("csvbloom._errors").release().ptr();
  py::object make = py::reinterpret_borrow<py::object>(errors).attr("_make");
  py::object file = e.file().empty() ? py::object(py::none()) : py::object(py::str(e.file()));
  py::object line = e.line() ? py::object(py::int_(e.line())) : py::object(py::none());
  py::object column = e.column() ? py::object(py::int_(e.column())) : py::object(py::none());
  // Messages may quote bytes from the input: decode leniently.
  auto text = [](const std::string& s) {
    return py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace"));
  };
  py::object exc = make(class_name(e.kind()), text(e.what()), text(e.message()), file, line, column);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
}

void register_errors(py::module_& m) {
  py::module_::import("csvbloom._errors");  // fail at import, not at the first error
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      set_python_error(e);
    }
  });
}

}  // namespace csvbloom::python
