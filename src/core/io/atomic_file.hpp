// core/io/atomic_file.hpp: crash-safe replacement of an output file.
//
// Writer plumbing, not public API (the public way to save a filter is
// csvbloom::save_filter_atomic): the CLI uses it for every output it writes.
//
// The new content goes to an unnamed temp file, open(dir, O_TMPFILE), in the
// target's directory, created at construction so that an unwritable
// directory fails before any work. Until commit() it has no name, so a
// process killed with SIGKILL (an OOM kill in a cron job) leaves nothing
// behind: the kernel frees the inode. commit() fsyncs, links the inode under
// a temp name (".<name>.tmp-<pid>-XXXXXX") and renames that over the target,
// then fsyncs the directory: the target is the old file or the new one,
// never a mixture. Where O_TMPFILE is unsupported (older kernels, some
// network file systems) the temp file is named from the start, as before
// 2026-12-04; SIGKILL then leaves it, and remove_stale_temps() (called after
// a successful commit) deletes those whose process is gone.
//
// A replaced file keeps its permission bits (a filter kept `chmod 640`
// because its keys are personal data stays 640) and, where the owner may set
// it, its group; a new file gets 0666 & ~umask.
#pragma once

#include <string>

namespace csvbloom::detail {

class AtomicFileWriter {
 public:
  // Throws Error(io) naming target_path. allow_unnamed = false forces the
  // named temp file (tests of the fallback).
  explicit AtomicFileWriter(std::string target_path, bool allow_unnamed = true);
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  const std::string& target_path() const noexcept { return target_; }
  // The named temp file, or "" while the temp file is unnamed.
  const std::string& temp_path() const noexcept { return temp_; }
  bool unnamed() const noexcept { return unnamed_; }
  int fd() const noexcept { return fd_; }
  // fsync and close; commit() does it when not done. Calling it on every
  // output before committing any keeps the window in which some outputs are
  // new and others old down to a few renames.
  void finish();  // throws Error(io); the temp file is removed on failure
  void commit();  // throws Error(io); the temp file is removed on failure
  void remove_stale_temps() const noexcept;

 private:
  std::string target_, dir_, base_, temp_;
  int fd_{-1};
  bool unnamed_{false}, finished_{false}, committed_{false};
  void discard() noexcept;
  [[noreturn]] void fail(const std::string& what, int err);
};

}  // namespace csvbloom::detail
