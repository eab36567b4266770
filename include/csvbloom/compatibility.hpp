// csvbloom/compatibility.hpp: the one definition of "these filters are compatible".
//
// Two filters are compatible exactly when every field below is equal:
//   - what decides bit positions: layout, bits, hashes, seed, hash algorithm;
//   - what decides the hashed bytes: the whole key spec (columns, delimiter,
//     quote, header flag, trim, lowercase);
//   - the sizing record: capacity and target FPR (compared bit for bit).
// The sizing record does not change a single bit, but a merged file can carry
// only one capacity and FPR, and `info`, `--stats-json` and the FPR it reports
// would be wrong for a union of filters sized differently (README, Decisions).
// Shards of one dataset are built with the same explicit --capacity/--fpr;
// then a merge is byte-identical to one build over all their inputs.
//
// merge (library and CLI) uses this rule and `info` prints its fingerprint.
// A command that applies an existing filter to new rows (add, select, dedupe:
// "same parameters, same key spec") uses the same rule: it copies the
// filter's FilterParams and FilterMetadata, overwrites the fields its command
// line gave (e.g. --key, --delimiter, --trim), and calls check_compatible;
// fields it did not set are equal by construction, so only what the user
// asked differently is reported. merge_fingerprint() covers exactly the fields
// the rule compares: two filters have the same fingerprint iff they are
// compatible (up to XXH3 collisions).
#pragma once

#include <string>
#include <vector>

#include "csvbloom/filter.hpp"
#include "csvbloom/format.hpp"

namespace csvbloom {

// Every field in which b differs from a, each as "what A vs B" (e.g. "key
// 'email' vs 'id'", "capacity 10000 vs 20000", "trim: no vs yes"), in a fixed
// order. Empty when they are compatible.
std::vector<std::string> compatibility_differences(const FilterParams& a, const FilterMetadata& am,
                                                   const FilterParams& b, const FilterMetadata& bm);

// Throws Error(incompatible, "<b_name> is not compatible with <a_name>: <every
// difference>", file b_name) unless the two are compatible.
void check_compatible(const FilterParams& a, const FilterMetadata& am, const FilterParams& b,
                      const FilterMetadata& bm, const std::string& a_name = "the first filter",
                      const std::string& b_name = "the second filter");

// into |= from after check_compatible (names as there). Throws
// Error(invalid_argument) when `into` is a read-only view (a loaded file:
// copy it first, `BloomFilter copy(f.params()); copy.merge_from(f);`).
void merge_filter(BloomFilter& into, const FilterMetadata& into_metadata, const BloomFilter& from,
                  const FilterMetadata& from_metadata, const std::string& into_name = "the first filter",
                  const std::string& from_name = "the second filter");

// A short, stable fingerprint of exactly the fields the rule compares: 16 hex
// digits (docs/FORMAT.md, "Merging", gives the bytes hashed).
std::string merge_fingerprint(const FilterParams& p, const FilterMetadata& m);

}  // namespace csvbloom
