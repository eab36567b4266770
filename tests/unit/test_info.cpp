// tests/unit/test_info.cpp: filter_info (csvbloom/info.hpp), the fields that
// `info --json`, build's stats and Python's Filter.info() all report.
#include <catch2/catch.hpp>

#include "csvbloom/compatibility.hpp"
#include "csvbloom/info.hpp"
#include "csvbloom/math.hpp"

using namespace csvbloom;

TEST_CASE("filter_info: parameters, key spec and fill as the JSON reports them", "[info]") {
  FilterParams p;
  p.layout = Layout::classic;
  p.bits = 6400;
  p.hashes = 4;
  p.seed = 0x2a;
  BloomFilter f(p);
  const KeyHash hs[] = {hash_key("a", p.seed), hash_key("b", p.seed)};
  f.insert_batch(hs, 2);
  FilterMetadata m;
  m.capacity = 10;
  m.target_fpr = 0.01;
  m.key.normalization.trim = true;
  const FillStats fill = f.fill_stats();
  FilterInfo i = filter_info(f, m, fill);
  CHECK(i.layout == "classic");
  CHECK(i.bits == 6400);
  CHECK(i.bytes == 800);
  CHECK(i.hashes == 4);
  CHECK(i.hash_algorithm == "xxh3-128");
  CHECK(i.seed == 0x2a);
  CHECK(i.seed_hex == "0x000000000000002a");
  CHECK(i.keys_inserted == 2);
  CHECK(i.capacity == 10);
  CHECK(i.target_fpr == 0.01);
  // No columns recorded means "the first column": reported as index 1.
  REQUIRE(i.key_columns.size() == 1);
  CHECK(i.key_columns[0].index == 1);
  CHECK(i.normalization.trim);
  CHECK_FALSE(i.normalization.lowercase);
  CHECK(i.set_bits == fill.set_bits);
  CHECK(i.set_bits > 0);
  CHECK(i.set_bits <= 8);
  CHECK(i.estimated_distinct_keys == fill.estimated_distinct);
  CHECK(i.merge_fingerprint == merge_fingerprint(p, m));

  m.key.columns = {KeyColumn{"email", 0}, KeyColumn{"", 3}};
  i = filter_info(f, m, fill);
  REQUIRE(i.key_columns.size() == 2);
  CHECK(i.key_columns[0].name == "email");
  CHECK(i.key_columns[1].index == 3);
  CHECK(i.layout == "classic");
}
