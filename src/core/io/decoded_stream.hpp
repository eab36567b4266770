// decoded_stream.hpp: a stream (stdin, a FIFO, a gzip or zstd file) decoded
// by one thread into numbered windows that every reader can parse (issue 15,
// "decode on one thread, parse on all"; docs/DESIGN.md, "Decoded windows").
//
// Window j holds the decoded bytes [begin_j, end_j); windows are consecutive
// (end_j == begin_{j+1}) and each also keeps the byte before its begin, which
// is all a reader needs to guess its first record start (chunk_ledger.hpp).
// The decoder cuts a window after its last '\n' (the rest is carried into the
// next one), so that with well-formed data a window's last record ends at its
// end and its reader needs nothing from the next window. The sequence ends
// with one empty *terminal* window: at the end of data, or carrying the
// decoding error (a corrupt or truncated file), or after stop().
//
// Memory: at most max_alive windows are kept when decode_next(false) asks;
// a window is freed once it and every window before it are settled (their
// records committed or abandoned: retire()). A reader that needs bytes past
// the last decoded window (a record that straddles many windows) decodes
// them itself (window_at), beyond max_alive: the bound holds for records
// shorter than the windows, the only case where waiting could deadlock.
//
// Thread safety: everything may be called from any thread. Decoding is
// serialised by its own mutex; look-ups take a short lock and hand out
// shared_ptrs, so bytes are copied outside any lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/common/grow_array.hpp"
#include "core/io/stream_decoder.hpp"

namespace csvbloom::detail {

struct DecodedWindow {
  std::uint64_t begin{0}, end{0};   // decoded offsets [begin, end)
  std::uint64_t raw_end{0};         // input bytes read when it was cut (compressed, for progress)
  bool terminal{false};             // the empty window after the last
  std::exception_ptr error;         // a terminal window after a decoding error
  Buffer<char> bytes;               // [begin - prefix, end), prefix = begin ? 1 : 0
  std::size_t capacity{0};          // of bytes (reused: see WindowBufferPool)
  const char* at(std::uint64_t offset) const noexcept { return bytes.get() + (offset - (begin - (begin ? 1 : 0))); }
  std::uint64_t first_offset() const noexcept { return begin ? begin - 1 : 0; }
};

// Window buffers shared by the streams of one build: a fresh 4 MiB buffer
// is an mmap, 1024 page faults and a munmap, which cost 12% of a -j2 build
// of 8 .gz files when each stream had buffers of its own. They are
// make_buffer's (huge pages): the pool still makes a buffer per window in
// flight, and with 4 KiB pages their first touch was 4.5% of a -j2 build of
// medium's 8 .gz files (perf, 2026-12-04, on the decoder's writes).
class WindowBufferPool {
 public:
  explicit WindowBufferPool(std::size_t max_kept) : max_(max_kept) {}
  // A buffer of at least `need` bytes (its capacity in `capacity`).
  Buffer<char> take(std::size_t need, std::size_t& capacity) {
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = free_.size(); i-- > 0;)
        if (free_[i].second >= need) {
          Buffer<char> b = std::move(free_[i].first);
          capacity = free_[i].second;
          free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
          return b;
        }
    }
    capacity = need;
    return make_buffer<char>(need);
  }
  void give(Buffer<char> b, std::size_t capacity) {
    std::lock_guard lock(mu_);
    if (free_.size() < max_) free_.emplace_back(std::move(b), capacity);
  }

 private:
  std::mutex mu_;
  std::size_t max_;
  std::vector<std::pair<Buffer<char>, std::size_t>> free_;
};

class DecodedStream {
 public:
  using NewlineCounter = std::uint64_t (*)(const char*, std::size_t);
  // fd is owned (closed at the end of data) unless it is 0 (stdin).
  DecodedStream(int fd, std::string path, std::size_t window_bytes, std::size_t max_alive,
                NewlineCounter count_newlines, WindowBufferPool& buffers);
  ~DecodedStream();
  DecodedStream(const DecodedStream&) = delete;
  DecodedStream& operator=(const DecodedStream&) = delete;

  enum class Step : std::uint8_t { decoded, full, ended };
  // Decodes one window (or the terminal one). `force`: even if max_alive are
  // kept. Never throws for bad data: the error goes in the terminal window.
  Step decode_next(bool force);
  // The next window is the terminal one (called when the build stops).
  void stop();

  std::size_t published() const noexcept { return published_.load(std::memory_order_acquire); }
  bool ended() const noexcept { return ended_.load(std::memory_order_acquire); }
  // Window j < published(), not yet freed.
  std::shared_ptr<const DecodedWindow> window(std::size_t j);
  // The window that holds `offset` (its own bytes or its prefix byte),
  // decoding as needed; nullptr past the end of data. Throws the decoding
  // error when the bytes asked for are past it.
  std::shared_ptr<const DecodedWindow> window_at(std::uint64_t offset);
  // Window j is settled; frees the settled prefix (after counting its lines).
  void retire(std::size_t j);
  // The newlines in the decoded bytes before window j (j's predecessors must
  // not be freed without having been counted: retire counts them).
  std::uint64_t newlines_before(std::size_t j);

  const std::string& path() const noexcept { return path_; }

 private:
  void count_upto(std::size_t j);  // under mu_
  int fd_;
  std::string path_;
  std::size_t window_bytes_, max_alive_;
  NewlineCounter count_newlines_;

  std::mutex decode_mu_;  // guards the decoder and what follows
  std::unique_ptr<StreamDecoder> decoder_;
  std::exception_ptr open_error_;
  std::string carry_;  // bytes after the last window's last '\n'
  char last_byte_{0};
  std::uint64_t decoded_{0};
  bool stop_{false};

  std::mutex mu_;  // guards what follows
  std::deque<std::shared_ptr<DecodedWindow>> windows_;  // windows [lo_, published_)
  std::deque<bool> settled_;
  WindowBufferPool& buffers_;  // freed windows' buffers go back there
  std::size_t lo_{0};
  std::size_t counted_{0};  // windows whose newlines are in newlines_
  std::uint64_t newlines_{0};
  std::atomic<std::size_t> published_{0};
  std::atomic<bool> ended_{false};
};

}  // namespace csvbloom::detail
