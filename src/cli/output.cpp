// output.cpp: Output (output.hpp).
#include "cli/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

#include "cli/cli_common.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::cli {
namespace {
// Writes reach the kernel in 1 MiB pieces: a system call per batch of rows.
constexpr std::size_t kOutputBuffer = 1u << 20;
// A batch that lent less (select and dedupe's rows of a small file or a
// small chunk) is copied into the buffer: a writev per such batch would be a
// system call per 16-byte chunk.
constexpr std::size_t kCopyLentBelow = 64u << 10;
}  // namespace

Output::Output(const std::string& path) : path_(path == "-" ? "" : path) {
  if (path_.empty()) {
    fd_ = STDOUT_FILENO;
    return;
  }
  // stat, not lstat: `--stats-json /dev/stderr` is a link to a device.
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(ErrorKind::io, std::string("can't open for writing: ") + std::strerror(errno), path_);
    own_fd_ = true;
    return;
  }
  file_ = std::make_unique<detail::AtomicFileWriter>(path_);
  protect_temp_file(file_->temp_path());
  fd_ = file_->fd();
}

Output::~Output() {
  if (own_fd_) ::close(fd_);
  if (file_) unprotect_temp_file(file_->temp_path());
}

int Output::fd() {
  flush();
  return fd_;
}

// The bytes go out in order: buf_, then lent_. So write() first settles what
// was lent, and a lent piece never waits behind the buffer.
void Output::write(std::string_view bytes) {
  if (!lent_.empty()) end_batch();
  if (buf_.size() + bytes.size() > kOutputBuffer) flush();
  if (bytes.size() >= kOutputBuffer) {  // written as it is, not copied first
    write_all(bytes.data(), bytes.size());
    return;
  }
  if (buf_.capacity() < kOutputBuffer) buf_.reserve(kOutputBuffer);
  buf_.append(bytes);
}

// dedupe -j2 on bench/gen medium, output to /dev/null (2026-12-04): copying
// the kept runs (2 M dropped records cut them into runs of ~5 records) into
// the 1 MiB buffer was 6% of the run's CPU, all of it on the serial thread.
void Output::write_lent(std::string_view bytes) {
  if (bytes.empty()) return;
  lent_bytes_ += bytes.size();
  if (!lent_.empty()) {
    iovec& last = lent_.back();
    if (static_cast<const char*>(last.iov_base) + last.iov_len == bytes.data()) {  // adjacent: one piece
      last.iov_len += bytes.size();
      return;
    }
    if (lent_.size() == IOV_MAX) flush();
  }
  lent_.push_back({const_cast<char*>(bytes.data()), bytes.size()});
}

void Output::end_batch() {
  if (lent_bytes_ >= kCopyLentBelow || buf_.size() + lent_bytes_ > kOutputBuffer) {
    flush();
    return;
  }
  if (buf_.capacity() < kOutputBuffer) buf_.reserve(kOutputBuffer);
  for (const iovec& v : lent_) buf_.append(static_cast<const char*>(v.iov_base), v.iov_len);
  lent_.clear();
  lent_bytes_ = 0;
}

void Output::flush() {
  std::vector<iovec> pieces;
  pieces.swap(lent_);  // cleared whatever happens: the batch that lent them goes back to the pool
  lent_bytes_ = 0;
  write_all(buf_.data(), buf_.size());
  buf_.clear();
  for (std::size_t i = 0; i < pieces.size();) {
    std::size_t n = written(::writev(fd_, pieces.data() + i, static_cast<int>(pieces.size() - i)));
    while (n) {  // past the pieces written whole, into the one written in part
      iovec& v = pieces[i];
      const std::size_t step = std::min(n, v.iov_len);
      v.iov_base = static_cast<char*>(v.iov_base) + step;
      v.iov_len -= step;
      n -= step;
      if (v.iov_len == 0) ++i;
    }
  }
  pieces.clear();
  if (lent_.capacity() < pieces.capacity()) lent_.swap(pieces);  // keep the storage
}

std::size_t Output::written(ssize_t n) {
  if (n < 0 && errno == EINTR) return 0;
  if (n < 0 && errno == EPIPE && !file_) {
    // The reader of standard output or of a FIFO went away (`| head`): end
    // as grep does, by SIGPIPE, quietly.
    std::signal(SIGPIPE, SIG_DFL);
    std::raise(SIGPIPE);
  }
  if (n <= 0)
    throw Error(ErrorKind::io, std::string("can't write: ") + std::strerror(n < 0 ? errno : EIO),
                to_stdout() ? "<stdout>" : path_);
  return static_cast<std::size_t>(n);
}

void Output::write_all(const char* p, std::size_t left) {
  while (left) {
    const std::size_t n = written(::write(fd_, p, left));
    p += n;
    left -= n;
  }
}

void Output::finish() {
  flush();
  if (file_) file_->finish();
}

void Output::commit() {
  finish();
  if (file_) {
    file_->commit();
    unprotect_temp_file(file_->temp_path());
    file_->remove_stale_temps();
  }
}

}  // namespace csvbloom::cli
