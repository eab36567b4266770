// batches.hpp: the units that move between pipeline stages.
//
// KeyBatch: the keys of one chunk, back to back in one arena, with end
// offsets; with keep_rows(true), also every record's own bytes (for commands
// that print rows), one key per row, empty keys included as zero-length keys.
// It is the record sink the parsers feed. Rows are not copied one by one: a
// parser names each record's bytes where they lie in the reader's window
// (add_row), records that follow each other there form one run, and a run is
// copied into the row arena in one piece (flush_rows), which the reader does
// before its window moves and before it hands the batch on. On bench/gen
// `medium` a chunk is nearly always one run: one copy per 4 MiB chunk instead
// of one per record (select -j1 CPU: see bench/RESULTS.md, rows section).
// Its memory is kept across reuse (clear() keeps capacity), so after the
// first few chunks no stage allocates.
// HashBatch: the 128-bit hashes of one KeyBatch.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "core/common/grow_array.hpp"
#include "csvbloom/hash.hpp"

namespace csvbloom::detail {

class KeyBatch {
 public:
  void clear() noexcept {
    size_ = 0;
    count_ = 0;
    row_size_ = 0;
    rows_base_ = 0;
    run_begin_ = run_end_ = nullptr;
  }
  // Rows mode: every record appends its bytes (append_row) and exactly one key,
  // a zero-length one when its key is empty, so that key i belongs to row i.
  void keep_rows(bool on) noexcept { keep_rows_ = on; }
  bool keeps_rows() const noexcept { return keep_rows_; }
  std::size_t key_count() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  std::size_t bytes() const noexcept { return size_; }

  // Room for n more bytes at write_ptr().
  char* reserve(std::size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    return data_.get() + size_;
  }
  void commit_key(std::size_t n) {
    if (count_ == ends_capacity_) grow_ends(count_ + 1);
    size_ += n;
    ends_[count_++] = size_;
  }

  // The structural parser's loop appends through raw pointers instead: with
  // room made for `keys` more keys and `bytes` more bytes, it writes keys at
  // raw_bytes() + bytes() and their end offsets at raw_ends() + key_count(),
  // then publishes them with commit_raw(). (Each commit_key() reloads the
  // batch's fields from memory, since the key bytes just stored may alias
  // them; locals stay in registers.)
  void reserve_raw(std::size_t keys, std::size_t bytes) {
    if (size_ + bytes > capacity_) grow(size_ + bytes);
    if (count_ + keys > ends_capacity_) grow_ends(count_ + keys);
  }
  char* raw_bytes() noexcept { return data_.get(); }
  std::size_t* raw_ends() noexcept { return ends_.get(); }
  void commit_raw(std::size_t key_count, std::size_t bytes) noexcept {
    count_ = key_count;
    size_ = bytes;
  }

  // Rows mode: record key_count() - 1 (its key just committed) is the bytes
  // [begin, end) of the reader's window; they are copied by flush_rows().
  void add_row(const char* begin, const char* end) {
    if (begin != run_end_) start_run(begin);
    run_end_ = end;
    if (count_ > row_ends_capacity_) grow_array(row_ends_, row_ends_capacity_, count_ - 1, count_, 4u << 10);
    row_ends_[count_ - 1] = row_size_ + static_cast<std::size_t>(end - run_begin_);
  }
  // Copies the rows named since the last flush into the row arena. The
  // window's bytes must not have moved since add_row() named them.
  void flush_rows() {
    const auto n = static_cast<std::size_t>(run_end_ - run_begin_);
    if (n) {
      if (rows_base_) {  // rows after an adopted run (rare): back to the arena's start first
        std::memmove(rows_.get(), rows_.get() + rows_base_, row_size_);
        rows_base_ = 0;
      }
      if (row_size_ + n > row_capacity_) grow_array(rows_, row_capacity_, row_size_, row_size_ + n, 256u << 10);
      std::memcpy(rows_.get() + row_size_, run_begin_, n);
      row_size_ += n;
    }
    run_begin_ = run_end_ = nullptr;
  }
  // Instead of flush_rows(), when the rows named since the last flush are all
  // the batch's rows and lie in `buffer` (the reader's window, of `capacity`
  // bytes): the batch takes that buffer as its row arena and gives its old
  // arena back in `buffer` and `capacity`, for the window to read its next
  // chunk into. No copy: a file chunk's rows are one run in the window, and
  // copying them was ~13% of dedupe -j2's CPU (perf, 2026-12-04). Returns
  // false, changing nothing, when the rows are not one whole run.
  bool adopt_run(Buffer<char>& buffer, std::size_t& capacity) noexcept {
    if (row_size_ != 0 || run_begin_ == run_end_) return false;
    rows_base_ = static_cast<std::size_t>(run_begin_ - buffer.get());
    row_size_ = static_cast<std::size_t>(run_end_ - run_begin_);
    std::swap(rows_, buffer);
    std::swap(row_capacity_, capacity);
    run_begin_ = run_end_ = nullptr;
    return true;
  }
  // The structural parser's rows loop (as reserve_raw/commit_raw for keys):
  // row_bias(at) continues the run at `at` (or starts one there) and returns
  // the bias b such that a record ending at at + k ends at row offset b + k,
  // written at raw_row_ends() + its key's index; end_run(e) then says where
  // the last of those records ends.
  std::size_t row_bias(const char* at) {
    if (at != run_end_) start_run(at);
    return row_size_ + static_cast<std::size_t>(at - run_begin_);
  }
  // Room for the end offsets of `rows` more rows (after reserve_raw: as many as keys).
  void reserve_raw_rows(std::size_t rows) {
    if (count_ + rows > row_ends_capacity_) grow_array(row_ends_, row_ends_capacity_, count_, count_ + rows, 4u << 10);
  }
  std::size_t* raw_row_ends() noexcept { return row_ends_.get(); }
  void end_run(const char* end) noexcept { run_end_ = end; }

