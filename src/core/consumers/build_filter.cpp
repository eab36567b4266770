// build_filter.cpp: `build` (and `add`) as a pipeline consumer: the workers
// hash each batch's keys (XXH3-128, hash_inline.hpp), the serial step inserts
// them with prefetching (BloomFilter::insert_batch), the reducer being the only
// writer of the bit array. Unordered: inserting is an OR, so the filter's
// bytes do not depend on thread counts, chunk size or scheduling.
#include <atomic>

#include "core/consumers/hash_keys.hpp"
#include "core/io/input_plan.hpp"
#include "core/pipeline/chunk_driver.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom {
namespace detail {
namespace {

class FilterInserter final : public BatchConsumer {
 public:
  FilterInserter(BloomFilter& f, bool count_outer_whitespace)
      : filter_(f), seed_(f.params().seed), count_whitespace_(count_outer_whitespace) {}
  bool ordered() const noexcept override { return false; }
  bool wants_rows() const noexcept override { return false; }
  void parallel(Batch& b) override {
    if (!count_whitespace_) return hash_keys(b, seed_);
    // Keys that start or end with a space or tab: the CLI suggests --trim
    // (a query typed without them misses). Counted in the hashing loop, on
    // bytes it reads anyway (a second pass over a 1 MiB batch cost 2-3% of
    // a -j2 build's CPU); one atomic add per batch.
    const KeyBatch& keys = b.keys;
    KeyHash* out = b.hashes.resize(keys.key_count());
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < keys.key_count(); ++i) {
      const char* k = keys.key_data(i);
      const std::size_t len = keys.key_size(i);
      out[i] = hash_key_inline(k, len, seed_);
      n += (k[0] == ' ') | (k[0] == '\t') | (k[len - 1] == ' ') | (k[len - 1] == '\t');  // keys are never empty
    }
    if (n) outer_whitespace_.fetch_add(n, std::memory_order_relaxed);
  }
  void serial(Batch& b) override { filter_.insert_batch(b.hashes.data(), b.hashes.size()); }
  std::uint64_t outer_whitespace() const noexcept { return outer_whitespace_.load(); }

 private:
  BloomFilter& filter_;
  std::uint64_t seed_;
  bool count_whitespace_;
  std::atomic<std::uint64_t> outer_whitespace_{0};
};

}  // namespace
}  // namespace detail

void check_inputs(const BuildOptions& options) { (void)detail::plan_inputs(options); }

std::vector<std::string> input_warnings(const BuildStats& stats, const KeySpec& key) {
  auto count_of = [](std::uint64_t n, const char* noun) {  // "1 key", "1,234 keys"
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out + " " + noun + (n == 1 ? "" : "s");
  };
  std::vector<std::string> w;
  for (const auto& b : stats.first_bad_rows)
    w.push_back("skipped bad row: " + b.file + ":" + std::to_string(b.line) + ": " + b.what);
  if (stats.bad_rows > stats.first_bad_rows.size())
    w.push_back("... " + count_of(stats.bad_rows, "bad row") + " skipped in all");
  for (const auto& pf : stats.per_file)
    if (pf.rows == 0) w.push_back(pf.path + ": no data rows");
  const std::uint64_t spaced = stats.keys_with_outer_whitespace;
  if (spaced > 0 && !key.normalization.trim)
    w.push_back(count_of(spaced, "key") + (spaced == 1 ? " has" : " have") +
                " leading or trailing spaces; --trim removes them (a query for the trimmed text misses them)");
  return w;
}

BuildStats build_filter(const BuildOptions& options, BloomFilter& filter, BuildProgress* progress) {
  if (!filter.writable()) throw Error(ErrorKind::invalid_argument, "build_filter needs a writable filter");
  // Single-column keys without --trim: a composite key's bytes start with a
  // length, and trimmed keys have no outer whitespace.
  detail::FilterInserter inserter(filter, options.key.column_count() == 1 && !options.key.normalization.trim);
  BuildStats stats = detail::run_pipeline(options, inserter, progress);
  stats.keys_with_outer_whitespace = inserter.outer_whitespace();
  return stats;
}

}  // namespace csvbloom
