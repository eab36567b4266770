// input_window.hpp: a reader's sliding window over one input's bytes.
//
// Readers own their I/O (large pread()s for files, read() for streams) rather
// than mapping files: the window is reused from chunk to chunk, so resident
// memory stays at a few chunk sizes per reader however large the input, and a
// file that shrinks while being read is detected (a short pread) instead of
// faulting (SIGBUS on a mapping).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/common/grow_array.hpp"
#include "core/io/decoded_stream.hpp"
#include "core/io/stream_decoder.hpp"

namespace csvbloom::detail {

class InputWindow {
 public:
  // fd stays owned by the caller. For a stream, size is unknown (0), reads
  // are sequential and decompressed when the data is gzip or zstd.
  void attach(int fd, bool stream, std::uint64_t file_size, std::string path);
  // The bytes of a stream decoded into windows (decoded_stream.hpp): any
  // offset still held can be reset to. An extend() from nothing borrows the
  // decoded window (no copy: a copy of every window was 8% of a -j1 build of
  // a .gz); one past it copies what is held, then from the next windows,
  // decoding more when a record runs past the last one.
  void attach(DecodedStream& source);

  // Files: forget the window and restart it at `offset` (nothing read yet).
  void reset(std::uint64_t offset) noexcept {
    base_ = offset;
    len_ = 0;
    if (borrowed_) unborrow();
    eof_ = !stream_ && !source_ && offset >= file_size_;
  }
  // Reads at least `min_more` more bytes (fewer only at end of input; from
  // decoded windows, at least one byte, up to the end of one window). Returns
  // false when nothing more could be read (end of input). Throws Error(io).
  bool extend(std::size_t min_more);
  // Drops the bytes before `offset` (which must be inside the window).
  void drop_before(std::uint64_t offset) noexcept;
  // A file's window: lets `trade(Buffer<char>& buffer, std::size_t& capacity)`
  // swap the window's buffer for another (KeyBatch::adopt_run). When it does
  // (returns true), the window has given its bytes away and goes on, empty,
  // at end_offset(). Streams and borrowed windows are not traded.
  template <class Trade>
  bool trade_buffer(Trade&& trade) {
    if (stream_ || source_ || borrowed_ || !trade(data_, capacity_)) return false;
    base_ += len_;
    len_ = 0;
    buf_ = data_.get();
    return true;
  }

  std::uint64_t base() const noexcept { return base_; }
  std::uint64_t end_offset() const noexcept { return base_ + len_; }
  bool at_eof() const noexcept { return eof_; }
  const char* at(std::uint64_t offset) const noexcept { return buf_ + (offset - base_); }
  const char* end() const noexcept { return buf_ + len_; }
  const std::string& path() const noexcept { return path_; }
  // Bytes taken from the file so far (compressed bytes for a compressed stream).
  std::uint64_t raw_bytes_read() const noexcept { return decoder_ ? decoder_->raw_bytes_read() : base_ + len_; }

 private:
  void reserve(std::size_t need);
  void unborrow() noexcept {
    borrowed_.reset();
    buf_ = data_.get();
  }
  int fd_{-1};
  bool stream_{false};
  bool eof_{false};
  std::uint64_t file_size_{0};
  std::uint64_t base_{0};
  std::size_t len_{0}, capacity_{0};
  Buffer<char> data_;
  const char* buf_{nullptr};  // data_, or a borrowed decoded window's bytes
  std::string path_;
  std::unique_ptr<StreamDecoder> decoder_;  // streams only
  DecodedStream* source_{nullptr};          // decoded windows only
  std::shared_ptr<const DecodedWindow> borrowed_;
};

}  // namespace csvbloom::detail
