// decoded_stream.cpp: see decoded_stream.hpp.
#include "core/io/decoded_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "csvbloom/error.hpp"

namespace csvbloom::detail {

DecodedStream::DecodedStream(int fd, std::string path, std::size_t window_bytes, std::size_t max_alive,
                             NewlineCounter count_newlines, WindowBufferPool& buffers)
    : fd_(fd),
      path_(std::move(path)),
      window_bytes_(std::max<std::size_t>(window_bytes, 1)),
      max_alive_(std::max<std::size_t>(max_alive, 1)),
      count_newlines_(count_newlines),
      buffers_(buffers) {}

DecodedStream::~DecodedStream() {
  if (fd_ > 0) ::close(fd_);
}

void DecodedStream::stop() {
  std::lock_guard lock(decode_mu_);
  stop_ = true;
}

DecodedStream::Step DecodedStream::decode_next(bool force) {
  std::lock_guard dlock(decode_mu_);
  if (ended()) return Step::ended;
  if (!force) {
    std::lock_guard lock(mu_);
    if (windows_.size() >= max_alive_) return Step::full;
  }
  auto w = std::make_shared<DecodedWindow>();
  w->begin = decoded_;
  const std::size_t prefix = decoded_ ? 1 : 0;
  bool at_end = stop_;
  std::size_t len = 0;
  if (!at_end) {
    // window_bytes_ in all, the prefix byte included: a buffer of 4 MiB is
    // two huge pages, of 4 MiB + 1 three (make_buffer).
    const std::size_t cap = std::max(window_bytes_, prefix + carry_.size() + 1);
    w->bytes = buffers_.take(cap, w->capacity);
    if (prefix) w->bytes[0] = last_byte_;
    std::memcpy(w->bytes.get() + prefix, carry_.data(), carry_.size());
    len = carry_.size();
    carry_.clear();
    try {
      if (!decoder_) decoder_ = std::make_unique<StreamDecoder>(fd_, path_);
      const std::size_t want = cap - prefix;
      while (len < want) {
        const std::size_t r = decoder_->read(w->bytes.get() + prefix + len, want - len);
        if (r == 0) {
          at_end = true;
          break;
        }
        len += r;
      }
    } catch (...) {
      w->error = std::current_exception();
      at_end = true;
      len = 0;  // the bytes decoded before the error are not handed out: the
                // error is reported where they would have been
    }
    if (!at_end) {  // cut after the last '\n'; carry the rest
      const char* data = w->bytes.get() + prefix;
      const void* nl = ::memrchr(data, '\n', len);
      if (nl) {
        const std::size_t keep = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
        carry_.assign(data + keep, len - keep);
        len = keep;
      }
    }
  }
  if (len == 0) {  // the terminal window (w->error says why, if not the end of data)
    w->terminal = true;
    w->end = w->begin;
    w->bytes.reset();
    if (decoder_) w->raw_end = decoder_->raw_bytes_read();
    decoder_.reset();  // its state (up to 8 MiB of zstd window) goes now, not with the driver
    if (fd_ > 0) {
      ::close(fd_);
      fd_ = -1;
    }
  } else {
    w->end = w->begin + len;
    last_byte_ = w->bytes[prefix + len - 1];
    decoded_ = w->end;
    w->raw_end = decoder_->raw_bytes_read();
  }
  // A window that ran into the end of data is published, then the terminal
  // one on the next call.
  const bool terminal = w->terminal;
  {
    std::lock_guard lock(mu_);
    windows_.push_back(std::move(w));
    settled_.push_back(false);
    published_.fetch_add(1, std::memory_order_release);
    if (terminal) ended_.store(true, std::memory_order_release);
  }
  return terminal ? Step::ended : Step::decoded;
}

std::shared_ptr<const DecodedWindow> DecodedStream::window(std::size_t j) {
  std::lock_guard lock(mu_);
  if (j < lo_ || j - lo_ >= windows_.size())
    throw Error(ErrorKind::io, "internal: decoded window " + std::to_string(j) + " is not held", path_);
  return windows_[j - lo_];
}

std::shared_ptr<const DecodedWindow> DecodedStream::window_at(std::uint64_t offset) {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      // The first window whose bytes end past offset (windows are sorted;
      // the terminal one, last, holds no bytes).
      auto stop = windows_.end();
      const bool has_terminal = !windows_.empty() && windows_.back()->terminal;
      if (has_terminal) --stop;
      // The byte before a window's start is also in that window (its
      // prefix): prefer it, so that a reader starting there borrows one
      // window instead of copying two.
      auto it = std::partition_point(windows_.begin(), stop,
                                     [&](const std::shared_ptr<DecodedWindow>& w) { return w->end <= offset + 1; });
      if (it == stop || offset < (*it)->first_offset())
        it = std::partition_point(windows_.begin(), stop,
                                  [&](const std::shared_ptr<DecodedWindow>& w) { return w->end <= offset; });
      if (it != stop) {
        if (offset < (*it)->first_offset())
          throw Error(ErrorKind::io, "internal: decoded bytes at " + std::to_string(offset) + " were freed", path_);
        return *it;
      }
      if (has_terminal) {  // past the last byte
        if (windows_.back()->error) std::rethrow_exception(windows_.back()->error);
        return nullptr;
      }
      if (ended()) return nullptr;  // everything settled and freed
    }
    decode_next(/*force=*/true);
  }
}

void DecodedStream::count_upto(std::size_t j) {
  for (; counted_ < j; ++counted_) {
    const DecodedWindow& w = *windows_[counted_ - lo_];
    if (!w.terminal) newlines_ += count_newlines_(w.at(w.begin), static_cast<std::size_t>(w.end - w.begin));
  }
}

void DecodedStream::retire(std::size_t j) {
  std::lock_guard lock(mu_);
  settled_[j - lo_] = true;
  while (!settled_.empty() && settled_.front()) {
    count_upto(lo_ + 1);
    // Keep its buffer for a later window, unless a reader still holds the
    // window (a shared_ptr copy: then the buffer goes with the last holder).
    std::shared_ptr<DecodedWindow>& w = windows_.front();
    if (w.use_count() == 1 && w->bytes) buffers_.give(std::move(w->bytes), w->capacity);
    windows_.pop_front();
    settled_.pop_front();
    ++lo_;
  }
}

std::uint64_t DecodedStream::newlines_before(std::size_t j) {
  std::lock_guard lock(mu_);
  count_upto(j);
  return newlines_;
}

}  // namespace csvbloom::detail
