// bindings.hpp: what the files of the csvbloom Python module share.
#pragma once

#include <pybind11/pybind11.h>

#include "csvbloom/info.hpp"

namespace csvbloom::python {

void register_filter(pybind11::module_& m);
void register_build(pybind11::module_& m);
void register_rows(pybind11::module_& m);

// A FilterInfo as the dict `csvbloom info --json` prints (without "file",
// "file_bytes", "format_version"): the "filter" of build's stats too.
pybind11::dict info_dict(const FilterInfo& i);

}  // namespace csvbloom::python
