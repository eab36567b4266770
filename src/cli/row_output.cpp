// row_output.cpp: RowOutput (row_output.hpp).
#include "cli/row_output.hpp"

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

RowOutput::RowOutput(const std::string& path) : path_(path == "-" ? "" : path) {
  if (!path_.empty()) {
    check_output_path(path_, "--output");
    file_ = std::make_unique<detail::AtomicFileWriter>(path_);
    protect_temp_file(file_->temp_path());
    fd_ = file_->fd();
  }
  buf_.reserve(kOutputBuffer);
}

RowOutput::~RowOutput() {
  if (file_) unprotect_temp_file(file_->temp_path());
}

void RowOutput::write(std::string_view bytes) {
  if (buf_.size() + bytes.size() > kOutputBuffer) flush();
  if (bytes.size() >= kOutputBuffer) {  // a batch's run of rows: written as it is, not copied first
    write_all(bytes.data(), bytes.size());
    return;
  }
  buf_.append(bytes);
}

void RowOutput::flush() {
  write_all(buf_.data(), buf_.size());
  buf_.clear();
}

void RowOutput::write_all(const char* p, std::size_t left) {
  while (left) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE && !file_) {
      // The reader went away (`| head`): end as grep does, by SIGPIPE, quietly.
      std::signal(SIGPIPE, SIG_DFL);
      std::raise(SIGPIPE);
    }
    if (n < 0)
      throw Error(ErrorKind::io, std::string("can't write: ") + std::strerror(errno),
                  path_.empty() ? "<stdout>" : path_);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void RowOutput::commit() {
  flush();
  if (file_) {
    file_->commit();
    unprotect_temp_file(file_->temp_path());
    file_->remove_stale_temps();
  }
}

}  // namespace csvbloom::cli
