// output.cpp: Output (output.hpp).
#include "cli/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "cli/cli_common.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom::cli {
namespace {
// Writes reach the kernel in 1 MiB pieces: a system call per batch of rows.
constexpr std::size_t kOutputBuffer = 1u << 20;
}  // namespace

Output::Output(const std::string& path, Dash dash)
    : path_(path == "-" && dash == Dash::standard_output ? "" : path) {
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

void Output::write(std::string_view bytes) {
  if (buf_.size() + bytes.size() > kOutputBuffer) flush();
  if (bytes.size() >= kOutputBuffer) {  // a batch's run of rows: written as it is, not copied first
    write_all(bytes.data(), bytes.size());
    return;
  }
  if (buf_.capacity() < kOutputBuffer) buf_.reserve(kOutputBuffer);
  buf_.append(bytes);
}

void Output::flush() {
  write_all(buf_.data(), buf_.size());
  buf_.clear();
}

void Output::write_all(const char* p, std::size_t left) {
  while (left) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE && !file_) {
      // The reader of standard output or of a FIFO went away (`| head`): end
      // as grep does, by SIGPIPE, quietly.
      std::signal(SIGPIPE, SIG_DFL);
      std::raise(SIGPIPE);
    }
    if (n <= 0)
      throw Error(ErrorKind::io, std::string("can't write: ") + std::strerror(n < 0 ? errno : EIO),
                  to_stdout() ? "<stdout>" : path_);
    p += n;
    left -= static_cast<std::size_t>(n);
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
