// tests/unit/test_compatibility.cpp: the one rule of which filters are
// compatible (csvbloom/compatibility.hpp), its fingerprint, and the guards
// that keep a read-only filter read-only.
//
// The rule and the fingerprint must look at the same fields: each field is
// changed in turn, and both the difference list and the fingerprint must
// notice; fields the rule ignores (keys_inserted, the bits themselves) must
// change neither.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/hash.hpp"

using namespace csvbloom;

namespace {

FilterParams base_params() {
  FilterParams p;
  p.layout = Layout::blocked512;
  p.bits = 16384;
  p.hashes = 7;
  return p;
}

FilterMetadata base_metadata() {
  FilterMetadata m;
  m.key.columns = {KeyColumn{"id", 0}};
  m.key.normalization.trim = true;
  m.capacity = 1000;
  m.target_fpr = 0.01;
  return m;
}

std::string joined(const std::vector<std::string>& d) {
  std::string s;
  for (const auto& x : d) s += x + "; ";
  return s;
}

struct Change {
  const char* named;  // what the difference list must say
  std::function<void(FilterParams&, FilterMetadata&)> apply;
};

const std::vector<Change>& every_field() {
  static const std::vector<Change> changes = {
      {"layout blocked vs classic", [](FilterParams& p, FilterMetadata&) { p.layout = Layout::classic; }},
      {"bits 16384 vs 32768", [](FilterParams& p, FilterMetadata&) { p.bits = 32768; }},
      {"hashes 7 vs 6", [](FilterParams& p, FilterMetadata&) { p.hashes = 6; }},
      {"seed 0x6373766233303231 vs 0x0000000000000001", [](FilterParams& p, FilterMetadata&) { p.seed = 1; }},
      {"hash algorithm 1 vs 9", [](FilterParams& p, FilterMetadata&) { p.hash = static_cast<HashAlgorithm>(9); }},
      {"key 'id' vs 'id2'", [](FilterParams&, FilterMetadata& m) { m.key.columns = {KeyColumn{"id2", 0}}; }},
      {"key 'id' vs '#1'", [](FilterParams&, FilterMetadata& m) { m.key.columns = {KeyColumn{"", 1}}; }},
      {"key 'id' vs 'id+x'",
       [](FilterParams&, FilterMetadata& m) { m.key.columns.push_back(KeyColumn{"x", 0}); }},
      {"delimiter ',' vs '\\t'", [](FilterParams&, FilterMetadata& m) { m.key.dialect.delimiter = '\t'; }},
      {"quote '\"' vs '''", [](FilterParams&, FilterMetadata& m) { m.key.dialect.quote = '\''; }},
      {"header: yes vs no", [](FilterParams&, FilterMetadata& m) { m.key.dialect.has_header = false; }},
      {"trim: yes vs no", [](FilterParams&, FilterMetadata& m) { m.key.normalization.trim = false; }},
      {"lowercase: no vs yes", [](FilterParams&, FilterMetadata& m) { m.key.normalization.lowercase = true; }},
      {"capacity 1000 vs 2000", [](FilterParams&, FilterMetadata& m) { m.capacity = 2000; }},
      {"capacity 1000 vs 0", [](FilterParams&, FilterMetadata& m) { m.capacity = 0; }},
      {"target fpr 0.01 vs 0.001", [](FilterParams&, FilterMetadata& m) { m.target_fpr = 0.001; }},
      // One ulp apart: equal under %g, different to the rule and the fingerprint.
      {"target fpr 0.01", [](FilterParams&, FilterMetadata& m) { m.target_fpr = std::nextafter(0.01, 1.0); }},
  };
  return changes;
}

}  // namespace

TEST_CASE("compatibility: identical parameters are compatible, with one fingerprint", "[compatibility]") {
  const FilterParams p = base_params();
  const FilterMetadata m = base_metadata();
  CHECK(compatibility_differences(p, m, p, m).empty());
  CHECK_NOTHROW(check_compatible(p, m, p, m));
  const std::string fp = merge_fingerprint(p, m);
  CHECK(fp.size() == 16);
  CHECK(fp.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(fp == "a4d01a4c877a3185");  // pinned; recomputed from docs/FORMAT.md's byte list alone (C + libxxhash), 2026-12-04
}

TEST_CASE("compatibility: every field the rule compares changes the fingerprint, and is named", "[compatibility]") {
  const FilterParams p = base_params();
  const FilterMetadata m = base_metadata();
  const std::string fp = merge_fingerprint(p, m);
  for (const Change& c : every_field()) {
    FilterParams q = p;
    FilterMetadata n = m;
    c.apply(q, n);
    INFO(c.named);
    const std::vector<std::string> d = compatibility_differences(p, m, q, n);
    REQUIRE(d.size() == 1);
    CHECK(d[0].find(c.named) == 0);
    CHECK(merge_fingerprint(q, n) != fp);
    CHECK(!compatibility_differences(q, n, p, m).empty());  // symmetric
    try {
      check_compatible(p, m, q, n, "a.bloom", "b.bloom");
      FAIL("check_compatible accepted a difference");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::incompatible);
      CHECK(std::string(e.what()).find("b.bloom is not compatible with a.bloom: " + d[0]) != std::string::npos);
    }
  }
}

