// build_defaults.hpp: the defaults and heuristics that a build's front ends
// (the CLI's `build`, Python's csvbloom.build) apply before calling the
// library: how many threads, how they split into readers and workers, and the
// filter's size when no --capacity is given.
//
// The library proper takes explicit values (BuildOptions, FilterParams); this
// is front-end policy, kept in one place so that the CLI and Python, which
// must make byte-identical filters from the same arguments, can't drift.
// Argument checks and their wording stay in each front end (`--bits` vs
// `bits:`): these functions assume arguments already validated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "csvbloom/build.hpp"
#include "csvbloom/filter.hpp"

namespace csvbloom::detail {

// 0 (not given): every core the machine has.
unsigned default_threads(unsigned threads_given) noexcept;

// What the pipeline feeds: a filter (build, add) or printed rows (select,
// dedupe), whose default thread split differs (split_threads).
enum class Consumer : std::uint8_t { filter, rows };

// Thread split (measured in bench/RESULTS.md): parsing is ~3/4 of the work,
// so every thread parses; for a filter, hashing needs about half as many; -j1
// hashes in the reader (workers = 0). Rows consumers hash and probe in the
// readers (workers = 0) at any -j: the batch, its keys and its rows are then
// still in the reader's cache. bench/gen medium -j2, 5 alternated runs
// (2026-12-04): select 0.52 -> 0.43 s, dedupe 0.62 -> 0.58 s, against 0.37 s
// for build (0.36 with workers = 0: build keeps its workers). The serial
// step is one more thread. readers 0 and workers < 0 mean "not given".
void split_threads(unsigned threads, unsigned readers_given, int workers_given, Consumer consumer,
                   BuildOptions& opt) noexcept;

// Chunk size (--chunk-size, chunk_size=). For a filter 4 MiB: on bench/gen
// medium at -j2, 1 MiB chunks took 0.44 s and 4 MiB 0.40-0.42 s (fewer
// opens, hand-offs and look-ahead re-reads); 8 MiB no better. For rows 1 MiB:
// every batch in flight holds its chunk's record bytes, so memory is about
// the batch pool times the chunk; dedupe -j2 on medium, 6 rounds each after
// the same preceding commands (2026-12-05): 4 MiB 0.60 s and 130 MiB peak,
// 2 MiB 0.565 s and 93 MiB, 1 MiB 0.56 s and 69 MiB (select 0.415 / 0.405 /
// 0.41 s, 100 / 64 / 40 MiB).
inline constexpr std::uint64_t kFilterChunkBytes = 4u << 20;
inline constexpr std::uint64_t kRowsChunkBytes = 1u << 20;
constexpr std::uint64_t default_chunk_bytes(Consumer consumer) noexcept {
  return consumer == Consumer::rows ? kRowsChunkBytes : kFilterChunkBytes;
}
// BuildOptions::chunk_bytes as a run uses it: 0 is the default for the work.
constexpr std::uint64_t chunk_bytes_for(std::uint64_t given, Consumer consumer) noexcept {
  return given ? given : default_chunk_bytes(consumer);
}

// The first input whose size can't be known before reading it ("-", a FIFO, a
// device), which the size estimate can't use; "" when there is none.
std::string first_unsized_input(const std::vector<std::string>& inputs);

// What the user asked of the filter's size; 0 is "not given".
struct SizingRequest {
  Layout layout{Layout::blocked512};
  std::uint64_t seed{kDefaultSeed};
  std::uint64_t capacity{};  // expected distinct keys; 0: estimated from the inputs
  double fpr{0.01};
  std::uint64_t bits{};      // explicit size instead of capacity/fpr
  std::uint32_t hashes{};    // with bits
};

struct SizingResult {
  FilterParams params;
  std::uint64_t capacity{};   // recorded in the filter's metadata (0 with bits and no capacity)
  double target_fpr{};        // recorded too: 0 with explicit bits
  bool capacity_estimated{};  // counted from the inputs (no capacity given)
};

// Preconditions (the front end's checks): bits => hashes or capacity;
// hashes => bits; no capacity and no bits => first_unsized_input() is "".
// bits are rounded up to the layout's unit (a 512-bit block, or 64); with
// bits and capacity but no hashes, the k of the lowest expected FPR. Without
// capacity it calls check_inputs (unusable inputs are reported before a
// guess is made from them) and estimate_rows. Does not validate the result
// (validate_params).
SizingResult size_for(const SizingRequest& request, const BuildOptions& opt);

}  // namespace csvbloom::detail
