// pipeline.cpp: build_filter, the parallel pipeline (docs/DESIGN.md).
//
//   readers ──KeyBatch──▶ key queue ──▶ workers ──HashBatch──▶ hash queue ──▶ reducer
//      ▲                                  │  ▲                                  │
//      └──────────── key pool ◀───────────┘  └────────── hash pool ◀────────────┘
//
// - Work is split into chunks (options.chunk_bytes of one file; a stream is
//   one chunk), handed out in input order by one atomic counter, so a single
//   huge file is parsed by every reader and 10,000 tiny files cost one counter
//   increment each, not a thread each.
// - A reader turns one chunk into one KeyBatch; chunk_ledger.hpp explains how
//   neighbouring chunks agree on record boundaries before keys are released.
// - Workers hash whole batches; the reducer, the only writer of the bit array,
//   inserts whole batches with prefetching (BloomFilter::insert_batch).
// - Batches come from fixed pools: memory is the filter plus
//   pool_size x (chunk keys) plus readers x (window), whatever the input size.
// - Determinism: a Bloom filter is an OR of its keys' bits, and every key of
//   every input is inserted exactly once, so the bytes do not depend on thread
//   counts, chunk size or scheduling.
// - Errors: a chunk's bad rows become real only when its start is verified.
//   Under OnError::fail the first failing chunk (in input order) stops the
//   chunks after it; the chunks before it still finish, so the error reported
//   is always the first bad row of the input, whatever the thread count.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "core/pipeline/batch_queue.hpp"
#include "core/pipeline/batches.hpp"
#include "core/csv/byte_scan.hpp"
#include "core/pipeline/chunk_ledger.hpp"
#include "core/filter/hash_inline.hpp"
#include "core/io/input_plan.hpp"
#include "core/io/input_window.hpp"
#include "core/csv/key_builder.hpp"
#include "core/csv/record_splitter.hpp"
#include "core/csv/structural_parser.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom {
namespace detail {
namespace {

// Bytes read past a chunk's end up front, so that the record straddling the
// end is usually complete without a second read (rows are ~100 B-10 KiB).
// A chunk is read whole before it is parsed: reading it in L2-sized steps
// (128-512 KiB), each parsed while hot, made the parse 12% cheaper but the
// kernel's copy 60% dearer, 6-10% slower in all (bench/RESULTS.md).
constexpr std::size_t kLookahead = 64u << 10;
// A stream's batch is released once it holds this many key bytes.
constexpr std::size_t kStreamBatchBytes = 1u << 20;
// Keys of several small chunks (small files) share a batch up to this size:
// one queue hand-off per file made `many` (10,000 x 10 KB) slower with -j2
// than with -j1 (bench/RESULTS.md). Each hand-off can wake a sleeping worker
// or reducer (a futex wake and a context switch): many -j2, hyperfine 30 runs,
// 64 KiB 100.9-103.1 ms, 256 KiB 95.0-97.3, 1 MiB 102.8. A 4 MiB chunk of
// bench/gen rows holds ~1 MiB of keys, so ordinary chunks still go on one by one.
constexpr std::size_t kMinBatchBytes = 256u << 10;

struct Chunk {
  std::uint32_t file;
  std::uint32_t index;  // within the file
  std::uint64_t begin, end;
};

struct PendingBadRow {
  std::uint64_t offset;
  std::uint64_t line;
  std::string what;
};

// What one chunk found; merged into the totals once, at commit.
struct ChunkResult {
  std::uint64_t rows{0}, empty_keys{0}, bad_rows{0};
  std::vector<PendingBadRow> bad;  // the first few
  void clear() {
    rows = empty_keys = bad_rows = 0;
    bad.clear();
  }
};

// A chunk parsed from its guessed first record start, waiting for the
// commit hand-off.
struct ParsedChunk {
  std::size_t g{0};
  std::uint64_t guess{0}, end{0};
  std::size_t mark{0};              // batch checkpoint before the chunk's keys
  ChunkResult res;
  KeyBatch* batch{nullptr};
};

// A regular input opened for a chunk and attached to a reader's window;
// closed when it goes out of scope (the window keeps no fd across chunks).
class OpenedInput {
 public:
  OpenedInput(const InputFile& in, InputWindow& w) : fd_(::open(in.path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw Error(ErrorKind::io, std::string("can't open: ") + std::strerror(errno), in.path);
    w.attach(fd_, false, in.size, in.path);
  }
  ~OpenedInput() { ::close(fd_); }
  OpenedInput(const OpenedInput&) = delete;
  OpenedInput& operator=(const OpenedInput&) = delete;

 private:
  int fd_;
};

// The newlines in bytes [from, to) of a regular file, read again from disk:
// for the line numbers of bad rows when the bytes before them are not in the
// window (a chunk's start, resolved only at commit; a re-parse that starts
// past its chunk's start).
std::uint64_t count_file_newlines(const InputFile& in, std::uint64_t from, std::uint64_t to, char quote) {
  constexpr std::size_t kStep = 1u << 20;
  InputWindow w;
  OpenedInput opened(in, w);
  std::uint64_t newlines = 0;
  while (from < to) {
    w.reset(from);
    if (!w.extend(static_cast<std::size_t>(std::min<std::uint64_t>(kStep, to - from)))) break;
    const std::size_t n = static_cast<std::size_t>(std::min(w.end_offset(), to) - from);
    newlines += count_quotes_newlines_fast(w.at(from), n, quote).newlines;
    from += n;
  }
  return newlines;
}

// Counts newlines lazily, only when a bad row needs its line number.
struct LineCursor {
  std::uint64_t offset{0};
  std::uint64_t line{1};
  const InputFile* file{nullptr};  // a regular file: bytes before the window are read again
  std::uint64_t advance(const InputWindow& w, std::uint64_t to, char quote) {
    if (to > offset) {
      if (offset < w.base()) {  // only a file's window can start past the cursor
        line += count_file_newlines(*file, offset, w.base(), quote);
        offset = w.base();
      }
      line += count_quotes_newlines_fast(w.at(offset), static_cast<std::size_t>(to - offset), quote).newlines;
      offset = to;
    }
    return line;
  }
};

class Pipeline {
 public:
  Pipeline(const BuildOptions& o, BloomFilter& f, BuildProgress* p)
      : opt_(o), filter_(f), progress_(p), files_(plan_inputs(o, /*defer_small_files=*/true)),
        readers_(std::max(1u, o.readers)), workers_(o.workers),
        key_pool_(pool_size()), hash_pool_(pool_size()),
        key_queue_(readers_, std::max(1u, workers_)),
        hash_queue_(workers_ ? workers_ : readers_, 1) {
    plan_chunks();
    handoffs_ = std::make_unique<Handoff[]>(chunks_.size());
  }

