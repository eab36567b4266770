// record_reader.cpp: read_records, the one parse loop (record_reader.hpp).
#include "core/pipeline/record_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/csv/byte_scan.hpp"
#include "core/csv/key_builder.hpp"
#include "core/csv/structural_parser.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::detail {

OpenedInput::OpenedInput(const InputFile& in, InputWindow& w) : fd_(::open(in.path.c_str(), O_RDONLY | O_CLOEXEC)) {
  if (fd_ < 0) throw Error(ErrorKind::io, std::string("can't open: ") + std::strerror(errno), in.path);
  w.attach(fd_, false, in.size, in.path);
}

OpenedInput::~OpenedInput() { ::close(fd_); }

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

std::uint64_t LineCursor::advance(const InputWindow& w, std::uint64_t to, char quote) {
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

namespace {

void add_bad(const BuildOptions& opt, ChunkResult& res, LineCursor& lines, const InputWindow& w,
             std::uint64_t offset, std::string what) {
  ++res.bad_rows;
  if (res.bad.size() < std::max<std::size_t>(opt.max_reported_errors, 1))
    res.bad.push_back({offset, lines.advance(w, offset, opt.key.dialect.quote), std::move(what)});
}

std::string too_long(const BuildOptions& opt) {
  return "record longer than the limit of " + std::to_string(opt.max_record_bytes) + " bytes (--max-record-bytes)";
}

}  // namespace

std::uint64_t read_records(const InputFile& in, const BuildOptions& opt, RecordSplitter& sp, InputWindow& w,
                           std::uint64_t p, std::uint64_t until, KeyBatch& batch, ChunkResult& res,
                           LineCursor& lines) {
  const char quote = opt.key.dialect.quote;
  const Normalization norm = opt.key.normalization;
  const std::uint32_t expected = in.expected_fields;
  const std::uint32_t needed = sp.max_key_column() + 1;
  const bool rows_mode = batch.keeps_rows();
  const CleanParseContext clean{in.delimiter, quote, expected, opt.max_record_bytes, norm};
  CleanParseCounts counts;
  // Rows mode: the batch names each record's bytes in the window and copies
  // them, a run at a time, at batch.flush_rows(): before the window moves
  // (reset, extend, drop_before) and before returning. A file chunk's window
  // holds the whole chunk, so that is nearly always one copy per chunk.
  while (p < until) {
    if (p >= w.end_offset()) {
      batch.flush_rows();
      if (p > w.end_offset() && !in.stream) w.reset(p);  // a file's window never has to hold bytes before p
      if (!w.extend(kLookahead)) break;                  // end of input
      continue;  // decoded windows extend by one window at a time: p may still be past the bytes
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
        if (w.end_offset() - p > opt.max_record_bytes) {
          ++res.rows;
          add_bad(opt, res, lines, w, p, too_long(opt));
          // Resynchronise at the next line end outside quotes, dropping the
          // bytes passed over so that memory stays bounded.
          bool in_quotes = false;
          std::uint64_t q = p;
          batch.flush_rows();
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
        batch.flush_rows();
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
        add_bad(opt, res, lines, w, p, "unterminated quote: a quoted field opened in this record never closes");
        p = w.end_offset();
        continue;
      case RecordState::complete:
        break;
    }
    ++res.rows;
    const std::uint64_t next = p + static_cast<std::uint64_t>(r.next - w.at(p));
    if (next - p > opt.max_record_bytes) {  // complete, but over the limit: the same answer for any chunk size
      add_bad(opt, res, lines, w, p, too_long(opt));
      p = next;
      continue;
    }
    if (r.field_count < needed || (expected && r.field_count != expected)) {
      add_bad(opt, res, lines, w, p,
              r.field_count < needed
                  ? "record has " + std::to_string(r.field_count) + " field" + (r.field_count == 1 ? "" : "s") +
                        ", the key needs at least " + std::to_string(needed)
                  : "record has " + std::to_string(r.field_count) + " fields, the " +
                        (opt.key.dialect.has_header ? "header has " : "first record has ") +
                        std::to_string(expected) + " (--allow-ragged accepts this)");
      p = next;
      continue;
    }
    const bool appended = append_key(sp, quote, norm, batch);
    if (!appended) ++res.empty_keys;
    if (rows_mode) {  // one key per row, an empty one included; then the row's own bytes
      if (!appended) batch.commit_key(0);
      batch.add_row(w.at(p), w.at(next));
    }
    p = next;
  }
  // Rows mode: the chunk's rows are usually one run in the window; the batch
  // then takes the window's buffer instead of a copy of them.
  if (!(rows_mode && w.trade_buffer([&](Buffer<char>& b, std::size_t& cap) { return batch.adopt_run(b, cap); })))
    batch.flush_rows();
  res.rows += counts.rows;
  res.empty_keys += counts.empty_keys;
  return p;
}

}  // namespace csvbloom::detail
