// chunk_driver.cpp: run_pipeline, the driver (chunk_driver.hpp).
//
// Ordering (ordered consumers). The serial thread handles chunk h (the
// "head") and holds later chunks' batches in a reorder buffer; every batch
// comes from one pool of P. Waits keep the head from ever waiting for a
// batch held by a later chunk (L = P - readers - 1):
//  - a reader that claimed chunk g waits until g < head + L1 before parsing
//    it, so later chunks hold at most L1 - 1 batches (one each);
//  - a stream's windows (decoded_stream.hpp) are the parts of its chunk, one
//    batch each: window j is claimed only once the stream is the head and j
//    is less than L2 ahead of the part the serial step waits for, so they
//    hold at most L2 - 1 batches beyond it. L1 + L2 = L (L1 = L and no
//    windows when no input can be a stream).
// With at most readers - 1 batches in other readers' hands, one is always
// free or on its way back for the head; and a reader takes its batch before
// it claims a chunk or a window, so the head's first batch is never waited for.
//
// Decoded windows. The reader that claims a stream decodes it into windows
// of the chunk size, a bounded number kept (readers + 2); it parses the
// window it just decoded itself unless a reader with nothing else to do (a
// helper) can, and parses windows whenever all are kept; every reader takes
// claimable windows before new chunks. Window j is parsed like a file chunk (a guessed start, the
// commit hand-off of chunk_ledger.hpp in a per-stream ledger, parking and
// cascade), so the records and errors are the plain file's whatever the split.
// Windows complete in order; a window frees its bytes once it and all before
// it are settled. Ordered, exactly one part of a stream is its last: the
// empty terminal window's, or the first abandoned window's.
#include "core/pipeline/chunk_driver.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "core/csv/byte_scan.hpp"
#include "core/csv/record_splitter.hpp"
#include "core/csv/simd_kernels.hpp"
#include "core/common/build_defaults.hpp"
#include "core/io/decoded_stream.hpp"
#include "core/io/input_plan.hpp"
#include "core/io/input_window.hpp"
#include "core/pipeline/batch_queue.hpp"
#include "core/pipeline/chunk_ledger.hpp"
#include "core/pipeline/record_reader.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::detail {
namespace {

// Unordered, the keys of several small chunks (small files) share a batch up
// to this size: each hand-off can wake a sleeping worker or reducer (a futex
// wake and a context switch). bench/gen many -j2, hyperfine 30 runs: 64 KiB
// 100.9-103.1 ms, 256 KiB 95.0-97.3, 1 MiB 102.8.
constexpr std::size_t kMinBatchBytes = 256u << 10;

struct Chunk {
  std::uint32_t file;
  std::uint32_t index;  // within the file
  std::uint64_t begin, end;
};

struct StreamRun;

// A chunk parsed from its guessed first record start, waiting for the
// commit hand-off.
struct ParsedChunk {
  std::size_t g{0};
  std::uint64_t guess{0}, end{0};
  std::size_t mark{0};  // batch checkpoint before the chunk's keys
  ChunkResult res;
  Batch* batch{nullptr};
  // A decoded window of a stream (process_window): which, its bytes, and
  // what its parse left for the in-order completion.
  StreamRun* stream{nullptr};
  std::size_t window{0};
  std::uint64_t begin{0}, wend{0}, raw_end{0};
  bool skip{false}, terminal{false};
  std::exception_ptr error, window_error;
};

// The driver's side of a stream decoded into windows (decoded_stream.hpp):
// window j is parsed like a file's chunk j, with the same guess and commit
// hand-off (chunk_ledger.hpp), in a ledger that grows as windows appear.
struct WindowState {
  static constexpr std::uint32_t kPending = 0, kReady = 1, kAbandoned = 2;
  static constexpr std::uint8_t kNone = 0, kParked = 1, kCommitted = 2;
  std::atomic<std::uint32_t> commit{kPending};
  std::uint64_t end{0};
  std::atomic<std::uint8_t> handoff{kNone};
  std::unique_ptr<ParsedChunk> parked;
};

struct StreamRun {
  // Window states in blocks, allocated as windows are claimed (a block
  // ahead, so that the window after a claimed one always has its state):
  // 16M windows (16 TiB at the default 4 MiB chunks) for 32 KiB of table,
  // freed with the blocks once the stream is done (a glob of 10,000 small
  // .gz files must not keep 10,000 tables).
  static constexpr std::size_t kBlock = 4096, kBlocks = 4096;
  std::size_t g{0};
  std::uint32_t file{0};
  std::string name;
  InputFile view;  // the input as planned, read as a stream
  std::unique_ptr<DecodedStream> chain;
  std::vector<std::unique_ptr<WindowState[]>> blocks = std::vector<std::unique_ptr<WindowState[]>>(kBlocks);
  std::size_t next_claim{0};  // under the driver's sched_mu_
  std::atomic<bool> stop{false};
  std::atomic<bool> last_delivered{false};  // ordered: its last part was sent
  std::atomic<std::size_t> inflight{0};      // readers in process_window for it (claimed under sched_mu_)
  std::atomic<bool> finished{false};         // its terminal window is complete
  std::uint64_t raw_reported{0};             // touched in window order only
  WindowState& state(std::size_t j) { return blocks[j / kBlock][j % kBlock]; }
  void prepare(std::size_t j) {  // under sched_mu_
    for (std::size_t b = j / kBlock; b <= (j + 1) / kBlock; ++b) {
      if (b >= kBlocks) throw Error(ErrorKind::invalid_argument, "too many windows: use a larger --chunk-size", name);
      if (!blocks[b]) blocks[b] = std::make_unique<WindowState[]>(kBlock);
    }
  }
};

std::uint64_t count_newlines(const char* p, std::size_t n) { return count_quotes_newlines_fast(p, n, '"').newlines; }

// The first record start at or after `begin` (> 0) by the parity rule,
// scanning from the byte before it (a record may start right at begin), from
// a guess of the quote state there (chunk_ledger.hpp); the window holds
// `begin - 1` and is extended as far as the scan needs. A file chunk's and a
// decoded window's guess alike.
std::uint64_t guess_record_start(InputWindow& w, std::uint64_t begin, char delimiter, char quote) {
  const bool inside_at_begin =
      guess_in_quotes(w.at(begin), w.at(std::min(begin + kLookahead, w.end_offset())), delimiter, quote);
  bool in_quotes = inside_at_begin != (*w.at(begin - 1) == quote);
  std::uint64_t q = begin - 1;
  for (;;) {
    if (const char* hit = find_parity_boundary(w.at(q), w.end(), in_quotes, quote))
      return q + static_cast<std::uint64_t>(hit - w.at(q));
    q = w.end_offset();
    if (!w.extend(kLookahead)) return q;
  }
}

class ChunkDriver {
 public:
  ChunkDriver(const BuildOptions& o, BatchConsumer& c, BuildProgress* p)
      : opt_(o), consumer_(c), progress_(p), files_(plan_inputs(o, /*defer_small_files=*/true)),
        readers_(std::max(1u, o.readers)), workers_(o.workers), ordered_(c.ordered()), rows_(c.wants_rows()),
        pool_(pool_size()), work_queue_(readers_, std::max(1u, workers_)),
        serial_queue_(workers_ ? workers_ : readers_, 1) {
    lookahead_ = pool_size() - readers_ - 1;
    plan_chunks();
    streams_unfinished_ = std::count_if(files_.begin(), files_.end(), [](const InputFile& in) { return in.stream; });
    if (has_streams_ && ordered_) {  // chunks and a head stream's windows share the look-ahead (Ordering)
      const std::size_t l = lookahead_;
      lookahead_ = (l + 1) / 2;
      window_lookahead_ = l - lookahead_;
    }
    handoffs_ = std::make_unique<Handoff[]>(chunks_.size());
  }