TEST_CASE("compatibility: every difference is named at once, in a fixed order", "[compatibility]") {
  const FilterParams p = base_params();
  const FilterMetadata m = base_metadata();
  FilterParams q = p;
  FilterMetadata n = m;
  for (const Change& c : every_field())
    if (std::string(c.named) != "key 'id' vs '#1'" && std::string(c.named) != "key 'id' vs 'id+x'" &&
        std::string(c.named) != "capacity 1000 vs 0" && std::string(c.named) != "target fpr 0.01")
      c.apply(q, n);
  const std::vector<std::string> d = compatibility_differences(p, m, q, n);
  INFO(joined(d));
  CHECK(d.size() == 13);
  try {
    check_compatible(p, m, q, n);
    FAIL("accepted");
  } catch (const Error& e) {
    const std::string what = e.what();
    std::size_t at = 0;
    for (const std::string& x : d) {  // all of them, in order
      const std::size_t found = what.find(x, at);
      CHECK(found != std::string::npos);
      at = found == std::string::npos ? at : found;
    }
  }
}

TEST_CASE("compatibility: what the rule ignores (keys inserted, the bits) changes nothing", "[compatibility]") {
  const FilterParams p = base_params();
  const FilterMetadata m = base_metadata();
  BloomFilter a(p), b(p);
  for (int i = 0; i < 100; ++i) b.insert(hash_key("k" + std::to_string(i), p.seed));
  CHECK(a.keys_inserted() != b.keys_inserted());
  CHECK(compatibility_differences(a.params(), m, b.params(), m).empty());
  CHECK(merge_fingerprint(a.params(), m) == merge_fingerprint(b.params(), m));
}

TEST_CASE("merge_filter applies the whole rule; merge_from checks the parameters", "[compatibility]") {
  const FilterParams p = base_params();
  const FilterMetadata m = base_metadata();
  BloomFilter into(p), from(p);
  from.insert(hash_key("x", p.seed));
  FilterMetadata other_key = m;
  other_key.key.columns = {KeyColumn{"email", 0}};
  // Same parameters, another key spec: bits that mean other keys. merge_from
  // alone cannot tell; merge_filter refuses, and leaves `into` untouched.
  try {
    merge_filter(into, m, from, other_key, "into.bloom", "from.bloom");
    FAIL("merged another key spec");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::incompatible);
    CHECK(std::string(e.what()).find("from.bloom is not compatible with into.bloom: key 'id' vs 'email'") !=
          std::string::npos);
  }
  CHECK(into.keys_inserted() == 0);
  CHECK(!into.may_contain(hash_key("x", p.seed)));
  FilterMetadata other_size = m;
  other_size.capacity = 7;
  CHECK_THROWS_AS(merge_filter(into, m, from, other_size), Error);
  CHECK(into.keys_inserted() == 0);

  merge_filter(into, m, from, m);
  CHECK(into.may_contain(hash_key("x", p.seed)));
  CHECK(into.keys_inserted() == 1);

  FilterParams q = p;
  q.hashes = 6;
  BloomFilter third(q);
  try {
    into.merge_from(third);
    FAIL("merge_from accepted other parameters");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::incompatible);
    CHECK(std::string(e.what()).find("hashes 7 vs 6") != std::string::npos);
  }
}

TEST_CASE("a read-only filter refuses inserts and merges with an error", "[compatibility][filter]") {
  const FilterParams p = base_params();
  BloomFilter owner(p);
  owner.insert(hash_key("a", p.seed));
  const std::vector<std::uint64_t> words(owner.words().begin(), owner.words().end());
  BloomFilter view(p, words, nullptr);
  REQUIRE(!view.writable());
  const KeyHash h = hash_key("b", p.seed);
  const std::vector<KeyHash> batch(3, h);
  for (int which = 0; which < 3; ++which) {
    try {
      if (which == 0) view.insert(h);
      else if (which == 1) view.insert_batch(batch.data(), batch.size());
      else view.merge_from(owner);
      FAIL("a read-only view accepted a write");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::invalid_argument);
      CHECK(std::string(e.what()).find("read-only") != std::string::npos);
    }
  }
  CHECK(view.keys_inserted() == 0);
  CHECK(!view.may_contain(h));
  CHECK(view.may_contain(hash_key("a", p.seed)));
  // An empty batch into a view is refused too: the check is per call, not per key.
  CHECK_THROWS_AS(view.insert_batch(batch.data(), 0), Error);

  // A moved-from filter has no words: refused, not a null write.
  BloomFilter moved = std::move(owner);
  CHECK_THROWS_AS(owner.insert(h), Error);  // NOLINT(bugprone-use-after-move): the point of the test
  moved.insert(h);
  CHECK(moved.may_contain(h));
}
