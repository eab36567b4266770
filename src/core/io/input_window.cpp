// input_window.cpp: see input_window.hpp.
#include "core/io/input_window.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/common/grow_array.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::detail {

void InputWindow::attach(int fd, bool stream, std::uint64_t file_size, std::string path) {
  fd_ = fd;
  stream_ = stream;
  file_size_ = file_size;
  path_ = std::move(path);
  base_ = 0;
  len_ = 0;
  eof_ = !stream && file_size == 0;
  decoder_.reset();
  source_ = nullptr;
  unborrow();
  if (stream) decoder_ = std::make_unique<StreamDecoder>(fd, path_);
}

void InputWindow::attach(DecodedStream& source) {
  fd_ = -1;
  stream_ = false;
  file_size_ = 0;
  path_ = source.path();
  base_ = 0;
  len_ = 0;
  eof_ = false;
  decoder_.reset();
  unborrow();
  source_ = &source;
}

void InputWindow::reserve(std::size_t need) {
  // From 64 KiB: a small file (or a fuzz input) needs no more, and a chunk
  // of a large one reserves its whole size at once (one allocation either way).
  if (need > capacity_) grow_array(data_, capacity_, borrowed_ ? 0 : len_, need, 64u << 10);
  if (!borrowed_) buf_ = data_.get();
}

bool InputWindow::extend(std::size_t min_more) {
  if (eof_) return false;
  std::size_t want = min_more;
  if (source_) {
    if (len_ == 0) {  // borrow the window that holds base_
      if (borrowed_) unborrow();
      std::shared_ptr<const DecodedWindow> w = source_->window_at(base_);
      if (!w) {
        eof_ = true;
        return false;
      }
      buf_ = w->at(base_);
      len_ = static_cast<std::size_t>(w->end - base_);
      borrowed_ = std::move(w);
      return true;
    }
    reserve(len_ + want);  // while borrowed: a buffer of its own, nothing copied into it yet
    if (borrowed_) {       // growing past a borrowed window: own a copy of what is held
      std::memcpy(data_.get(), buf_, len_);
      unborrow();
    }
    // From one window per call: with tiny windows (tests' 16-byte chunks) a
    // 64 KiB look-ahead would copy thousands of them, and force-decode them,
    // for every window parsed. Callers loop until they have enough.
    const std::uint64_t at = base_ + len_;
    const std::shared_ptr<const DecodedWindow> w = source_->window_at(at);
    if (!w) {
      eof_ = true;
      return false;
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(want, w->end - at));
    std::memcpy(data_.get() + len_, w->at(at), n);
    len_ += n;
    return n > 0;
  }
  if (!stream_) {
    const std::uint64_t left = file_size_ - (base_ + len_);
    if (left < want) want = static_cast<std::size_t>(left);
    if (want == 0) {
      eof_ = true;
      return false;
    }
  }
  reserve(len_ + want);
  std::size_t got = 0;
  while (got < want) {
    ssize_t r = stream_ ? static_cast<ssize_t>(decoder_->read(data_.get() + len_ + got, want - got))
                        : ::pread(fd_, data_.get() + len_ + got, want - got,
                                  static_cast<off_t>(base_ + len_ + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::io, std::string("read failed: ") + std::strerror(errno), path_);
    }
    if (r == 0) {
      if (!stream_)
        throw Error(ErrorKind::io,
                    "the file shrank while being read (it had " + std::to_string(file_size_) +
                        " bytes; reading stopped at " + std::to_string(base_ + len_ + got) + ")",
                    path_);
      eof_ = true;
      break;
    }
    got += static_cast<std::size_t>(r);
  }
  len_ += got;
  if (!stream_ && base_ + len_ >= file_size_) eof_ = true;
  return got > 0;
}

void InputWindow::drop_before(std::uint64_t offset) noexcept {
  const std::size_t drop = static_cast<std::size_t>(offset - base_);
  if (drop == 0) return;
  if (borrowed_) {
    buf_ += drop;
    len_ -= drop;
    base_ = offset;
    return;
  }
  std::memmove(data_.get(), data_.get() + drop, len_ - drop);
  len_ -= drop;
  base_ = offset;
}

}  // namespace csvbloom::detail