  BuildStats run();

 private:
  std::size_t pool_size() const {
    // Ordered, the reorder buffer holds batches too: twice the unordered pool.
    const std::size_t base = 2 * (readers_ + workers_) * (ordered_ ? 2 : 1);
    const std::size_t n = opt_.queue_batches ? opt_.queue_batches : base;
    return std::max<std::size_t>(n, readers_ + (ordered_ ? 3 : 1));  // each reader holds one while parsing
  }
  void plan_chunks();
  void reader_main();
  void worker_main();
  void serial_main();
  Batch* take_batch() {
    Batch* b = pool_.take();
    b->keys.keep_rows(rows_);
    return b;
  }
  // A file chunk in two steps: parse (read, guess the first record start,
  // parse from there) and complete (the commit hand-off: check the guess,
  // re-parse if it was wrong, release the records, commit). parse_file_chunk
  // returns nothing when the chunk was abandoned.
  std::optional<ParsedChunk> parse_file_chunk(std::size_t g, Batch*& batch, InputWindow& w);
  void complete_file_chunk(ParsedChunk& pc, InputWindow& w);
  void complete_guarded(ParsedChunk& pc, InputWindow& w);
  // Parks a parsed chunk whose predecessor has not committed (false: not
  // parked, pc is intact and the caller completes it).
  bool park(ParsedChunk&& pc, Batch*& batch);
  // After commit g is published: completes the parked chunks it unblocks.
  void cascade(std::size_t g, InputWindow& w);
  void release_parked(Batch* batch);
  // The two whole-file chunks: a stream, decoded by the reader that claims
  // it into windows that every reader parses; and a small file whose header
  // planning was left to its reader.
  void process_stream(std::size_t g, Batch*& batch, InputWindow& w);
  // Decoded windows (decoded_stream.hpp): a reader that claims a stream
  // decodes it (process_stream); every reader parses its windows.
  // Claims and parses a claimable window, `own`'s first (its bytes are the
  // likeliest to be in this core's cache), then any active stream's.
  bool try_window(Batch*& batch, InputWindow& w, StreamRun* own = nullptr);
  void process_window(StreamRun& s, std::size_t j, Batch*& batch, InputWindow& w);
  // After its terminal window completed: nobody touches its states again.
  static void free_stream_states(StreamRun& s) { std::vector<std::unique_ptr<WindowState[]>>().swap(s.blocks); }
  bool park_window(ParsedChunk&& pc, Batch*& batch);
  void complete_window(ParsedChunk& pc, InputWindow& w);
  void complete_window_guarded(ParsedChunk& pc, InputWindow& w);
  void cascade_window(StreamRun& s, std::size_t j, InputWindow& w);
  void deliver_window(StreamRun& s, std::size_t j, Batch*& batch, bool last);
  void stream_done();
  std::uint64_t sched_epoch() {
    std::lock_guard lock(sched_mu_);
    return sched_epoch_;
  }
  void notify_sched() {
    {
      std::lock_guard lock(sched_mu_);
      ++sched_epoch_;
    }
    sched_cv_.notify_all();
  }
  void wait_sched(std::uint64_t epoch) {
    std::unique_lock lock(sched_mu_);
    sched_cv_.wait(lock, [&] { return sched_epoch_ != epoch; });
  }
  void process_small_file(std::size_t g, Batch*& batch, InputWindow& w, HeaderMemo& memo);
  // Hands a chunk's records on. Unordered: once the batch holds
  // kMinBatchBytes (or at the end: `flush`). Ordered: its last (only) batch. A batch sent on is replaced from the pool, or
  // with nullptr when !replace (a chunk completed for another reader must not
  // wait for the pool: the batches it would wait for may be parked behind it).
  void release(Batch*& batch, std::size_t g, bool last, bool flush = false, bool replace = true);
  void dispatch(Batch*& batch, bool replace);
  // Ordered: the chunk's last batch, once (an abandoned chunk sends an empty one).
  void deliver_last(std::size_t g, Batch*& batch);
  void wait_for_head(std::size_t until) {
    for (std::size_t h = head_.load(std::memory_order_acquire); h < until; h = head_.load(std::memory_order_acquire))
      head_.wait(h, std::memory_order_acquire);
  }
  void finish_chunk(std::size_t g, const InputFile& in, ChunkResult& res, std::uint64_t bytes,
                    std::uint64_t raw_bytes);
  std::uint64_t newlines_before(std::uint32_t f, std::uint64_t offset);
  bool stopped(std::size_t g) const {
    return g > stop_after_.load(std::memory_order_acquire) ||
           (opt_.cancel && opt_.cancel->load(std::memory_order_relaxed));
  }
  // sub: the window of a stream (failures in input order: chunk, then window).
  void fail(std::size_t g, std::exception_ptr e, std::size_t sub = 0);
  void fail_on_bad_rows(std::size_t g, const InputFile& in, const ChunkResult& res, const std::string& name);

