// tests/unit/test_insert_new_batch.cpp: BloomFilter::insert_new_batch, the
// test-and-insert that dedupe's serial step runs: equal to may_contain then
// insert, key by key in order, for both layouts; a key repeated within a
// batch is new once; a read-only filter refuses it.
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <vector>

#include "csvbloom/error.hpp"
#include "csvbloom/filter.hpp"
#include "csvbloom/hash.hpp"

using namespace csvbloom;

TEST_CASE("insert_new_batch equals may_contain then insert, in order", "[filter]") {
  // Every k from 1 to 16 (the unrolled probe loops, 3-14) and 20 (the generic one).
  for (std::uint32_t k : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u, 16u, 20u})
  for (Layout layout : {Layout::blocked512, Layout::classic}) {
    INFO("k = " << k);
    FilterParams p;
    p.layout = layout;
    p.bits = 512 * 64;  // small: plenty of false positives to disagree on
    p.hashes = k;
    BloomFilter batched(p), single(p);
    std::mt19937_64 rng(7);
    std::vector<KeyHash> keys;
    for (int i = 0; i < 5000; ++i) {
      const std::uint64_t v = rng() % 3000;  // repeats, within and across batches
      keys.push_back(hash_key(std::string_view(reinterpret_cast<const char*>(&v), sizeof v), p.seed));
    }
    std::unique_ptr<bool[]> was_new(new bool[keys.size()]);
    std::size_t added = 0;
    for (std::size_t b = 0; b < keys.size(); b += 777) {
      const std::size_t n = std::min<std::size_t>(777, keys.size() - b);
      added += batched.insert_new_batch(keys.data() + b, n, was_new.get() + b);
    }
    std::size_t expected_added = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const bool fresh = !single.may_contain(keys[i]);
      if (fresh) single.insert(keys[i]), ++expected_added;
      REQUIRE(was_new[i] == fresh);
    }
    REQUIRE(added == expected_added);
    REQUIRE(batched.keys_inserted() == expected_added);
    REQUIRE(std::equal(batched.words().begin(), batched.words().end(), single.words().begin()));
    // The same key twice in one batch: new the first time only.
    BloomFilter fresh_filter(p);
    const KeyHash twice[2] = {keys[0], keys[0]};
    bool out[2];
    REQUIRE(fresh_filter.insert_new_batch(twice, 2, out) == 1);
    REQUIRE(out[0]);
    REQUIRE_FALSE(out[1]);
  }
}

TEST_CASE("insert_new_batch refuses a read-only filter", "[filter]") {
  FilterParams p;
  p.bits = 512;
  p.hashes = 3;
  std::vector<std::uint64_t> words(p.bits / 64, 0);
  BloomFilter view(p, words, nullptr);
  const KeyHash h = hash_key("x", p.seed);
  bool out[1];
  REQUIRE_THROWS_AS(view.insert_new_batch(&h, 1, out), Error);
}
