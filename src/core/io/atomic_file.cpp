// core/io/atomic_file.cpp: see atomic_file.hpp.
#include "core/io/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>

#include "csvbloom/error.hpp"

namespace csvbloom::detail {
namespace {

std::string temp_prefix(const std::string& base) { return "." + base + ".tmp-"; }

mode_t current_umask() {
  // /proc/self/status has it without changing it (umask(2) can only be read by
  // setting it, which races with other threads creating files).
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
  }
  const mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

// Six characters for a temp name: mkstemp's alphabet, from the clock and a
// counter (uniqueness is checked by the caller, which retries on EEXIST).
std::string six_random_chars() {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static std::uint64_t counter = 0;
  std::uint64_t v = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                    (++counter * 0x9E3779B97F4A7C15ull);
  std::string s(6, 'A');
  for (auto& c : s) {
    c = alphabet[v % 62];
    v = v / 62 ^ (v * 0xBF58476D1CE4E5B9ull);
  }
  return s;
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string target_path, bool allow_unnamed) : target_(std::move(target_path)) {
  const std::size_t slash = target_.rfind('/');
  if (slash == std::string::npos) {
    dir_.assign(1, '.');  // not `= "."`: GCC 12's false -Wrestrict (bug 105329) on that assignment
    base_ = target_;
  } else {
    dir_ = slash == 0 ? std::string("/") : target_.substr(0, slash);
    base_ = target_.substr(slash + 1);
  }
  if (base_.empty() || base_ == "." || base_ == "..")
    throw Error(ErrorKind::io, "output path does not name a file", target_);
  // Errors name the output as given (`-o some/missing/dir/f.bloom`), and say
  // which directory is the problem.
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0) {
    const int e = errno;
    throw Error(ErrorKind::io,
                "output directory " + dir_ + (e == ENOENT ? " does not exist" : " is not accessible") + " (" +
                    std::strerror(e) + ")",
                target_);
  }
  if (!S_ISDIR(st.st_mode)) throw Error(ErrorKind::io, "output directory " + dir_ + " is not a directory", target_);
  if (::access(dir_.c_str(), W_OK | X_OK) != 0) {
    const int e = errno;
    throw Error(ErrorKind::io, "output directory " + dir_ + " is not writable (" + std::strerror(e) + ")", target_);
  }
#ifdef O_TMPFILE
  if (allow_unnamed) {
    fd_ = ::open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    unnamed_ = fd_ >= 0;  // EOPNOTSUPP, EISDIR (kernel without it), ...: the named fallback
  }
#endif
  if (fd_ < 0) {
    std::string tmpl = (dir_ == "/" ? std::string("/") : dir_ + "/") + temp_prefix(base_) +
                       std::to_string(::getpid()) + "-XXXXXX";
    fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd_ < 0) {
      const int e = errno;
      throw Error(ErrorKind::io,
                  "cannot create a temporary file in output directory " + dir_ + " (" + std::strerror(e) + ")",
                  target_);
    }
    temp_ = tmpl;
  }
  // The mode: a replaced file's own (and its group where we may set it), else
  // an ordinary output file's 0666 & ~umask (mkstemp and our O_TMPFILE make 0600).
  mode_t mode = 0666 & ~current_umask();
  struct stat old;
  if (::stat(target_.c_str(), &old) == 0 && S_ISREG(old.st_mode)) {
    mode = old.st_mode & 07777;
    if (old.st_gid != ::getegid() && ::fchown(fd_, static_cast<uid_t>(-1), old.st_gid) != 0) {
      // Not a member of that group: the new file's group is ours, which the
      // old group bits were not meant for.
      mode &= ~static_cast<mode_t>(070);
    }
  }
  if (::fchmod(fd_, mode) != 0) {
    const int e = errno;
    discard();
    throw Error(ErrorKind::io, std::string("cannot set the temporary file's mode: ") + std::strerror(e), target_);
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) discard();
}

void AtomicFileWriter::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

void AtomicFileWriter::fail(const std::string& what, int err) {
  discard();
  throw Error(ErrorKind::io, what + ": " + std::strerror(err), target_);
}

void AtomicFileWriter::finish() {
  if (finished_) return;
  if (fd_ < 0) throw Error(ErrorKind::io, "finish after a failed commit", target_);
  if (::fsync(fd_) != 0) fail("cannot flush the output to disk (fsync)", errno);
  finished_ = true;
  if (unnamed_) return;  // the descriptor is what commit() links
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("cannot close the output file", errno);
}

void AtomicFileWriter::commit() {
  if (committed_) return;
  finish();
  if (unnamed_) {
    // Give the inode a temp name, then rename it over the target: linkat
    // itself refuses to replace an existing name. /proc/self/fd works for
    // any user; AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH.
    const std::string proc = "/proc/self/fd/" + std::to_string(fd_);
    const std::string stem = (dir_ == "/" ? std::string("/") : dir_ + "/") + temp_prefix(base_) +
                             std::to_string(::getpid()) + "-";
    int err = 0;
    for (int attempt = 0; attempt < 100; ++attempt) {
      std::string name = stem + six_random_chars();
      int r = ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW);
#ifdef AT_EMPTY_PATH
      if (r != 0 && errno != EEXIST) r = ::linkat(fd_, "", AT_FDCWD, name.c_str(), AT_EMPTY_PATH);
#endif
      if (r == 0) {
        temp_ = std::move(name);
        err = 0;
        break;
      }
      err = errno;
      if (err != EEXIST) break;
    }
    if (err != 0) fail("cannot link the new output into " + dir_, err);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot close the output file", errno);
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) fail("cannot rename " + temp_ + " over the output", errno);
  committed_ = true;
  temp_.clear();
  // The rename is durable only once the directory entry is: fsync the directory.
  // Some file systems refuse fsync on directories (EINVAL): nothing more to do there.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw Error(ErrorKind::io, "cannot open the output directory " + dir_ + " to sync it: " + std::strerror(errno), target_);
  if (::fsync(dfd) != 0 && errno != EINVAL && errno != EROFS) {
    const int e = errno;
    ::close(dfd);
    throw Error(ErrorKind::io, "cannot sync the output directory " + dir_ + ": " + std::strerror(e), target_);
  }
  ::close(dfd);
}

void AtomicFileWriter::remove_stale_temps() const noexcept {
  const std::string prefix = temp_prefix(base_);
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return;
  const pid_t self = ::getpid();
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) continue;
    // The rest must be "<pid>-XXXXXX" exactly as the constructor makes it.
    const std::string_view rest = name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string_view::npos || dash > 10 || rest.size() - dash - 1 != 6) continue;
    std::uint64_t pid = 0;
    bool digits = true;
    for (std::size_t i = 0; i < dash; ++i) {
      if (rest[i] < '0' || rest[i] > '9') digits = false;
      pid = pid * 10 + static_cast<std::uint64_t>(rest[i] - '0');
    }
    if (!digits || pid == 0 || pid > static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max())) continue;
    if (static_cast<pid_t>(pid) == self) continue;  // ours: maybe another writer in this process
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to judge
    ::unlinkat(::dirfd(d), e->d_name, 0);
  }
  ::closedir(d);
}

}  // namespace csvbloom::detail
