// chunk_driver.hpp: the pipeline's driver, shared by every command.
//
//   readers ──Batch──▶ work queue ──▶ workers ──Batch──▶ serial queue ──▶ serial thread
//      ▲              (MPMC)      consumer.parallel()    (MPMC)        consumer.serial()
//      └──────────────────────────────── batch pool ◀─────────────────────────┘
//
// - Work is split into chunks (options.chunk_bytes of one file), handed out
//   in input order by one atomic counter, so a single huge file is parsed by
//   every reader and 10,000 tiny files cost one counter increment each, not a
//   thread each. A stream (stdin, a FIFO, a .gz or .zst file) is one chunk
//   whose reader decodes it into windows of chunk_bytes that every reader
//   parses as chunks (core/io/decoded_stream.hpp).
// - A reader turns one chunk into one Batch through read_records
//   (record_reader.hpp); chunk_ledger.hpp explains how neighbouring chunks
//   agree on record boundaries before a chunk's records are released.
// - What happens to the records is the BatchConsumer's (batch_consumer.hpp):
//   a parallel step on the workers, a serial step on one thread. Unordered
//   (build), the serial step takes batches as they come, and the keys of small
//   files share a batch. Ordered (select, dedupe), every chunk delivers its
//   own batches, marked with the chunk and part, and the serial thread puts
//   them back in input order in a reorder buffer.
// - Memory: batches come from one fixed pool, so memory is the consumer's
//   state plus pool x (one chunk's records) plus readers x (window), whatever
//   the input size, plus (readers + 2) windows per stream being decoded.
//   Ordered, the reorder buffer holds at most the pool; the
//   waits that keep it from deadlocking are in chunk_driver.cpp (Ordering).
// - Errors: a chunk's bad rows become real only when its start is verified.
//   Under OnError::fail the first failing chunk (in input order) stops the
//   chunks after it; the chunks before it still finish, so the error reported
//   is always the first bad row of the input, whatever the thread count. An
//   exception from the consumer's serial step fails its chunk the same way.
#pragma once

#include "core/pipeline/batch_consumer.hpp"
#include "csvbloom/build.hpp"

namespace csvbloom::detail {

// Runs the pipeline over options.inputs, feeding `consumer`; returns the
// parse statistics (rows, bytes, bad rows, empty keys; keys_inserted counts
// the non-empty keys delivered). Throws the first error in input order.
BuildStats run_pipeline(const BuildOptions& options, BatchConsumer& consumer, BuildProgress* progress);

}  // namespace csvbloom::detail
