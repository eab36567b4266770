// batch_consumer.hpp: what a command does at the pipeline's end.
//
// The chunk driver (chunk_driver.hpp) finds records and keys, the same way for
// every command; a BatchConsumer decides what happens to them, in two steps
// (ripgrep's searcher and Sink, split for threads):
//  - parallel(): per batch, on any worker thread, concurrently: the costly,
//    independent work (hashing keys, probing a read-only filter, formatting
//    the rows to print);
//  - serial(): per batch, on one thread at a time: what needs one writer
//    (inserting into the filter, printing). With ordered(), serial() sees the
//    batches in input order: chunk by chunk, and a stream's parts in order;
//    every chunk delivers at least one batch, the last marked `last`.
// build's consumer hashes and inserts (unordered: a Bloom filter is an OR);
// select probes in parallel and prints in order; dedupe hashes in parallel
// and decides "first occurrence" serially, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/io/input_plan.hpp"
#include "core/pipeline/batches.hpp"

namespace csvbloom::detail {

// The unit that travels from a reader through the workers to the serial
// step: one chunk's records (or several small files' keys, unordered), their
// hashes, and room for the consumer's own per-batch output. Ordered, a batch
// holds records of one input, so only its last record can lack a line end
// (the input's last, at its end of data).
struct Batch {
  KeyBatch keys;
  HashBatch hashes;
  // The consumer's per-batch output: runs of rows to print (rows [first, end)
  // of `keys`, back to back in its row arena; `newline`: the last one has no
  // line end, so '\n' follows), written from the batch itself, not copied.
  struct RowRun {
    std::size_t first, end;
    bool newline;
  };
  std::vector<RowRun> runs;
  std::uint64_t tally{};  // the consumer's per-batch count (rows selected)
  // Where the batch comes from (ordered mode): chunk `chunk` (in input order),
  // part `part` of it; `last`: no more batches of this chunk follow.
  std::size_t chunk{0};
  std::uint32_t part{0};
  bool last{false};
  const InputFile* file{nullptr};  // the input of `chunk` (ordered mode)
  void clear() noexcept {
    keys.clear();
    hashes.clear();
    runs.clear();
    tally = 0;
    part = 0;
    last = false;
    file = nullptr;
  }
};

class BatchConsumer {
 public:
  virtual ~BatchConsumer() = default;
  // Serial steps in input order (and one batch per chunk at least).
  virtual bool ordered() const noexcept = 0;
  // Batches carry every record's bytes and one key per record (empty keys as
  // zero-length keys).
  virtual bool wants_rows() const noexcept = 0;
  virtual void parallel(Batch& b) = 0;
  virtual void serial(Batch& b) = 0;
};

}  // namespace csvbloom::detail
