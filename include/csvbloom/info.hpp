// csvbloom/info.hpp: a filter's parameters and fill as plain fields.
//
// What `csvbloom info --json`, `build --stats-json` (its "filter" object) and
// the Python binding's Filter.info() report, computed in one place so that
// their field names and values cannot drift apart. The CLI turns this into
// JSON, the binding into a dict; the library knows neither.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "csvbloom/filter.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom {

struct FilterInfo {
  std::string layout;          // layout_name(): "blocked" / "classic"
  std::uint64_t bits{};
  std::uint64_t bytes{};       // of the bit array
  std::uint32_t hashes{};
  std::string hash_algorithm;  // "xxh3-128"
  std::uint64_t seed{};
  std::string seed_hex;        // "0x" and 16 hex digits, as the JSON shows it
  std::uint64_t keys_inserted{};
  std::uint64_t capacity{};
  double target_fpr{};
  // The key columns as recorded; a spec with no columns (the default, "the
  // first column") is reported as index 1.
  std::vector<KeyColumn> key_columns;
  Dialect dialect;
  Normalization normalization;
  std::uint64_t set_bits{};
  double fill_ratio{};
  double estimated_distinct_keys{};
  double estimated_fpr{};
  std::string merge_fingerprint;
};

// `fill` is f.fill_stats(), passed in because that pass reads every word of
// the filter and callers often need it for something else too.
FilterInfo filter_info(const BloomFilter& f, const FilterMetadata& m, const FillStats& fill);

}  // namespace csvbloom