  BuildStats run();

 private:
  std::size_t pool_size() const {
    std::size_t n = opt_.queue_batches ? opt_.queue_batches : 2 * (readers_ + workers_);
    return std::max<std::size_t>(n, readers_ + 1);  // each reader holds one while parsing
  }
  void plan_chunks();
  void reader_main();
  void worker_main();
  void reducer_main();
  // A file chunk in two steps: parse (read, guess the first record start,
  // parse from there) and complete (the commit hand-off: check the guess,
  // re-parse if it was wrong, release the keys, commit). parse_file_chunk
  // returns nothing when the chunk was abandoned.
  std::optional<ParsedChunk> parse_file_chunk(std::size_t g, KeyBatch*& batch, InputWindow& w);
  void complete_file_chunk(ParsedChunk& pc, InputWindow& w);
  // complete_file_chunk, with an exception recorded by fail().
  void complete_guarded(ParsedChunk& pc, InputWindow& w);
  // Parks a parsed chunk whose predecessor has not committed (false: not
  // parked, pc is intact and the caller completes it).
  bool park(ParsedChunk&& pc, KeyBatch*& batch);
  // After commit g is published: completes the parked chunks it unblocks.
  void cascade(std::size_t g, InputWindow& w);
  // Sends a parked chunk's batch on whatever its size, and gives up the batch.
  void release_parked(KeyBatch* batch);
  // The two whole-file chunks (called for chunks not stopped): a stream, read
  // in order and planned as it comes; and a small file whose header planning
  // left to its reader, read whole, planned (plan_small_file) and parsed.
  void process_stream(std::size_t g, KeyBatch*& batch, InputWindow& w);
  void process_small_file(std::size_t g, KeyBatch*& batch, InputWindow& w, HeaderMemo& memo);
  std::uint64_t parse_records(const InputFile& in, RecordSplitter& sp, InputWindow& w, std::uint64_t from,
                              std::uint64_t until, KeyBatch& batch, ChunkResult& res, LineCursor& lines);
  void add_bad(ChunkResult& res, LineCursor& lines, const InputWindow& w, std::uint64_t offset, std::string what);
  // Sends the batch's keys on once it holds kMinBatchBytes (or at the end:
  // `flush`), so that 10,000 tiny files make ~100 batches, not 10,000.
  // A batch sent to the workers is replaced from the pool, or with nullptr
  // when !replace (a chunk completed for another reader must not wait for the
  // pool: the batches it would wait for may be parked behind it).
  void release(KeyBatch*& batch, bool flush = false, bool replace = true);
  void finish_chunk(std::size_t g, const InputFile& in, ChunkResult& res, std::uint64_t bytes, std::uint64_t raw_bytes);
  // The newlines in file f from its first data record to `offset`: the
  // line number of a chunk's start, which a chunk does not know while it
  // parses (chunks count lines from their own start). Needed only for bad
  // rows, so counted only then, by reading the file again; called in commit
  // order within a file (after the commit hand-off), so a file's bytes are
  // counted at most once, however many chunks report bad rows.
  std::uint64_t newlines_before(std::uint32_t f, std::uint64_t offset);
  bool stopped(std::size_t g) const {
    return g > stop_after_.load(std::memory_order_acquire) ||
           (opt_.cancel && opt_.cancel->load(std::memory_order_relaxed));
  }
  void fail(std::size_t g, std::exception_ptr e);

