// stats_json.hpp: the build summary, for people (stderr) and scripts (JSON).
// Field meanings: README "Machine-readable output".
#pragma once

#include <string>

#include "csvbloom/build.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {

class JsonWriter;

void print_build_summary(const std::string& output, const BuildStats& s, const BloomFilter& f,
                         const FilterMetadata& m, const FillStats& fill, bool per_file);
// Writes to `path`, or stdout for "-". Throws Error(io).
void write_stats_json(const std::string& path, const std::string& output, const BuildStats& s,
                      const BloomFilter& f, const FilterMetadata& m, const FillStats& fill);
// The filter's parameters, shared by `build --stats-json` and `info --json`.
void write_filter_json(JsonWriter& w, const BloomFilter& f, const FilterMetadata& m, const FillStats& fill);

}  // namespace csvbloom::cli
