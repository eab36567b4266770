// module.cpp: the csvbloom._csvbloom extension module (the package's
// __init__.py re-exports it). A thin binding: every behaviour lives in the
// C++ library; this converts types, releases the GIL around real work and
// maps each csvbloom::ErrorKind to its exception class (docs/PYTHON.md).
#include <pybind11/pybind11.h>

#include "python/bindings.hpp"
#include "python/errors.hpp"

PYBIND11_MODULE(_csvbloom, m) {
  m.doc() = "csvbloom: build, query and merge Bloom filters over CSV files (the C++ library's binding)";
  m.attr("__version__") = CSVBLOOM_VERSION;
  csvbloom::python::register_errors(m);
  csvbloom::python::register_filter(m);
  csvbloom::python::register_build(m);
  csvbloom::python::register_rows(m);
}