  const BuildOptions& opt_;
  BloomFilter& filter_;
  BuildProgress* progress_;
  std::vector<InputFile> files_;
  const bool deferred_any_{
      std::any_of(files_.begin(), files_.end(), [](const InputFile& in) { return in.header_pending; })};
  unsigned readers_, workers_;
  // One reader and no workers (-j1): no threads at all; the reader hashes and
  // inserts its own batches, so -j1 really uses one core.
  bool single_thread_{readers_ == 1 && workers_ == 0};
  HashBatch inline_hashes_;
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
    std::unique_ptr<ParsedChunk> parked;
  };
  std::unique_ptr<Handoff[]> handoffs_;
  BatchPool<KeyBatch> key_pool_;
  BatchPool<HashBatch> hash_pool_;
  BatchQueue<KeyBatch> key_queue_;
  BatchQueue<HashBatch> hash_queue_;
  std::atomic<std::size_t> next_chunk_{0};
  std::atomic<std::size_t> stop_after_{SIZE_MAX};

  std::mutex mu_;  // guards what follows; taken once per chunk
  BuildStats stats_;
  std::vector<std::pair<std::size_t, BadRow>> bad_rows_;  // (chunk, row), sorted at the end
  std::optional<std::pair<std::size_t, std::exception_ptr>> failure_;
};

void Pipeline::plan_chunks() {
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
    ledgers_[f] = std::make_unique<ChunkLedger>(n);
    line_marks_.push_back({in.data_start, 0});
    if (n == 0) {  // empty, BOM or header only: no chunk will count its bytes
      stats_.bytes += in.size;
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

std::uint64_t Pipeline::newlines_before(std::uint32_t f, std::uint64_t offset) {
  LineMark& mark = line_marks_[f];
  if (offset > mark.offset) {
    mark.newlines += count_file_newlines(files_[f], mark.offset, offset, opt_.key.dialect.quote);
    mark.offset = offset;
  }
  return mark.newlines;
}

void Pipeline::fail(std::size_t g, std::exception_ptr e) {
  std::lock_guard lock(mu_);
  if (!failure_ || g < failure_->first) failure_ = {g, e};
  std::size_t cur = stop_after_.load();
  while (g < cur && !stop_after_.compare_exchange_weak(cur, g)) {
  }
}

void Pipeline::add_bad(ChunkResult& res, LineCursor& lines, const InputWindow& w, std::uint64_t offset,
                       std::string what) {
  ++res.bad_rows;
  if (res.bad.size() < std::max<std::size_t>(opt_.max_reported_errors, 1))
    res.bad.push_back({offset, lines.advance(w, offset, opt_.key.dialect.quote), std::move(what)});
}

std::uint64_t Pipeline::parse_records(const InputFile& in, RecordSplitter& sp, InputWindow& w, std::uint64_t p,
                                      std::uint64_t until, KeyBatch& batch, ChunkResult& res, LineCursor& lines) {
  const char quote = opt_.key.dialect.quote;
  const Normalization norm = opt_.key.normalization;
  const std::uint32_t expected = in.expected_fields;
  const std::uint32_t needed = sp.max_key_column() + 1;
  const CleanParseContext clean{opt_.key.dialect.delimiter, quote, expected, opt_.max_record_bytes, norm};
  CleanParseCounts counts;
  while (p < until) {
    if (p >= w.end_offset()) {
      if (p > w.end_offset() && !in.stream) w.reset(p);  // a file's window never has to hold bytes before p
      if (!w.extend(kLookahead)) break;    // end of input
    }
    // The bulk of the records: structural_parser.hpp. It stops at the first
    // record it leaves to RecordSplitter (one record, below) or at `until`.
    const char* at = w.at(p);
    p += static_cast<std::uint64_t>(
        parse_clean_records(at, w.at(std::min(until, w.end_offset())), w.end(), clean, sp, batch, counts) - at);
    if (p >= until) break;
    RecordInfo r = sp.next(w.at(p), w.end(), w.at_eof());
    switch (r.state) {
      case RecordState::incomplete: {
        if (w.end_offset() - p > opt_.max_record_bytes) {
          ++res.rows;
          add_bad(res, lines, w, p,
                  "record longer than the limit of " + std::to_string(opt_.max_record_bytes) +
                      " bytes (--max-record-bytes)");
          // Resynchronise at the next line end outside quotes, dropping the
          // bytes passed over so that memory stays bounded.
          bool in_quotes = false;
          std::uint64_t q = p;
          for (;;) {
            if (const char* hit = find_parity_boundary(w.at(q), w.end(), in_quotes, quote)) {
              p = q + static_cast<std::uint64_t>(hit - w.at(q));
              break;
            }
            q = w.end_offset();
            lines.advance(w, q, quote);
            w.drop_before(q);
            if (!w.extend(kLookahead)) {
              p = q;
              break;
            }
          }
          continue;
        }
        if (p > w.base() + (w.end_offset() - w.base()) / 2 && in.stream) {
          lines.advance(w, p, quote);
          w.drop_before(p);  // keep a stream's window small
        }
        w.extend(std::max<std::size_t>(kLookahead, static_cast<std::size_t>(w.end_offset() - p)));
        continue;
      }
      case RecordState::blank:
        p += static_cast<std::uint64_t>(r.next - w.at(p));
        continue;
      case RecordState::unterminated_quote:
        ++res.rows;
        add_bad(res, lines, w, p, "unterminated quote: a quoted field opened in this record never closes");
        p = w.end_offset();
        continue;
      case RecordState::complete:
        break;
    }
    ++res.rows;
    const std::uint64_t next = p + static_cast<std::uint64_t>(r.next - w.at(p));
    if (next - p > opt_.max_record_bytes) {  // complete, but over the limit: the same answer for any chunk size
      add_bad(res, lines, w, p,
              "record longer than the limit of " + std::to_string(opt_.max_record_bytes) +
                  " bytes (--max-record-bytes)");
      p = next;
      continue;
    }
    if (r.field_count < needed || (expected && r.field_count != expected)) {
      add_bad(res, lines, w, p,
              r.field_count < needed
                  ? "record has " + std::to_string(r.field_count) + " field" + (r.field_count == 1 ? "" : "s") +
                        ", the key needs at least " + std::to_string(needed)
                  : "record has " + std::to_string(r.field_count) + " fields, the " +
                        (opt_.key.dialect.has_header ? "header has " : "first record has ") +
                        std::to_string(expected) + " (--allow-ragged accepts this)");
      p = next;
      continue;
    }
    if (!append_key(sp, quote, norm, batch)) ++res.empty_keys;
    p = next;
  }
  res.rows += counts.rows;
  res.empty_keys += counts.empty_keys;
  return p;
}

void Pipeline::release(KeyBatch*& batch, bool flush, bool replace) {
  if (batch->empty() || (!flush && batch->bytes() < kMinBatchBytes)) return;
  if (single_thread_) {  // -j1: one thread parses, hashes and inserts
    KeyHash* out = inline_hashes_.resize(batch->key_count());
    const std::uint64_t seed = filter_.params().seed;
    for (std::size_t i = 0; i < batch->key_count(); ++i)
      out[i] = hash_key_inline(batch->key_data(i), batch->key_size(i), seed);
    filter_.insert_batch(out, batch->key_count());
    batch->clear();
    return;
  }
  if (workers_ == 0) {  // readers hash their own batches
    HashBatch* hb = hash_pool_.take();
    KeyHash* out = hb->resize(batch->key_count());
    const std::uint64_t seed = filter_.params().seed;
    for (std::size_t i = 0; i < batch->key_count(); ++i)
      out[i] = hash_key_inline(batch->key_data(i), batch->key_size(i), seed);
    hash_queue_.push(hb);
    batch->clear();
    return;
  }
  key_queue_.push(batch);
  batch = replace ? key_pool_.take() : nullptr;
}

// bytes: CSV bytes parsed (for the stats); raw_bytes: bytes taken from the
// file (compressed bytes for a compressed input), for the progress line.
void Pipeline::finish_chunk(std::size_t g, const InputFile& in, ChunkResult& res, std::uint64_t bytes,
                            std::uint64_t raw_bytes) {
  {
    std::lock_guard lock(mu_);
    FileStats& fs = stats_.per_file[chunks_[g].file];
    fs.rows += res.rows;
    fs.bytes += bytes;
    stats_.rows += res.rows;
    stats_.bytes += bytes;
    stats_.empty_keys += res.empty_keys;
    stats_.bad_rows += res.bad_rows;
    for (auto& b : res.bad) bad_rows_.push_back({g, BadRow{in.path, b.line, b.what}});
  }
  if (progress_) {
    progress_->bytes_done.fetch_add(raw_bytes, std::memory_order_relaxed);
    progress_->rows_done.fetch_add(res.rows, std::memory_order_relaxed);
  }
}

std::optional<ParsedChunk> Pipeline::parse_file_chunk(std::size_t g, KeyBatch*& batch, InputWindow& w) {
  const Chunk& ch = chunks_[g];
  const InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  const char quote = opt_.key.dialect.quote;
  auto abandon = [&]() -> std::optional<ParsedChunk> {
    ledger.publish_commit(ch.index, {0, true});
    batch->clear();
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
  RecordSplitter splitter(opt_.key.dialect.delimiter, quote, in.key_columns);
  LineCursor lines{ch.begin, 0, &in};  // chunk-relative: the commit adds the line of ch.begin
  pc.guess = ch.begin;
  try {
    if (ch.index) {
      // The first record start at or after ch.begin by the parity rule,
      // scanning from the byte before it (a record may start right at begin),
      // from a guess of the quote state there (chunk_ledger.hpp).
      const bool inside_at_begin =
          guess_in_quotes(w.at(ch.begin), w.at(std::min(ch.begin + kLookahead, w.end_offset())),
                          opt_.key.dialect.delimiter, quote);
      bool in_quotes = inside_at_begin != (*w.at(ch.begin - 1) == quote);
      std::uint64_t q = ch.begin - 1;
      for (;;) {
        if (const char* hit = find_parity_boundary(w.at(q), w.end(), in_quotes, quote)) {
          pc.guess = q + static_cast<std::uint64_t>(hit - w.at(q));
          break;
        }
        q = w.end_offset();
        if (!w.extend(kLookahead)) {
          pc.guess = q;
          break;
        }
      }
    }
    pc.mark = batch->checkpoint();
    pc.end = pc.guess < ch.end ? parse_records(in, splitter, w, pc.guess, ch.end, *batch, pc.res, lines) : pc.guess;
  } catch (...) {
    abandon();
    throw;
  }
  pc.batch = batch;
  return pc;
}

void Pipeline::complete_file_chunk(ParsedChunk& pc, InputWindow& w) {
  const Chunk& ch = chunks_[pc.g];
  const InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  KeyBatch*& batch = pc.batch;
  auto abandon = [&] {
    ledger.publish_commit(ch.index, {0, true});
    if (batch) batch->clear();
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
        batch->rollback(pc.mark);
        pc.res.clear();
        OpenedInput opened(in, w);
        w.reset(prev.end);
        RecordSplitter splitter(opt_.key.dialect.delimiter, opt_.key.dialect.quote, in.key_columns);
        LineCursor lines{ch.begin, 0, &in};
        end = prev.end < ch.end ? parse_records(in, splitter, w, prev.end, ch.end, *batch, pc.res, lines) : prev.end;
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
    release(batch, false, false);
    ledger.publish_commit(ch.index, {end, false});
  } catch (...) {
    abandon();
    throw;
  }
}

void Pipeline::release_parked(KeyBatch* batch) {
  if (!batch) return;  // already sent on
  release(batch, true, false);
  if (batch) key_pool_.give(batch);
}

void Pipeline::process_stream(std::size_t g, KeyBatch*& batch, InputWindow& w) {
  const Chunk& ch = chunks_[g];
  InputFile& in = files_[ch.file];
  ChunkLedger& ledger = *ledgers_[ch.file];
  int fd = 0;
  if (in.path != "-") {
    fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(ErrorKind::io, std::string("can't open: ") + std::strerror(errno), in.path);
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd > 0) ::close(fd);
    }
  } closer{fd};
  const std::string name = in.path == "-" ? "<stdin>" : in.path;
  w.attach(fd, true, 0, name);
  const Dialect& d = opt_.key.dialect;
  std::uint64_t p = 0;
  LineCursor lines{0, 1};

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
    if (r.status == FirstRecord::none) break;  // an empty stream
    std::string why = apply_first_record(in, std::move(fields), p, p + r.next, nullptr, 0, opt_);
    if (!why.empty()) throw Error(ErrorKind::missing_column, why, name);
    p = in.data_start;
    break;
  }
  if (in.key_columns.empty()) {  // an empty stream
    ChunkResult nothing;
    finish_chunk(g, in, nothing, w.end_offset(), w.raw_bytes_read());
    ledger.publish_commit(0, {0, false});
    return;
  }
  InputFile view = in;
  view.stream = true;
  RecordSplitter splitter(d.delimiter, d.quote, in.key_columns);
  std::uint64_t reported = 0, raw_reported = 0;
  for (;;) {
    ChunkResult res;
    // Parse what is buffered (plus whatever extends reveal) up to about one
    // batch worth of input, then release the batch.
    const std::uint64_t until = w.end_offset() > p ? w.end_offset() : p + kStreamBatchBytes;
    p = parse_records(view, splitter, w, p, until, *batch, res, lines);
    const bool done = w.at_eof() && p >= w.end_offset();
    finish_chunk(g, view, res, p - reported, w.raw_bytes_read() - raw_reported);
    reported = p;
    raw_reported = w.raw_bytes_read();
    if (opt_.on_error == OnError::fail && res.bad_rows) {
      const auto& b = res.bad.front();
      throw Error(ErrorKind::bad_csv, b.what, name, b.line);
    }
    release(batch);
    if (done || stopped(g)) break;
    lines.advance(w, p, d.quote);
    w.drop_before(p);
    if (!w.extend(kStreamBatchBytes) && p >= w.end_offset()) break;
  }
  ledger.publish_commit(0, {p, false});
}

void Pipeline::process_small_file(std::size_t g, KeyBatch*& batch, InputWindow& w, HeaderMemo& memo) {
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
      process_stream(g, batch, w);
      return;
    }
    bool missing_column = false;
    const std::string problem = plan_small_file(in, w.at(0), n, opt_, missing_column, &memo);
    if (!problem.empty()) throw Error(missing_column ? ErrorKind::missing_column : ErrorKind::io, problem);
    line_marks_[ch.file] = {in.data_start, 0};
    ChunkResult res;
    RecordSplitter splitter(opt_.key.dialect.delimiter, opt_.key.dialect.quote, in.key_columns);
    LineCursor lines{in.data_start, in.data_start_line, &in};
    if (in.data_start < in.size) parse_records(in, splitter, w, in.data_start, in.size, *batch, res, lines);
    finish_chunk(g, in, res, in.size, in.size);
    if (opt_.on_error == OnError::fail && res.bad_rows) {
      const auto& b = res.bad.front();
      throw Error(ErrorKind::bad_csv, b.what, in.path, b.line);
    }
    release(batch, false, false);  // as a file chunk: a new batch is taken before the next chunk
    ledger.publish_commit(0, {in.size, false});
  } catch (...) {
    ledger.publish_commit(0, {0, true});
    throw;
  }
}

