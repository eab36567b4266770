// select_rows.cpp: `select` as a pipeline consumer (csvbloom/rows.hpp).
// Parallel step: hash the batch's keys, probe the read-only filter in bulk
// (contains_batch prefetches), and copy the chosen records into the batch's
// output; serial step, in input order: write it. The filter is only read, so
// the workers share it without locks.
#include <memory>

#include "core/consumers/hash_keys.hpp"
#include "core/consumers/row_output.hpp"
#include "core/pipeline/chunk_driver.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom {
namespace detail {
namespace {

class RowSelector final : public BatchConsumer {
 public:
  RowSelector(const BloomFilter& f, SelectMode mode, RowSink* sink, bool has_header)
      : filter_(f), seed_(f.params().seed), absent_(mode == SelectMode::absent), sink_(sink),
        header_(sink, has_header) {}
  bool ordered() const noexcept override { return true; }
  bool wants_rows() const noexcept override { return true; }

  void parallel(Batch& b) override {
    const KeyBatch& keys = b.keys;
    const std::size_t n = keys.key_count();
    hash_keys(b, seed_);
    thread_local std::unique_ptr<bool[]> hits;
    thread_local std::size_t hits_capacity = 0;
    if (n > hits_capacity) {
      hits.reset(new bool[n]);
      hits_capacity = n;
    }
    filter_.contains_batch(b.hashes.data(), n, hits.get());
    std::uint64_t chosen = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const bool member = hits[i] && keys.key_size(i) != 0;  // an empty key is never a member
      if (member == absent_) continue;
      ++chosen;
      if (sink_) append_row_to(b.out, keys, i);
    }
    b.tally = chosen;
  }

  void serial(Batch& b) override {
    header_.on_batch(b);
    written_ += b.tally;
    total_ += b.keys.key_count();
    if (sink_ && !b.out.empty()) sink_->write(b.out);
  }

  std::uint64_t written() const noexcept { return written_; }
  std::uint64_t total() const noexcept { return total_; }

 private:
  const BloomFilter& filter_;
  std::uint64_t seed_;
  bool absent_;
  RowSink* sink_;
  HeaderGate header_;
  std::uint64_t written_{0}, total_{0};
};

}  // namespace
}  // namespace detail

RowStats select_rows(const BuildOptions& options, const BloomFilter& filter, std::uint32_t filter_key_columns,
                     SelectMode mode, RowSink* sink, BuildProgress* progress) {
  if (options.key.column_count() != filter_key_columns)
    throw Error(ErrorKind::invalid_argument,
                "the filter's key has " + std::to_string(filter_key_columns) + " column" +
                    (filter_key_columns == 1 ? "" : "s") + ", --key gives " +
                    std::to_string(options.key.column_count()));
  detail::RowSelector selector(filter, mode, sink, options.key.dialect.has_header);
  RowStats stats;
  stats.input = detail::run_pipeline(options, selector, progress);
  stats.rows_written = selector.written();
  stats.rows_dropped = selector.total() - selector.written();
  return stats;
}

}  // namespace csvbloom