  const BuildOptions& opt_;
  BatchConsumer& consumer_;
  BuildProgress* progress_;
  std::vector<InputFile> files_;
  const bool deferred_any_{
      std::any_of(files_.begin(), files_.end(), [](const InputFile& in) { return in.header_pending; })};
  // Streams, or small files that may turn out compressed: the window path.
  const bool has_streams_{deferred_any_ ||
                          std::any_of(files_.begin(), files_.end(), [](const InputFile& in) { return in.stream; })};
  unsigned readers_, workers_;
  const bool ordered_, rows_;
  // One reader and no workers (-j1): no threads at all; the reader runs both
  // consumer steps on its own batches, so -j1 really uses one core.
  const bool single_thread_{readers_ == 1 && workers_ == 0};
  std::vector<Chunk> chunks_;
  std::vector<std::unique_ptr<ChunkLedger>> ledgers_;
  struct LineMark {
    std::uint64_t offset, newlines;  // newlines_before(f, offset) == newlines
  };
  std::vector<LineMark> line_marks_;  // per file; see newlines_before
  // Per chunk: a parsed chunk parked until the chunk before it commits.
  struct Handoff {
    static constexpr std::uint8_t kNone = 0, kParked = 1, kCommitted = 2;
    std::atomic<std::uint8_t> state{kNone};
    std::atomic<bool> delivered{false};  // ordered: its last batch was sent
    std::uint32_t parts{0};              // ordered: batches sent so far (its reader's)
    std::unique_ptr<ParsedChunk> parked;
  };
  std::unique_ptr<Handoff[]> handoffs_;
  BatchPool<Batch> pool_;
  BatchQueue<Batch> work_queue_;
  BatchQueue<Batch> serial_queue_;
  std::atomic<std::size_t> next_chunk_{0};
  std::atomic<std::size_t> stop_after_{SIZE_MAX};
  std::atomic<std::size_t> head_{0};  // ordered: the chunk the serial step waits for
  std::size_t lookahead_{0};
  std::size_t window_lookahead_{0};               // ordered: see Ordering
  std::atomic<std::size_t> head_part_{0};         // ordered: the part of the head the serial step waits for

  // Decoded windows: the streams being decoded and parsed. sched_mu_ is taken
  // once per window (4 MiB by default), never per record.
  std::mutex sched_mu_;
  std::condition_variable sched_cv_;
  std::uint64_t sched_epoch_{0};                  // bumped on every change a waiting reader may act on
  std::vector<std::unique_ptr<StreamRun>> streams_;
  // Kept: what the streams decoding at once (one per reader) keep in flight.
  WindowBufferPool window_buffers_{static_cast<std::size_t>(readers_) * (readers_ + 2)};
  std::vector<StreamRun*> active_;                // streams whose windows may be claimed
  std::atomic<std::size_t> active_count_{0};
  std::atomic<std::ptrdiff_t> streams_unfinished_{0};
  // Readers that have only windows left to do (no chunk to claim, or waiting
  // for the head): while there are any, a decoder leaves its windows to them.
  std::atomic<unsigned> helpers_{0};
  struct Helping {
    std::atomic<unsigned>& n;
    explicit Helping(std::atomic<unsigned>& c) : n(c) { n.fetch_add(1, std::memory_order_acq_rel); }
    ~Helping() { n.fetch_sub(1, std::memory_order_acq_rel); }
    Helping(const Helping&) = delete;
    Helping& operator=(const Helping&) = delete;
  };

