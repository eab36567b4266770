// src/core/filter/format_detail.hpp: file-format plumbing shared inside the
// library (and with its tests and fuzzers), not part of the public API.
//
// Public (include/csvbloom/format.hpp): what a program needs to save, load and
// inspect a filter file. Here: the pieces that only the writer, the merge
// fingerprint and the format tests use. A caller outside the library that wants
// the bytes of a file writes it with write_filter() to a descriptor of its own.
#pragma once

#include <cstdint>
#include <vector>

#include "csvbloom/filter.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/key_spec.hpp"

namespace csvbloom::detail {

// The complete file image (header, payload, checksum) in memory: the format
// tests' and fuzzer's round trip. write_filter() streams the same bytes.
std::vector<std::uint8_t> serialize_header(const BloomFilter& f, const FilterMetadata& m);

// Appends the key spec as stored in the file (after the fixed prefix, without
// padding); merge_fingerprint() hashes the same bytes. Throws
// Error(invalid_argument) for a key spec that cannot be stored.
void encode_key_spec(std::vector<std::uint8_t>& out, const KeySpec& k);

}  // namespace csvbloom::detail
