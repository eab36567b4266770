// errors.hpp: csvbloom::Error -> the csvbloom.Error subclass of its kind.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "csvbloom/error.hpp"

namespace csvbloom::python {

// Imports csvbloom._errors and installs the exception translator.
void register_errors(pybind11::module_& m);

// Sets the Python error for `e` (its kind's class, with .message, .file,
// .line, .column, .kind). Requires the GIL.
void set_python_error(const Error& e);

}  // namespace csvbloom::python
