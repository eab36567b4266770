// csvbloom/csvbloom.hpp: everything a C++ program needs to build or query filters.
#pragma once

#include "csvbloom/build.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/filter.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/hash.hpp"
#include "csvbloom/info.hpp"
#include "csvbloom/key_spec.hpp"
#include "csvbloom/math.hpp"
#include "csvbloom/query.hpp"
#include "csvbloom/rows.hpp"
