// dedupe_rows.cpp: `dedupe` as a pipeline consumer (csvbloom/rows.hpp).
// Parallel step: hash the batch's keys. Serial step, in input order: for each
// record, probe the filter and insert the key if it was not there; a record
// is kept when its key was new. "First" is first in input order because the
// serial step sees batches in input order (the driver's ordered mode): the
// output is the same bytes for any thread count. Kept records are written as
// runs of the batch's record bytes (records are back to back there), with
// no copy.
#include <memory>

#include "core/consumers/hash_keys.hpp"
#include "core/consumers/row_output.hpp"
#include "core/pipeline/chunk_driver.hpp"
#include "csvbloom/math.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom {
namespace detail {
namespace {

class Deduplicator final : public BatchConsumer {
 public:
  Deduplicator(BloomFilter& f, RowSink* sink, bool has_header)
      : filter_(f), seed_(f.params().seed), sink_(sink), header_(sink, has_header) {}
  bool ordered() const noexcept override { return true; }
  bool wants_rows() const noexcept override { return true; }
  void parallel(Batch& b) override { hash_keys(b, seed_); }

  void serial(Batch& b) override {
    header_.on_batch(b);
    const KeyBatch& keys = b.keys;
    const KeyHash* h = b.hashes.data();
    const std::size_t n = keys.key_count();
    std::size_t run_begin = 0, run_end = 0;  // a run of kept records [run_begin, run_end)
    auto flush = [&] {
      if (sink_ && run_end > run_begin) sink_->write_lent(row_run(keys, run_begin, run_end));
    };
    if (n > new_capacity_) {
      was_new_.reset(new bool[n]);
      new_capacity_ = n;
    }
    // Runs of non-empty keys through the filter; an empty key is no key: kept,
    // never inserted (as build never inserts one).
    for (std::size_t i = 0; i < n;) {
      std::size_t e = i;
      while (e < n && keys.key_size(e) != 0) ++e;
      if (e > i) filter_.insert_new_batch(h + i, e - i, was_new_.get() + i);
      if (e < n) was_new_[e] = true;
      i = e + 1;
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!was_new_[i]) {
        flush();
        run_begin = run_end = i + 1;
        ++dropped_;
        continue;
      }
      ++written_;
      run_end = i + 1;
    }
    flush();
    // Only an input's last record can lack a line end, and an ordered batch
    // is one chunk (or window) of one input, so only the batch's last row
    // needs the check. (Checking every kept row read a byte of each from the
    // row arena, which another core wrote: most of this loop's cost, 6.5% of
    // dedupe -j2's samples, perf 2026-12-04.)
    if (sink_ && n && was_new_[n - 1] && !ends_line({keys.row_data(n - 1), keys.row_size(n - 1)})) sink_->write("\n");
    if (sink_) sink_->end_batch();
  }

  std::uint64_t written() const noexcept { return written_; }
  std::uint64_t dropped() const noexcept { return dropped_; }

 private:
  BloomFilter& filter_;
  std::uint64_t seed_;
  RowSink* sink_;
  HeaderGate header_;
  std::uint64_t written_{0}, dropped_{0};
  std::unique_ptr<bool[]> was_new_;
  std::size_t new_capacity_{0};
};

// Σ over the keys inserted of the FPR the filter had when each was tested:
// Simpson's rule over the expected-FPR curve (smooth and increasing), exact
// enough for a figure reported to two digits.
double expected_false_drops(const BloomFilter& f, double start_keys, double inserted) {
  if (inserted <= 0) return 0;
  const auto& p = f.params();
  auto fpr = [&](double k) { return expected_fpr(p.layout, k, static_cast<double>(p.bits), p.hashes); };
  constexpr int kSteps = 64;
  const double step = inserted / kSteps;
  double sum = fpr(start_keys) + fpr(start_keys + inserted);
  for (int i = 1; i < kSteps; ++i) sum += (i % 2 ? 4 : 2) * fpr(start_keys + i * step);
  return sum * step / 3;
}

}  // namespace
}  // namespace detail

RowStats dedupe_rows(const BuildOptions& options, BloomFilter& seen, RowSink* sink, BuildProgress* progress) {
  if (!seen.writable()) throw Error(ErrorKind::invalid_argument, "dedupe_rows needs a writable filter");
  // Keys already in `seen`, as the fill says (it may come from a saved run).
  const double start_keys = seen.keys_inserted() ? seen.fill_stats().estimated_distinct : 0.0;
  const std::uint64_t inserted_before = seen.keys_inserted();
  detail::Deduplicator dedupe(seen, sink, options.key.dialect.has_header);
  RowStats stats;
  stats.input = detail::run_pipeline(options, dedupe, progress);
  stats.rows_written = dedupe.written();
  stats.rows_dropped = dedupe.dropped();
  stats.expected_false_drops =
      detail::expected_false_drops(seen, start_keys, static_cast<double>(seen.keys_inserted() - inserted_before));
  return stats;
}

}  // namespace csvbloom
