// csvbloom/format.hpp: the on-disk filter file (specified in docs/FORMAT.md).
//
// Little-endian throughout: a fixed 64-byte prefix, the key spec, zero padding
// to a multiple of 64 bytes (so the mapped payload is cache-line aligned), the
// bit array, and an 8-byte XXH3-64 checksum of every byte before it. No
// timestamps, host names or other non-determinism: same inputs, same bytes.
// Loading validates every field before trusting it (no allocation or mapping
// larger than the file justifies) and then the checksum; any failure is
// Error(corrupt_filter) saying what was wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "csvbloom/filter.hpp"
#include "csvbloom/key_spec.hpp"

namespace csvbloom {

inline constexpr char kMagic[8] = {'C', 'S', 'V', 'B', 'L', 'O', 'O', 'M'};
inline constexpr std::uint32_t kFormatVersion = 1;

// What the file records besides the bits.
struct FilterMetadata {
  KeySpec key;
  std::uint64_t capacity{0};  // the sizing input; 0 when --bits/--hashes were explicit
  double target_fpr{0.0};     // the sizing input; 0 when explicit
  friend bool operator==(const FilterMetadata&, const FilterMetadata&) = default;
};

struct LoadedFilter {
  BloomFilter filter;
  FilterMetadata metadata;
  std::uint64_t file_bytes{};
};

// Public here: what a program needs to save, load and inspect a filter file.
// The in-memory file image and the key-spec encoder are writer plumbing, in
// csvbloom::detail (src/core/filter/format_detail.hpp); the rule of which
// filters are compatible, and its fingerprint, are in csvbloom/compatibility.hpp.

// Writes the whole file to an open descriptor (streaming the payload, computing
// the checksum on the way). Throws Error(io) on a short write or errno.
void write_filter(int fd, const BloomFilter& f, const FilterMetadata& m, const std::string& path_for_errors);

// Writes the filter file crash-safely: through a temp file in the target's
// directory, renamed over `path` only once complete and synced (a failed or
// killed write leaves an existing file as it was; a replaced file keeps its
// permission bits). Throws Error(io) naming `path`.
void save_filter_atomic(const std::string& path, const BloomFilter& f, const FilterMetadata& m);

// Validates and loads a file image held in memory (copies the bits). Used by
// the fuzzer and by tests; throws Error(corrupt_filter).
LoadedFilter parse_filter(const std::uint8_t* data, std::size_t size, const std::string& name_for_errors);

// Maps `path` read-only and validates it (checksum included unless
// verify_checksum is false). The filter views the mapping (read-only: copy it
// into a new BloomFilter with merge_from to modify). Throws Error(io) when the
// file cannot be opened or is not a regular file, Error(corrupt_filter) for
// everything about its contents (an empty file included).
LoadedFilter load_filter(const std::string& path, bool verify_checksum = true);

}  // namespace csvbloom
