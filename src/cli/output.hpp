// output.hpp: every file a subcommand writes (build's filter and
// --stats-json, the rows of select and dedupe, dedupe --save, merge's result).
//
// Where the bytes go depends on what the path names:
//   - "" or "-": standard output, written in place (every flag that writes
//     a file takes "-" so, or refuses it: a file called "-" is "./-");
//   - an existing file that is not a regular file or a directory (a device
//     such as /dev/null or /dev/stderr, a FIFO): written in place, since
//     there is nothing to replace atomically and a rename would replace the
//     device node itself;
//   - anything else (a new path, a regular file): through a temp file in the
//     same directory (detail::AtomicFileWriter), renamed over the path only by
//     commit(), so a failed or interrupted run leaves an existing file as it
//     was. That temp file is removed by SIGINT/SIGTERM/SIGHUP/SIGPIPE from
//     construction until commit() or destruction (protect_temp_file).
// Which of those a flag accepts is the command's policy, checked before an
// Output is made (check_output_path); Output only carries it out.
//
// Opened at construction, so that an unwritable place fails before any work.
// write() goes through one 1 MiB buffer, not stdio (rows arrive in large
// batches already), and a write of 1 MiB or more goes to the kernel as it
// is. Rows lent by select and dedupe (write_lent: runs of records in a
// batch's row arena) are noted, not copied, and at end_batch() written with
// writev, or copied into the buffer when the batch lent less than 64 KiB (a
// system call per tiny batch would cost more than the copy). fd() writes
// everything out first, for writers that take a descriptor (write_filter).
#pragma once

#include <sys/uio.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/atomic_file.hpp"
#include "csvbloom/rows.hpp"

namespace csvbloom::cli {

class Output final : public RowSink {
 public:
  // Throws Error(io) naming `path` when it can't be opened.
  explicit Output(const std::string& path);
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() override;

  bool to_stdout() const noexcept { return path_.empty(); }
  // Whether commit() will rename a temp file into place.
  bool atomic() const noexcept { return file_ != nullptr; }
  // The descriptor, after writing out what write() buffered.
  int fd();
  void write(std::string_view bytes) override;
  void write_lent(std::string_view bytes) override;
  void end_batch() override;
  // Writes out the buffer and, for a temp file, fsyncs and closes it: call it
  // on every output before committing any, so that some outputs new and
  // others old is a window of a few renames.
  void finish();
  // finish(), then renames the temp file into place.
  void commit();

 private:
  void write_all(const char* p, std::size_t n);
  void flush();  // the buffer, then the lent pieces
  // A write(2)/writev(2) result: throws Error(io) for an error (ends quietly
  // by SIGPIPE for a closed pipe on standard output or a FIFO), else returns
  // the bytes written; 0 for EINTR.
  std::size_t written(ssize_t n);
  std::string path_;  // "" for standard output
  std::unique_ptr<detail::AtomicFileWriter> file_;
  int fd_{1};
  bool own_fd_{false};
  std::string buf_;
  std::vector<iovec> lent_;  // write_lent's pieces, in order, not yet written (after buf_)
  std::size_t lent_bytes_{0};
};

}  // namespace csvbloom::cli