  const char* row_data(std::size_t i) const noexcept { return rows_.get() + rows_base_ + (i ? row_ends_[i - 1] : 0); }
  std::size_t row_size(std::size_t i) const noexcept { return row_ends_[i] - (i ? row_ends_[i - 1] : 0); }

  // Drops keys (and rows) added after a checkpoint (a chunk re-parsed after a bad guess).
  std::size_t checkpoint() const noexcept { return count_; }
  // A checkpoint is taken between flushes, so row_ends_[keys - 1] is copied.
  void rollback(std::size_t keys) noexcept {
    count_ = keys;
    size_ = keys ? ends_[keys - 1] : 0;
    if (keep_rows_) row_size_ = keys ? row_ends_[keys - 1] : 0;
    run_begin_ = run_end_ = nullptr;
  }

  const char* key_data(std::size_t i) const noexcept { return data_.get() + (i ? ends_[i - 1] : 0); }
  std::size_t key_size(std::size_t i) const noexcept { return ends_[i] - (i ? ends_[i - 1] : 0); }

 private:
  void grow(std::size_t need) { grow_array(data_, capacity_, size_, need, 64u << 10); }
  void grow_ends(std::size_t need) { grow_array(ends_, ends_capacity_, count_, need, 4u << 10); }
  void start_run(const char* at) {
    flush_rows();
    run_begin_ = run_end_ = at;
  }
  Buffer<char> data_;
  std::size_t size_{0}, capacity_{0};
  Buffer<std::size_t> ends_;  // end offset of each key in data_
  std::size_t count_{0}, ends_capacity_{0};
  bool keep_rows_{false};
  Buffer<char> rows_;  // rows mode: each record's bytes, back to back, from rows_base_
  std::size_t row_size_{0}, row_capacity_{0};
  std::size_t rows_base_{0};  // non-zero after adopt_run(): where the rows start in rows_
  Buffer<std::size_t> row_ends_;  // end offset of each row in rows_
  std::size_t row_ends_capacity_{0};
  // Rows named by add_row() and not yet copied: the window's [run_begin_, run_end_),
  // due at rows_ + row_size_.
  const char* run_begin_{nullptr};
  const char* run_end_{nullptr};
};

// Storage is reused and never zero-filled (a vector's resize() would memset
// 16 bytes per key on every batch: 3% of a build's instructions).
class HashBatch {
 public:
  void clear() noexcept { size_ = 0; }
  KeyHash* resize(std::size_t n) {
    if (n > capacity_) {
      data_ = make_buffer<KeyHash>(n);
      capacity_ = n;
    }
    size_ = n;
    return data_.get();
  }
  const KeyHash* data() const noexcept { return data_.get(); }
  std::size_t size() const noexcept { return size_; }

 private:
  Buffer<KeyHash> data_;
  std::size_t size_{0}, capacity_{0};
};

}  // namespace csvbloom::detail
