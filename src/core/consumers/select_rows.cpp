// select_rows.cpp: `select` as a pipeline consumer (csvbloom/rows.hpp).
// Parallel step: hash the batch's keys, probe the read-only filter in bulk
// (contains_batch prefetches), and note the chosen records as runs of
// adjacent rows; serial step, in input order: write each run straight from
// the batch's row arena (no copy: when most rows are chosen, a batch is one
// write). The filter is only read, so the workers share it without locks.
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
    std::size_t first = 0;
    bool open = false;  // a run [first, i) is open
    for (std::size_t i = 0; i < n; ++i) {
      const bool member = hits[i] && keys.key_size(i) != 0;  // an empty key is never a member
      if (member == absent_) {
        if (open) b.runs.push_back({first, i, false});
        open = false;
        continue;
      }
      ++chosen;
      if (!sink_) continue;
      if (!open) first = i;
      open = true;
      if (!ends_line({keys.row_data(i), keys.row_size(i)})) {  // a last record without a line end
        b.runs.push_back({first, i + 1, true});
        open = false;
      }
    }
    if (open) b.runs.push_back({first, n, false});
    b.tally = chosen;
  }

  void serial(Batch& b) override {
    header_.on_batch(b);
    written_ += b.tally;
    total_ += b.keys.key_count();
    if (!sink_) return;
    for (const Batch::RowRun& r : b.runs) {
      sink_->write_lent(row_run(b.keys, r.first, r.end));
      if (r.newline) sink_->write("\n");
    }
    sink_->end_batch();
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
