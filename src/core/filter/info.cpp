// info.cpp: a filter's parameters as plain fields (see csvbloom/info.hpp).
#include "csvbloom/info.hpp"

#include <cstdio>

#include "csvbloom/compatibility.hpp"

namespace csvbloom {

FilterInfo filter_info(const BloomFilter& f, const FilterMetadata& m, const FillStats& fill) {
  const FilterParams& p = f.params();
  FilterInfo i;
  i.layout = layout_name(p.layout);
  i.bits = p.bits;
  i.bytes = f.size_bytes();
  i.hashes = p.hashes;
  i.hash_algorithm = "xxh3-128";  // the only HashAlgorithm (format v1)
  i.seed = p.seed;
  char seed[24];
  std::snprintf(seed, sizeof seed, "0x%016llx", static_cast<unsigned long long>(p.seed));
  i.seed_hex = seed;
  i.keys_inserted = f.keys_inserted();
  i.capacity = m.capacity;
  i.target_fpr = m.target_fpr;
  i.key_columns = m.key.columns;
  if (i.key_columns.empty()) i.key_columns.push_back(KeyColumn{"", 1});
  i.dialect = m.key.dialect;
  i.normalization = m.key.normalization;
  i.set_bits = fill.set_bits;
  i.fill_ratio = fill.fill_ratio;
  i.estimated_distinct_keys = fill.estimated_distinct;
  i.estimated_fpr = fill.estimated_fpr;
  i.merge_fingerprint = merge_fingerprint(p, m);
  return i;
}

}  // namespace csvbloom
