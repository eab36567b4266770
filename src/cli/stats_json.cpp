// stats_json.cpp: see stats_json.hpp.
#include "cli/stats_json.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/cli_common.hpp"
#include "cli/json_writer.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/info.hpp"

namespace csvbloom::cli {

void print_build_summary(const std::string& output, const BuildStats& s, const BloomFilter& f,
                         const FilterMetadata& m, const FillStats& fill, bool per_file) {
  const double secs = s.seconds > 0 ? s.seconds : 1e-9;
  const std::uint64_t stored = s.bytes_on_disk ? s.bytes_on_disk : s.bytes;
  std::string bytes = human_bytes(static_cast<double>(stored));
  if (stored != s.bytes) bytes += " (" + human_bytes(static_cast<double>(s.bytes)) + " decoded)";
  std::fprintf(stderr, "csvbloom: wrote %s: %s, %s, %s, %s inserted (%s, %s)\n", output.c_str(),
               count_of(s.files, "file").c_str(), bytes.c_str(), count_of(s.rows, "row").c_str(),
               count_of(s.keys_inserted, "key").c_str(), count_of(s.bad_rows, "bad row").c_str(),
               count_of(s.empty_keys, "empty key").c_str());
  char target[64] = "";
  if (m.target_fpr > 0) std::snprintf(target, sizeof target, " (target %.4g)", m.target_fpr);
  std::fprintf(stderr, "  filter: %s, %s bits (%s), %s; %s distinct keys; estimated FPR %.4g%s\n",
               layout_name(f.params().layout), with_commas(f.bits()).c_str(),
               human_bytes(static_cast<double>(f.size_bytes())).c_str(), count_of(f.params().hashes, "hash").c_str(),
               distinct_keys_text(fill.estimated_distinct, fill.fill_ratio).c_str(), fill.estimated_fpr, target);
  std::fprintf(stderr, "  %.2f s, %s/s, %.1f M rows/s\n", s.seconds,
               human_bytes(static_cast<double>(s.bytes) / secs).c_str(), static_cast<double>(s.rows) / secs / 1e6);
  if (per_file)
    for (const auto& pf : s.per_file)
      std::fprintf(stderr, "  %s: %s, %s\n", pf.path.c_str(), human_bytes(static_cast<double>(pf.bytes)).c_str(),
                   count_of(pf.rows, "row").c_str());
}

void write_filter_json(JsonWriter& w, const BloomFilter& f, const FilterMetadata& m, const FillStats& fill) {
  const FilterInfo i = filter_info(f, m, fill);
  w.field("layout", i.layout)
      .field("bits", i.bits)
      .field("bytes", i.bytes)
      .field("hashes", i.hashes)
      .field("hash_algorithm", i.hash_algorithm)
      .field("seed", i.seed_hex)
      .field("keys_inserted", i.keys_inserted)
      .field("capacity", i.capacity)
      .field("target_fpr", i.target_fpr);
  w.begin_object("key");
  w.begin_array("columns");
  for (const auto& c : i.key_columns) {
    w.begin_object();
    if (c.by_name()) w.field("name", c.name);
    else w.field("index", static_cast<std::uint64_t>(c.index));
    w.end_object();
  }
  w.end_array();
  w.field("delimiter", std::string(1, i.dialect.delimiter))
      .field("has_header", i.dialect.has_header)
      .field("trim", i.normalization.trim)
      .field("lowercase", i.normalization.lowercase);
  w.end_object();
  w.field("set_bits", i.set_bits)
      .field("fill_ratio", i.fill_ratio)
      .field("estimated_distinct_keys", i.estimated_distinct_keys)
      .field("estimated_fpr", i.estimated_fpr)
      .field("merge_fingerprint", i.merge_fingerprint);
}

void write_input_head(JsonWriter& w, const std::string& output, const BuildStats& s) {
  if (output.empty()) w.field("output", nullptr);  // select --count: no rows written anywhere
  else w.field("output", output);
  w.field("files", s.files)
      .field("bytes", s.bytes)
      .field("bytes_on_disk", s.bytes_on_disk)
      .field("rows", s.rows);
}

void write_row_fields(JsonWriter& w, const std::string& output, const RowStats& s) {
  write_input_head(w, output, s.input);
  w.field("rows_written", s.rows_written)
      .field("bad_rows", s.input.bad_rows)
      .field("empty_keys", s.input.empty_keys)
      .field("seconds", s.input.seconds);
}

std::string stats_json_text(const std::string& output, const BuildStats& s, const BloomFilter& f,
                            const FilterMetadata& m, const FillStats& fill, const std::vector<std::string>& warnings) {
  JsonWriter w;
  w.begin_object();
  write_input_head(w, output, s);
  w.field("keys_inserted", s.keys_inserted)
      .field("bad_rows", s.bad_rows)
      .field("empty_keys", s.empty_keys)
      .field("keys_with_outer_whitespace", s.keys_with_outer_whitespace)
      .field("seconds", s.seconds)
      .field("bytes_per_second", s.seconds > 0 ? static_cast<double>(s.bytes) / s.seconds : 0.0)
      .field("rows_per_second", s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0);
  w.begin_array("first_bad_rows");
  for (const auto& b : s.first_bad_rows)
    w.begin_object().field("file", b.file).field("line", b.line).field("what", b.what).end_object();
  w.end_array();
  w.begin_array("warnings");
  for (const auto& text : warnings) w.field(nullptr, text);
  w.end_array();
  w.begin_object("filter");
  write_filter_json(w, f, m, fill);
  w.end_object();
  w.end_object();
  return w.str();
}

void write_text_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
      throw Error(ErrorKind::io, std::string("can't write: ") + std::strerror(errno), "<stdout>");
    return;
  }
  std::FILE* fp = std::fopen(path.c_str(), "wb");
  if (!fp || std::fwrite(text.data(), 1, text.size(), fp) != text.size() || std::fclose(fp) != 0)
    throw Error(ErrorKind::io, std::string("can't write: ") + std::strerror(errno), path);
}

}  // namespace csvbloom::cli