void Pipeline::complete_guarded(ParsedChunk& pc, InputWindow& w) {
  try {
    complete_file_chunk(pc, w);
  } catch (...) {
    if (pc.batch) pc.batch->clear();
    fail(pc.g, std::current_exception());
  }
}

void Pipeline::cascade(std::size_t g, InputWindow& w) {
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

bool Pipeline::park(ParsedChunk&& pc, KeyBatch*& batch) {
  // The commit hand-off would wait for the chunk before to commit. Instead of waiting,
  // park this one: whoever commits the chunk before completes it (cascade),
  // and this reader goes on parsing. On bench/gen medium at -j2, readers had
  // spent 0.3 s of a 0.47 s build in that wait. Exactly one side completes a
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

void Pipeline::reader_main() {
  InputWindow window;
  HeaderMemo header_memo;
  KeyBatch* batch = nullptr;
  for (;;) {
    if (!batch) batch = key_pool_.take();  // before a chunk: see the deadlock note in chunk_ledger.hpp
    const std::size_t g = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    if (g >= chunks_.size()) break;
    const Chunk& ch = chunks_[g];
    try {
      const InputFile& in = files_[ch.file];
      if ((in.stream || in.header_pending) && stopped(g)) {
        ledgers_[ch.file]->publish_commit(0, {0, true});  // a whole-file chunk, not started
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
      if (batch) batch->clear();
      fail(g, std::current_exception());
      if (!files_[ch.file].stream) cascade(g, window);
    }
    // A file is done when its last chunk is (a close enough count for progress).
    if (progress_ && (g + 1 == chunks_.size() || chunks_[g + 1].file != ch.file))
      progress_->files_done.fetch_add(1, std::memory_order_relaxed);
  }
  release(batch, true, false);  // what the last chunks left (their keys are verified)
  if (batch) key_pool_.give(batch);
  if (single_thread_) return;
  if (workers_) key_queue_.producer_done();
  else hash_queue_.producer_done();
}

void Pipeline::worker_main() {
  const std::uint64_t seed = filter_.params().seed;
  while (KeyBatch* kb = key_queue_.pop()) {
    HashBatch* hb = hash_pool_.take();
    KeyHash* out = hb->resize(kb->key_count());
    for (std::size_t i = 0; i < kb->key_count(); ++i) out[i] = hash_key_inline(kb->key_data(i), kb->key_size(i), seed);
    key_pool_.give(kb);
    hash_queue_.push(hb);
  }
  hash_queue_.producer_done();
}

void Pipeline::reducer_main() {
  while (HashBatch* hb = hash_queue_.pop()) {
    filter_.insert_batch(hb->data(), hb->size());
    hash_pool_.give(hb);
  }
}

BuildStats Pipeline::run() {
  const auto t0 = std::chrono::steady_clock::now();
  if (single_thread_) {
    reader_main();  // in the caller's thread; it is then the only writer of the bits
  } else {
    std::thread reducer([this] { reducer_main(); });
    std::vector<std::thread> workers, readers;
    for (unsigned i = 0; i < workers_; ++i) workers.emplace_back([this] { worker_main(); });
    for (unsigned i = 0; i < readers_; ++i) readers.emplace_back([this] { reader_main(); });
    for (auto& t : readers) t.join();
    for (auto& t : workers) t.join();
    reducer.join();
  }

  if (failure_) {
    // A small file's header problem shows only when it is read, which stops
    // the build there: plan everything in full now, so that the error lists
    // every unusable input, as planning up front does (the build's own error
    // stands when all inputs are usable).
    if (deferred_any_) (void)plan_inputs(opt_);
    std::rethrow_exception(failure_->second);
  }
  if (opt_.cancel && opt_.cancel->load()) throw Error(ErrorKind::cancelled, "cancelled");
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
}  // namespace detail

void check_inputs(const BuildOptions& options) { (void)detail::plan_inputs(options); }

BuildStats build_filter(const BuildOptions& options, BloomFilter& filter, BuildProgress* progress) {
  if (!filter.writable()) throw Error(ErrorKind::invalid_argument, "build_filter needs a writable filter");
  if (options.key.column_count() > kMaxKeyColumns)
    throw Error(ErrorKind::invalid_argument, "at most " + std::to_string(kMaxKeyColumns) + " key columns");
  detail::Pipeline pipeline(options, filter, progress);
  return pipeline.run();
}

}  // namespace csvbloom
