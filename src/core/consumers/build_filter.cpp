// build_filter.cpp: `build` (and `add`) as a pipeline consumer: the workers
// hash each batch's keys (XXH3-128, hash_inline.hpp), the serial step inserts
// them with prefetching (BloomFilter::insert_batch), the reducer being the only
// writer of the bit array. Unordered: inserting is an OR, so the filter's
// bytes do not depend on thread counts, chunk size or scheduling.
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
  explicit FilterInserter(BloomFilter& f) : filter_(f), seed_(f.params().seed) {}
  bool ordered() const noexcept override { return false; }
  bool wants_rows() const noexcept override { return false; }
  void parallel(Batch& b) override { hash_keys(b, seed_); }
  void serial(Batch& b) override { filter_.insert_batch(b.hashes.data(), b.hashes.size()); }

 private:
  BloomFilter& filter_;
  std::uint64_t seed_;
};

}  // namespace
}  // namespace detail

void check_inputs(const BuildOptions& options) { (void)detail::plan_inputs(options); }

BuildStats build_filter(const BuildOptions& options, BloomFilter& filter, BuildProgress* progress) {
  if (!filter.writable()) throw Error(ErrorKind::invalid_argument, "build_filter needs a writable filter");
  detail::FilterInserter inserter(filter);
  return detail::run_pipeline(options, inserter, progress);
}

}  // namespace csvbloom
