// stats_json.hpp: the build summary, for people (stderr) and scripts (JSON).
// Field meanings: README "Machine-readable output".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "csvbloom/build.hpp"
#include "csvbloom/rows.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom::cli {

class JsonWriter;

// The summary on stderr (build's and add's): the input bytes as stored, and
// the decoded ones when compressed inputs make them differ.
void print_build_summary(const std::string& output, const BuildStats& s, const BloomFilter& f,
                         const FilterMetadata& m, const FillStats& fill, bool per_file);
// The --stats-json document, `warnings` as printed.
std::string stats_json_text(const std::string& output, const BuildStats& s, const BloomFilter& f,
                            const FilterMetadata& m, const FillStats& fill, const std::vector<std::string>& warnings);
// The fields every --stats-json document starts with (build's, add's,
// dedupe's, select's): output (null when "": select --count), files, bytes,
// bytes_on_disk, rows.
void write_input_head(JsonWriter& w, const std::string& output, const BuildStats& s);
// The fields select's and dedupe's --stats-json share, after the head:
// rows_written, bad_rows, empty_keys, seconds (the names of Python's
// summaries).
void write_row_fields(JsonWriter& w, const std::string& output, const RowStats& s);
// Writes `text` to `path` ("-": standard output). Throws Error(io).
void write_text_file(const std::string& path, const std::string& text);
// The filter's parameters, shared by `build --stats-json` and `info --json`.
void write_filter_json(JsonWriter& w, const BloomFilter& f, const FilterMetadata& m, const FillStats& fill);

}  // namespace csvbloom::cli