  std::mutex mu_;  // guards what follows; taken once per chunk
  BuildStats stats_;
  std::vector<std::pair<std::size_t, BadRow>> bad_rows_;  // (chunk, row), sorted at the end
  struct Failure {
    std::size_t g, sub;
    std::exception_ptr e;
  };
  std::optional<Failure> failure_;
};

void ChunkDriver::plan_chunks() {
  const std::uint64_t step = std::max<std::uint64_t>(opt_.chunk_bytes, 16);  // tiny chunks: tests only
  ledgers_.resize(files_.size());
  chunks_.reserve(files_.size());
  line_marks_.reserve(files_.size());
  stats_.per_file.resize(files_.size());
  for (std::uint32_t f = 0; f < files_.size(); ++f) {
    const InputFile& in = files_[f];
    stats_.per_file[f].path = in.path == "-" ? "<stdin>" : in.path;
    std::uint32_t n = 0;
    if (in.stream || in.header_pending) {
      chunks_.push_back({f, n++, 0, in.size});
    } else {
      for (std::uint64_t b = in.data_start; b < in.size; b += step)
        chunks_.push_back({f, n++, b, std::min(in.size, b + step)});
    }
    const bool no_data = n == 0;
    // Ordered, every input has a chunk, if an empty one, so that the serial
    // step sees every input (its header) in order.
    if (no_data && ordered_) chunks_.push_back({f, n++, in.data_start, in.data_start});
    ledgers_[f] = std::make_unique<ChunkLedger>(n);
    line_marks_.push_back({in.data_start, 0});
    if (n == 0) {  // empty, BOM or header only: no chunk will count its bytes
      stats_.bytes += in.size;
      stats_.bytes_on_disk += in.size;
      stats_.per_file[f].bytes += in.size;
    }
    if (progress_) {
      progress_->bytes_total.fetch_add(in.size, std::memory_order_relaxed);
      if (n == 0) {
        progress_->files_done.fetch_add(1, std::memory_order_relaxed);
        progress_->bytes_done.fetch_add(in.size, std::memory_order_relaxed);
      }
    }
  }
  if (progress_) progress_->files_total.store(files_.size(), std::memory_order_relaxed);
}

std::uint64_t ChunkDriver::newlines_before(std::uint32_t f, std::uint64_t offset) {
  LineMark& mark = line_marks_[f];
  if (offset > mark.offset) {
    mark.newlines += count_file_newlines(files_[f], mark.offset, offset, opt_.key.dialect.quote);
    mark.offset = offset;
  }
  return mark.newlines;
}

void ChunkDriver::fail(std::size_t g, std::exception_ptr e, std::size_t sub) {
  std::lock_guard lock(mu_);
  if (!failure_ || g < failure_->g || (g == failure_->g && sub < failure_->sub)) failure_ = Failure{g, sub, e};
  std::size_t cur = stop_after_.load();
  while (g < cur && !stop_after_.compare_exchange_weak(cur, g)) {
  }
}

void ChunkDriver::fail_on_bad_rows(std::size_t g, const InputFile& in, const ChunkResult& res,
                                   const std::string& name) {
  if (opt_.on_error == OnError::fail && res.bad_rows) {
    const auto& b = res.bad.front();
    throw Error(ErrorKind::bad_csv, b.what, name, b.line);
  }
}

void ChunkDriver::dispatch(Batch*& batch, bool replace) {
  if (single_thread_) {  // -j1: one thread runs both steps
    consumer_.parallel(*batch);
    consumer_.serial(*batch);
    batch->clear();
    return;
  }
  if (workers_ == 0) {  // readers run the parallel step themselves
    consumer_.parallel(*batch);
    serial_queue_.push(batch);
  } else {
    work_queue_.push(batch);
  }
  batch = replace ? take_batch() : nullptr;
}

void ChunkDriver::release(Batch*& batch, std::size_t g, bool last, bool flush, bool replace) {
  if (!ordered_) {
    if (batch->keys.empty() || (!flush && batch->keys.bytes() < kMinBatchBytes)) return;
    dispatch(batch, replace);
    return;
  }
  // Ordered, a chunk goes on as one batch, its last (a stream's windows are
  // the parts of its chunk: deliver_window); a batch left over is a parked
  // chunk's that was already delivered or abandoned.
  if (!last) {
    batch->clear();
    return;
  }
  deliver_last(g, batch);
  if (replace && !batch) batch = take_batch();
}

void ChunkDriver::deliver_last(std::size_t g, Batch*& batch) {
  if (handoffs_[g].delivered.exchange(true, std::memory_order_acq_rel)) return;
  if (!batch) batch = take_batch();
  batch->chunk = g;
  batch->part = handoffs_[g].parts++;
  batch->last = true;
  batch->file = &files_[chunks_[g].file];
  dispatch(batch, false);
}

// bytes: CSV bytes parsed (for the stats); raw_bytes: bytes taken from the
// file (compressed bytes for a compressed input), for the progress line.
void ChunkDriver::finish_chunk(std::size_t g, const InputFile& in, ChunkResult& res, std::uint64_t bytes,
                               std::uint64_t raw_bytes) {
  {
    std::lock_guard lock(mu_);
    FileStats& fs = stats_.per_file[chunks_[g].file];
    fs.rows += res.rows;
    fs.bytes += bytes;
    stats_.rows += res.rows;
    stats_.bytes += bytes;
    stats_.bytes_on_disk += raw_bytes;
    stats_.empty_keys += res.empty_keys;
    stats_.bad_rows += res.bad_rows;
    for (auto& b : res.bad) bad_rows_.push_back({g, BadRow{in.path, b.line, b.what}});
  }
  if (progress_) {
    progress_->bytes_done.fetch_add(raw_bytes, std::memory_order_relaxed);
    progress_->rows_done.fetch_add(res.rows, std::memory_order_relaxed);
  }
}

std::optional<ParsedChunk> ChunkDriver::parse_file_chunk(std::size_t g, Batch*& batch, InputWindow& w) {
  const Chunk& ch = chunks_[g];
  const InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  const char quote = opt_.key.dialect.quote;
  auto abandon = [&]() -> std::optional<ParsedChunk> {
    ledger.publish_commit(ch.index, {0, true});
    batch->clear();
    if (ordered_) deliver_last(g, batch);
    return std::nullopt;
  };
  if (stopped(g)) return abandon();

  std::optional<OpenedInput> opened;
  const std::uint64_t from = ch.index ? ch.begin - 1 : ch.begin;
  try {
    opened.emplace(in, w);
    w.reset(from);
    w.extend(static_cast<std::size_t>(ch.end - from) + kLookahead);
  } catch (...) {
    abandon();
    throw;
  }

  ParsedChunk pc;
  pc.g = g;
  RecordSplitter splitter(in.delimiter, quote, in.key_columns);
  LineCursor lines{ch.begin, 0, &in};  // chunk-relative: the commit adds the line of ch.begin
  pc.guess = ch.begin;
  try {
    if (ch.index) pc.guess = guess_record_start(w, ch.begin, in.delimiter, quote);
    pc.mark = batch->keys.checkpoint();
    pc.end = pc.guess < ch.end ? read_records(in, opt_, splitter, w, pc.guess, ch.end, batch->keys, pc.res, lines)
                               : pc.guess;
  } catch (...) {
    abandon();
    throw;
  }
  pc.batch = batch;
  return pc;
}

void ChunkDriver::complete_file_chunk(ParsedChunk& pc, InputWindow& w) {
  const Chunk& ch = chunks_[pc.g];
  const InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  Batch*& batch = pc.batch;
  auto abandon = [&] {
    ledger.publish_commit(ch.index, {0, true});
    if (batch) batch->keys.rollback(pc.mark);
    if (ordered_) deliver_last(pc.g, batch);
  };
  try {
    std::uint64_t end = pc.end;
    // The commit hand-off: was our guess where the previous chunk's real parse ended?
    if (ch.index) {
      const ChunkLedger::Commit prev = ledger.wait_commit(ch.index - 1);
      if (prev.abandoned) return abandon();
      if (prev.end != pc.guess) {
        // A wrong guess (or a stray quote): parse again from the real start.
        // The window may hold another chunk by now, so read afresh.
        batch->keys.rollback(pc.mark);
        pc.res.clear();
        OpenedInput opened(in, w);
        w.reset(prev.end);
        RecordSplitter splitter(in.delimiter, opt_.key.dialect.quote, in.key_columns);
        LineCursor lines{ch.begin, 0, &in};
        end = prev.end < ch.end
                  ? read_records(in, opt_, splitter, w, prev.end, ch.end, batch->keys, pc.res, lines)
                  : prev.end;
      }
    }
    if (!pc.res.bad.empty()) {
      const std::uint64_t first_line = in.data_start_line + newlines_before(ch.file, ch.begin);
      for (auto& b : pc.res.bad) b.line += first_line;
    }
    const std::uint64_t bytes = ch.end - ch.begin + (ch.index == 0 ? in.data_start : 0);
    finish_chunk(pc.g, in, pc.res, bytes, bytes);
    if (opt_.on_error == OnError::fail && pc.res.bad_rows) {
      const auto& b = pc.res.bad.front();
      fail(pc.g, std::make_exception_ptr(Error(ErrorKind::bad_csv, b.what, in.path, b.line)));
      return abandon();
    }
    release(batch, pc.g, /*last=*/true, false, false);
    ledger.publish_commit(ch.index, {end, false});
  } catch (...) {
    abandon();
    throw;
  }
}

void ChunkDriver::release_parked(Batch* batch) {
  if (!batch) return;  // already sent on
  release(batch, 0, false, true, false);
  if (batch) pool_.give(batch);
}

void ChunkDriver::stream_done() {
  streams_unfinished_.fetch_sub(1, std::memory_order_acq_rel);
  notify_sched();
}

// The reader that claims a stream decodes it: it reads the header through
// the decoded windows, then decodes window after window, parsing each itself
// when no helper is free for it and parsing windows whenever max_alive wait
// (try_window). Every other reader takes windows before new chunks
// (reader_main).
void ChunkDriver::process_stream(std::size_t g, Batch*& batch, InputWindow& w) {
  const Chunk& ch = chunks_[g];
  InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  StreamRun* run = nullptr;
  try {
    int fd = 0;
    if (in.path != "-") {
      fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw Error(ErrorKind::io, std::string("can't open: ") + std::strerror(errno), in.path);
    }
    auto owned = std::make_unique<StreamRun>();
    owned->g = g;
    owned->file = ch.file;
    owned->name = in.path == "-" ? "<stdin>" : in.path;
    // Windows of a chunk's size: the same unit of work as a file's chunk.
    // readers + 2 in flight: one being parsed per reader, one being decoded
    // and one ready, so that no reader waits for the decoder's next window
    // while the decoder is ahead.
    owned->chain = std::make_unique<DecodedStream>(fd, owned->name, std::max<std::uint64_t>(opt_.chunk_bytes, 16),
                                                   readers_ + 2, &count_newlines, window_buffers_);
    run = owned.get();
    std::lock_guard lock(sched_mu_);
    streams_.push_back(std::move(owned));
  } catch (...) {
    stream_done();
    throw;
  }
  StreamRun& s = *run;
  const std::string& name = s.name;
  try {
    w.attach(*s.chain);
    Dialect d = opt_.key.dialect;
    d.delimiter = in.delimiter;
    std::uint64_t p = 0;
    // The header (or the first record, to learn the field count).
    while (w.end_offset() < 3 && w.extend(kLookahead)) {
    }
    if (starts_with_bom(w.at(0), static_cast<std::size_t>(w.end_offset()))) p = 3;
    for (std::vector<std::string> fields;;) {
      const FirstRecord r = parse_first_record(w.at(p), w.end(), w.at_eof(), d, fields);
      if (r.status == FirstRecord::need_more) {
        if (w.end_offset() - p > opt_.max_record_bytes)
          throw Error(ErrorKind::bad_csv, "first record longer than the record limit", name, 1);
        w.extend(kLookahead);
        continue;
      }
      if (r.status == FirstRecord::unterminated_quote)
        throw Error(ErrorKind::bad_csv, "unterminated quote in the first record", name, 1);
      if (r.status == FirstRecord::none) {  // an empty stream: an error where a header is expected, as for files
        const std::string why = apply_first_record(in, {}, p, p, nullptr, 0, opt_);
        if (!why.empty()) throw Error(ErrorKind::missing_column, why, name);
        break;
      }
      std::string why = apply_first_record(in, std::move(fields), p, p + r.next, w.at(0),
                                           static_cast<std::size_t>(w.end_offset()), opt_);
      if (!why.empty()) throw Error(ErrorKind::missing_column, why, name);
      break;
    }
  } catch (...) {
    s.chain->stop();
    stream_done();
    throw;
  }
  if (in.key_columns.empty()) {  // an empty stream
    ChunkResult nothing;
    while (w.extend(kLookahead)) {  // (only empty lines)
    }
    finish_chunk(g, in, nothing, w.end_offset(), in.path == "-" ? 0 : in.size);
    if (ordered_) deliver_last(g, batch);
    ledger.publish_commit(0, {0, false});
    stream_done();
    return;
  }
  s.view = in;
  s.view.stream = true;  // read_records: extend the window, never reset it past its bytes
  {
    std::lock_guard lock(sched_mu_);
    active_.push_back(&s);
    active_count_.fetch_add(1, std::memory_order_release);
    ++sched_epoch_;
  }
  sched_cv_.notify_all();
  for (;;) {
    if (stopped(g) || s.stop.load(std::memory_order_acquire)) s.chain->stop();
    const std::uint64_t epoch = sched_epoch();  // before looking: a window settled after it wakes the wait below
    const DecodedStream::Step step = s.chain->decode_next(/*force=*/false);
    if (step != DecodedStream::Step::full) {
      notify_sched();
      if (step == DecodedStream::Step::ended) break;
      // With no reader free to take it, parse the window just decoded here,
      // while its bytes are in this core's cache: with as many streams as
      // readers, every reader decodes and parses its own, as one reader per
      // file does (medium's 8 .gz files, -j2: 1.03 s leaving every window to
      // the other readers, against 0.92 s decoding and parsing in the same
      // reader before windows; 2026-12-04). A reader with no chunk left
      // (one .gz on 2 cores) takes the windows instead, and the decoder
      // decodes on.
      if (helpers_.load(std::memory_order_acquire) == 0) {
        if (!batch) batch = take_batch();
        try_window(batch, w, &s);
      }
      continue;
    }
    if (!batch) batch = take_batch();
    if (try_window(batch, w, &s)) continue;
    wait_sched(epoch);
  }
  ledger.publish_commit(0, {0, false});
}

bool ChunkDriver::try_window(Batch*& batch, InputWindow& w, StreamRun* own) {
  if (active_count_.load(std::memory_order_acquire) == 0) return false;
  // Under sched_mu_: whether r's next window may be claimed now.
  auto claimable = [&](const StreamRun* r) {
    const std::size_t k = r->next_claim;
    if (k >= r->chain->published()) return false;
    if (!ordered_ || single_thread_) return true;
    // Ordering: a stream's windows are parts of its chunk; they are parsed
    // once it is the head, at most window_lookahead_ ahead of the part the
    // serial step waits for.
    const std::size_t h = head_.load(std::memory_order_acquire);
    return h > r->g || (h == r->g && k < head_part_.load(std::memory_order_acquire) + window_lookahead_);
  };
  StreamRun* s = nullptr;
  std::size_t j = 0;
  {
    std::lock_guard lock(sched_mu_);
    if (own && claimable(own)) s = own;
    for (std::size_t i = 0; !s && i < active_.size(); ++i)
      if (active_[i] != own && claimable(active_[i])) s = active_[i];
    if (s) {
      j = s->next_claim;
      s->prepare(j);
      s->next_claim = j + 1;
      s->inflight.fetch_add(1, std::memory_order_acq_rel);
    }
  }
  if (!s) return false;
  process_window(*s, j, batch, w);
  return true;
}

void ChunkDriver::process_window(StreamRun& s, std::size_t j, Batch*& batch, InputWindow& w) {
  ParsedChunk pc;
  pc.g = s.g;
  pc.stream = &s;
  pc.window = j;
  pc.batch = batch;
  pc.mark = batch->keys.checkpoint();
  {
    const std::shared_ptr<const DecodedWindow> win = s.chain->window(j);
    pc.begin = win->begin;
    pc.wend = win->end;
    pc.raw_end = win->raw_end;
    pc.terminal = win->terminal;
    pc.window_error = win->error;
  }
  pc.skip = pc.terminal || stopped(s.g) || s.stop.load(std::memory_order_acquire);
  if (!pc.skip) {
    const InputFile& in = s.view;
    const char quote = opt_.key.dialect.quote;
    try {
      w.attach(*s.chain);
      const std::uint64_t from = j ? pc.begin - 1 : 0;
      w.reset(from);
      while (w.end_offset() < pc.wend && w.extend(static_cast<std::size_t>(pc.wend - w.end_offset()))) {
      }  // this window only: the next may not be decoded yet
      RecordSplitter splitter(in.delimiter, quote, in.key_columns);
      LineCursor lines{pc.begin, 0};  // window-relative, as a file chunk's
      pc.guess = j ? guess_record_start(w, pc.begin, in.delimiter, quote) : in.data_start;
      pc.end = pc.guess < pc.wend
                   ? read_records(in, opt_, splitter, w, pc.guess, pc.wend, batch->keys, pc.res, lines)
                   : pc.guess;
    } catch (...) {  // a decoding error past this window: reported in window order, at completion
      pc.error = std::current_exception();
      batch->keys.rollback(pc.mark);
      pc.res.clear();
    }
  }
  if (!park_window(std::move(pc), batch)) {
    complete_window_guarded(pc, w);
    cascade_window(s, j, w);
    batch = pc.batch;  // delivery may have swapped it
  }
  // The last reader out of a finished stream frees its window states (a
  // committer may still be notifying or cascading after the terminal window
  // completed on another reader).
  if (s.inflight.fetch_sub(1, std::memory_order_acq_rel) == 1 && s.finished.load(std::memory_order_acquire))
    free_stream_states(s);
}

bool ChunkDriver::park_window(ParsedChunk&& pc, Batch*& batch) {
  // As park(): whoever comes second of this reader and the committer of the
  // window before completes this window.
  StreamRun& s = *pc.stream;
  const std::size_t j = pc.window;
  if (single_thread_ || j == 0 || s.state(j - 1).commit.load(std::memory_order_acquire) != WindowState::kPending)
    return false;
  WindowState& h = s.state(j);
  h.parked = std::make_unique<ParsedChunk>(std::move(pc));
  std::uint8_t expected = WindowState::kNone;
  if (h.handoff.compare_exchange_strong(expected, WindowState::kParked, std::memory_order_acq_rel)) {
    batch = nullptr;
    return true;
  }
  pc = std::move(*h.parked);
  h.parked.reset();
  return false;
}

void ChunkDriver::cascade_window(StreamRun& s, std::size_t j, InputWindow& w) {
  for (;;) {
    const std::uint8_t was = s.state(j + 1).handoff.exchange(WindowState::kCommitted, std::memory_order_acq_rel);
    if (was != WindowState::kParked) return;
    std::unique_ptr<ParsedChunk> pc = std::move(s.state(j + 1).parked);
    complete_window_guarded(*pc, w);
    const bool terminal = pc->terminal;
    if (Batch* b = pc->batch) {  // not sent on: unordered, keys below kMinBatchBytes; ordered, an abandoned window's
      if (ordered_) {
        b->clear();
        pool_.give(b);
      } else {
        release_parked(b);
      }
    }
    if (terminal) return;
    ++j;
  }
}

void ChunkDriver::deliver_window(StreamRun& s, std::size_t j, Batch*& batch, bool last) {
  if (!batch) batch = take_batch();
  batch->chunk = s.g;
  batch->part = static_cast<std::uint32_t>(j);
  batch->last = last;
  batch->file = &files_[s.file];
  dispatch(batch, false);
}

void ChunkDriver::complete_window_guarded(ParsedChunk& pc, InputWindow& w) {
  try {
    complete_window(pc, w);
  } catch (...) {  // not expected (complete_window reports its errors itself): fail loudly, in order
    if (pc.batch) pc.batch->keys.rollback(pc.mark);
    fail(pc.g, std::current_exception(), pc.window);
  }
}

// Window j in input order: once window j-1 has committed (its real end is
// known), as complete_file_chunk. Exactly one part of the stream is its last
// (ordered): the terminal window's, or the first abandoned window's.
void ChunkDriver::complete_window(ParsedChunk& pc, InputWindow& w) {
  StreamRun& s = *pc.stream;
  const std::size_t j = pc.window;
  WindowState& st = s.state(j);
  Batch*& batch = pc.batch;
  auto settle = [&](std::uint64_t end, bool abandoned) {
    st.end = end;
    st.commit.store(abandoned ? WindowState::kAbandoned : WindowState::kReady, std::memory_order_release);
    st.commit.notify_all();
    w.reset(0);  // let go of a borrowed window, so that its buffer is reused
    s.chain->retire(j);
    if (pc.terminal) {
      {
        std::lock_guard lock(sched_mu_);
        active_.erase(std::find(active_.begin(), active_.end(), &s));
        active_count_.fetch_sub(1, std::memory_order_release);
      }
      s.finished.store(true, std::memory_order_release);
      stream_done();
    } else {
      notify_sched();  // a decoder may wait for a free window
    }
  };
  auto deliver_last_part = [&] {  // ordered: exactly once per stream
    if (ordered_ && !s.last_delivered.exchange(true, std::memory_order_acq_rel)) deliver_window(s, j, batch, true);
  };
  auto abandon = [&] {
    if (batch) batch->keys.rollback(pc.mark);
    s.stop.store(true, std::memory_order_release);
    deliver_last_part();
    settle(0, true);
  };
  std::uint64_t prev_end = 0;
  if (j) {
    WindowState& prev = s.state(j - 1);
    std::uint32_t c;
    while ((c = prev.commit.load(std::memory_order_acquire)) == WindowState::kPending)
      prev.commit.wait(WindowState::kPending);
    if (c == WindowState::kAbandoned) return abandon();
    prev_end = prev.end;
  }
  if (pc.skip) {
    if (pc.window_error) fail(pc.g, pc.window_error, j);
    if (!pc.terminal || pc.window_error || stopped(s.g)) return abandon();
    // The end of data: the stream's last part, empty.
    ChunkResult nothing;
    finish_chunk(pc.g, s.view, nothing, 0, pc.raw_end - s.raw_reported);
    s.raw_reported = pc.raw_end;
    deliver_last_part();
    return settle(pc.begin, false);
  }
  if (pc.error) {
    fail(pc.g, pc.error, j);
    return abandon();
  }
  const InputFile& in = s.view;
  std::uint64_t end = pc.end;
  if (j && prev_end != pc.guess) {  // a wrong guess (or a stray quote): parse again from the real start
    batch->keys.rollback(pc.mark);
    pc.res.clear();
    try {
      w.attach(*s.chain);
      w.reset(pc.begin - 1);
      RecordSplitter splitter(in.delimiter, opt_.key.dialect.quote, in.key_columns);
      LineCursor lines{pc.begin, 0};
      end = prev_end < pc.wend ? read_records(in, opt_, splitter, w, prev_end, pc.wend, batch->keys, pc.res, lines)
                               : prev_end;
    } catch (...) {
      batch->keys.rollback(pc.mark);
      fail(pc.g, std::current_exception(), j);
      return abandon();
    }
  }
  if (!pc.res.bad.empty()) {
    const std::uint64_t first_line = 1 + s.chain->newlines_before(j);
    for (auto& b : pc.res.bad) b.line += first_line;
  }
  finish_chunk(pc.g, in, pc.res, pc.wend - pc.begin, pc.raw_end - s.raw_reported);
  s.raw_reported = pc.raw_end;
  if (opt_.on_error == OnError::fail && pc.res.bad_rows) {
    const auto& b = pc.res.bad.front();
    fail(pc.g, std::make_exception_ptr(Error(ErrorKind::bad_csv, b.what, s.name, b.line)), j);
    return abandon();
  }
  if (ordered_) deliver_window(s, j, batch, false);
  else release(batch, pc.g, /*last=*/true, false, false);
  settle(end, false);
}

void ChunkDriver::process_small_file(std::size_t g, Batch*& batch, InputWindow& w, HeaderMemo& memo) {
  const Chunk& ch = chunks_[g];
  InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  try {
    std::optional<OpenedInput> opened(std::in_place, in, w);
    w.reset(0);
    w.extend(static_cast<std::size_t>(in.size) + kLookahead);  // the whole file (extend stops at its size)
    const auto n = static_cast<std::size_t>(w.end_offset());
    if (detect_compression(reinterpret_cast<const unsigned char*>(w.at(0)), std::min<std::size_t>(n, 4)) !=
        Compression::none) {
      opened.reset();
      in.header_pending = false;
      in.stream = true;  // a small .gz or .zst: the stream path decodes and plans it
      streams_unfinished_.fetch_add(1, std::memory_order_acq_rel);
      process_stream(g, batch, w);
      return;
    }
    bool missing_column = false;
    const std::string problem = plan_small_file(in, w.at(0), n, opt_, missing_column, &memo);
    if (!problem.empty()) throw Error(missing_column ? ErrorKind::missing_column : ErrorKind::io, problem);
    line_marks_[ch.file] = {in.data_start, 0};
    ChunkResult res;
    RecordSplitter splitter(in.delimiter, opt_.key.dialect.quote, in.key_columns);
    LineCursor lines{in.data_start, in.data_start_line, &in};
    if (in.data_start < in.size) read_records(in, opt_, splitter, w, in.data_start, in.size, batch->keys, res, lines);
    finish_chunk(g, in, res, in.size, in.size);
    fail_on_bad_rows(g, in, res, in.path);
    release(batch, g, /*last=*/true, false, false);  // as a file chunk: a new batch is taken before the next chunk
    ledger.publish_commit(0, {in.size, false});
  } catch (...) {
    ledger.publish_commit(0, {0, true});
    throw;
  }
}

void ChunkDriver::complete_guarded(ParsedChunk& pc, InputWindow& w) {
  try {
    complete_file_chunk(pc, w);
  } catch (...) {
    if (pc.batch) pc.batch->keys.rollback(pc.mark);
    fail(pc.g, std::current_exception());
  }
}

void ChunkDriver::cascade(std::size_t g, InputWindow& w) {
  // Commit g is published: complete the chunks after it that were parked
  // waiting for it, in order.
  while (g + 1 < chunks_.size() && chunks_[g + 1].file == chunks_[g].file &&
         handoffs_[g + 1].state.exchange(Handoff::kCommitted, std::memory_order_acq_rel) == Handoff::kParked) {
    std::unique_ptr<ParsedChunk> pc = std::move(handoffs_[g + 1].parked);
    complete_guarded(*pc, w);
    release_parked(pc->batch);
    ++g;
  }
}

bool ChunkDriver::park(ParsedChunk&& pc, Batch*& batch) {
  // The commit hand-off would wait for the chunk before to commit. Instead of
  // waiting, park this one: whoever commits the chunk before completes it
  // (cascade), and this reader goes on parsing. Exactly one side completes a
  // parked chunk: the reader parks with a compare-exchange from `none`, the
  // committer exchanges in `committed`, and whoever comes second acts.
  const Chunk& ch = chunks_[pc.g];
  if (single_thread_ || ch.index == 0 || ledgers_[ch.file]->commit_ready(ch.index - 1)) return false;
  Handoff& h = handoffs_[pc.g];
  h.parked = std::make_unique<ParsedChunk>(std::move(pc));
  std::uint8_t expected = Handoff::kNone;
  if (h.state.compare_exchange_strong(expected, Handoff::kParked, std::memory_order_acq_rel)) {
    batch = nullptr;  // the parked chunk keeps it
    return true;
  }
  pc = std::move(*h.parked);  // the chunk before committed meanwhile
  h.parked.reset();
  return false;
}

void ChunkDriver::reader_main() {
  InputWindow window;
  HeaderMemo header_memo;
  Batch* batch = nullptr;
  for (;;) {
    if (!batch) batch = take_batch();  // before a chunk: see the deadlock note in chunk_ledger.hpp
    if (has_streams_ && try_window(batch, window)) continue;  // windows first: they hold decoded memory
    const std::size_t g = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    if (g >= chunks_.size()) {
      // No chunk left: help with the windows of the streams still decoding.
      if (!has_streams_ || streams_unfinished_.load(std::memory_order_acquire) <= 0) break;
      const Helping helping(helpers_);
      const std::uint64_t epoch = sched_epoch();
      if (try_window(batch, window)) continue;
      if (streams_unfinished_.load(std::memory_order_acquire) <= 0) break;
      wait_sched(epoch);
      continue;
    }
    if (ordered_ && !single_thread_) {
      const std::size_t until = g + 1 > lookahead_ ? g + 1 - lookahead_ : 0;
      if (has_streams_) {
        // While the head is a stream, its windows may be all there is to do
        // (and this reader the only one to do them): help while waiting.
        const Helping helping(helpers_);
        for (;;) {
          const std::uint64_t epoch = sched_epoch();
          if (head_.load(std::memory_order_acquire) >= until) break;
          if (!batch) batch = take_batch();
          if (try_window(batch, window)) continue;
          wait_sched(epoch);
        }
        if (!batch) batch = take_batch();
      } else {
        wait_for_head(until);
      }
    }
    const Chunk& ch = chunks_[g];
    try {
      const InputFile& in = files_[ch.file];
      if ((in.stream || in.header_pending) && stopped(g)) {
        ledgers_[ch.file]->publish_commit(0, {0, true});  // a whole-file chunk, not started
        if (in.stream) stream_done();
        if (ordered_) deliver_last(g, batch);
      } else if (in.stream) {
        process_stream(g, batch, window);
      } else if (in.header_pending) {
        process_small_file(g, batch, window, header_memo);
      } else if (std::optional<ParsedChunk> pc = parse_file_chunk(g, batch, window)) {
        if (!park(std::move(*pc), batch)) {
          complete_guarded(*pc, window);
          cascade(g, window);
          batch = pc->batch;  // release() may have swapped it
        }
      } else {
        cascade(g, window);  // abandoned: its commit is published
      }
    } catch (...) {
      if (batch) batch->keys.clear();
      fail(g, std::current_exception());
      if (ordered_) deliver_last(g, batch);
      if (!files_[ch.file].stream) cascade(g, window);
    }
    // A file is done when its last chunk is (a close enough count for progress).
    if (progress_ && (g + 1 == chunks_.size() || chunks_[g + 1].file != ch.file))
      progress_->files_done.fetch_add(1, std::memory_order_relaxed);
  }
  if (!ordered_) release(batch, 0, false, /*flush=*/true, /*replace=*/false);  // what the last chunks left
  if (batch) pool_.give(batch);
  if (single_thread_) return;
  if (workers_) work_queue_.producer_done();
  else serial_queue_.producer_done();
}

void ChunkDriver::worker_main() {
  while (Batch* b = work_queue_.pop()) {
    try {
      consumer_.parallel(*b);
    } catch (...) {
      fail(b->chunk, std::current_exception());
    }
    serial_queue_.push(b);
  }
  serial_queue_.producer_done();
}

void ChunkDriver::serial_main() {
  auto step = [&](Batch* b) {
    if (!stopped(b->chunk) || !ordered_) {
      try {
        consumer_.serial(*b);
      } catch (...) {
        fail(b->chunk, std::current_exception());
      }
    }
    pool_.give(b);
  };
  if (!ordered_) {
    while (Batch* b = serial_queue_.pop()) step(b);
    return;
  }
  // The reorder buffer: at most the pool's batches, so a linear search.
  std::vector<Batch*> pending;
  std::size_t head = 0;
  std::uint32_t part = 0;
  while (Batch* b = serial_queue_.pop()) {
    pending.push_back(b);
    for (bool progressed = true; progressed;) {
      progressed = false;
      for (std::size_t i = 0; i < pending.size(); ++i) {
        Batch* p = pending[i];
        if (p->chunk != head || p->part != part) continue;
        pending[i] = pending.back();
        pending.pop_back();
        const bool last = p->last;
        step(p);
        if (last) {
          ++head;
          part = 0;
          head_part_.store(0, std::memory_order_release);
          head_.store(head, std::memory_order_release);
          head_.notify_all();
        } else {
          ++part;
          head_part_.store(part, std::memory_order_release);
        }
        if (has_streams_) notify_sched();  // a head stream's windows may be claimable now
        progressed = true;
        break;
      }
    }
  }
  for (Batch* b : pending) pool_.give(b);  // none, unless a chunk was lost: then the build failed
}

BuildStats ChunkDriver::run() {
  const auto t0 = std::chrono::steady_clock::now();
  if (single_thread_) {
    reader_main();  // in the caller's thread; it is then the only writer
  } else {
    std::thread serial([this] { serial_main(); });
    std::vector<std::thread> workers, readers;
    for (unsigned i = 0; i < workers_; ++i) workers.emplace_back([this] { worker_main(); });
    for (unsigned i = 0; i < readers_; ++i) readers.emplace_back([this] { reader_main(); });
    for (auto& t : readers) t.join();
    for (auto& t : workers) t.join();
    serial.join();
  }

  // A raised cancel flag decides the outcome, even over an error met on the
  // way out: what a stopping run sees can be an artefact of the stop (a FIFO
  // whose writer left when asked to stop reads as empty: "no header").
  // Found by test_pipeline_stress's "cancel raised in full flight" (2026-12-04:
  // missing_column, once, cancelling after 100% of the files' bytes).
  if (opt_.cancel && opt_.cancel->load()) throw Error(ErrorKind::cancelled, "cancelled");
  if (failure_) {
    // A small file's header problem shows only when it is read, which stops
    // the build there: plan everything in full now, so that the error lists
    // every unusable input, as planning up front does (the build's own error
    // stands when all inputs are usable).
    if (deferred_any_) (void)plan_inputs(opt_);
    std::rethrow_exception(failure_->e);
  }
  std::stable_sort(bad_rows_.begin(), bad_rows_.end(), [](const auto& a, const auto& b) {
    return a.first < b.first || (a.first == b.first && a.second.line < b.second.line);
  });
  for (std::size_t i = 0; i < bad_rows_.size() && i < opt_.max_reported_errors; ++i)
    stats_.first_bad_rows.push_back(bad_rows_[i].second);
  stats_.files = files_.size();
  stats_.keys_inserted = stats_.rows - stats_.bad_rows - stats_.empty_keys;
  stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats_;
}

}  // namespace

BuildStats run_pipeline(const BuildOptions& options, BatchConsumer& consumer, BuildProgress* progress) {
  if (options.key.column_count() > kMaxKeyColumns)
    throw Error(ErrorKind::invalid_argument, "at most " + std::to_string(kMaxKeyColumns) + " key columns");
  // chunk_bytes 0 is the work's own default (build_defaults.hpp), for the
  // CLI, Python and C++ callers alike.
  std::optional<BuildOptions> resolved;
  if (options.chunk_bytes == 0) {
    resolved.emplace(options);
    resolved->chunk_bytes = static_cast<std::size_t>(
        chunk_bytes_for(0, consumer.wants_rows() ? Consumer::rows : Consumer::filter));
  }
  ChunkDriver driver(resolved ? *resolved : options, consumer, progress);
  return driver.run();
}

}  // namespace csvbloom::detail
