// tests/unit/test_atomic_file.cpp: detail::AtomicFileWriter (core/io/atomic_file.hpp):
// the unnamed O_TMPFILE temp file and the named fallback, replacement,
// abandonment, kept permission bits, errors naming the output, and the
// clean-up of dead processes' named temp files.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/io/atomic_file.hpp"
#include "csvbloom/error.hpp"
#include "temp_dir.hpp"

using namespace csvbloom;
using csvbloom::detail::AtomicFileWriter;
using csvbloom::test::TempDir;
namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

mode_t current_umask() {
  const mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

}  // namespace

TEST_CASE("AtomicFileWriter: commit replaces, abandoning leaves the old file", "[atomic_file]") {
  for (const bool allow_unnamed : {true, false}) {
    CAPTURE(allow_unnamed);
    TempDir dir;
    const std::string target = dir / "out.bloom";
    write_text(target, "old");
    std::string temp;
    {
      AtomicFileWriter w(target, allow_unnamed);
      temp = w.temp_path();
      if (w.unnamed()) {
        CHECK(temp.empty());
        CHECK(entries(dir.root()) == 1);  // nothing to leave behind if killed now
      } else {
        CHECK(fs::path(temp).parent_path() == dir.root());
        CHECK(fs::path(temp).filename().string().rfind(".out.bloom.tmp-" + std::to_string(::getpid()) + "-", 0) == 0);
        CHECK(fs::exists(temp));
      }
      if (!allow_unnamed) CHECK_FALSE(w.unnamed());
      REQUIRE(::write(w.fd(), "new", 3) == 3);
      // Not committed: destroyed here.
    }
    if (!temp.empty()) CHECK_FALSE(fs::exists(temp));
    CHECK(read_text(target) == "old");
    CHECK(entries(dir.root()) == 1);
    {
      AtomicFileWriter w(target, allow_unnamed);
      REQUIRE(::write(w.fd(), "new", 3) == 3);
      w.finish();
      CHECK(read_text(target) == "old");  // finished, not yet in place
      w.commit();
      CHECK(w.temp_path().empty());
    }
    CHECK(read_text(target) == "new");
    CHECK(entries(dir.root()) == 1);
    // A new file: normal permissions, not mkstemp's 0600.
    const std::string fresh = dir / "fresh.bloom";
    {
      AtomicFileWriter w(fresh, allow_unnamed);
      REQUIRE(::write(w.fd(), "x", 1) == 1);
      w.commit();
    }
    struct stat st;
    REQUIRE(::stat(fresh.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~current_umask()));
  }
}

TEST_CASE("AtomicFileWriter: a replaced file keeps its permission bits", "[atomic_file]") {
  for (const bool allow_unnamed : {true, false}) {
    CAPTURE(allow_unnamed);
    TempDir dir;
    const std::string target = dir / "emails.bloom";
    write_text(target, "old");
    for (const mode_t mode : {0640, 0600, 0444}) {
      REQUIRE(::chmod(target.c_str(), mode) == 0);
      AtomicFileWriter w(target, allow_unnamed);
      REQUIRE(::write(w.fd(), "new", 3) == 3);
      w.commit();
      struct stat st;
      REQUIRE(::stat(target.c_str(), &st) == 0);
      CHECK((st.st_mode & 07777) == mode);
    }
  }
}

TEST_CASE("AtomicFileWriter: missing or unwritable directory is an io error naming it and the output",
          "[atomic_file]") {
  TempDir dir;
  const std::string missing = dir / "no-such-dir";
  try {
    AtomicFileWriter w(missing + "/out.bloom");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
    CHECK_THAT(std::string(e.what()),
               Catch::Contains(missing + "/out.bloom") && Catch::Contains(missing + " does not exist"));
  }
  // A file where a directory should be.
  const std::string file = dir / "plain";
  write_text(file, "");
  try {
    AtomicFileWriter w(file + "/out.bloom");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
    CHECK_THAT(std::string(e.what()), Catch::Contains(file));
  }
  // Unwritable: a 0555 directory for normal users; root ignores modes, so /proc
  // (where nobody can create files) stands in.
  std::string ro = dir / "ro";
  if (::geteuid() == 0) {
    ro = "/proc";
  } else {
    fs::create_directory(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  }
  try {
    AtomicFileWriter w(ro + "/out.bloom");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
    CHECK_THAT(std::string(e.what()), Catch::Contains(ro));
  }
  CHECK_THROWS_AS(AtomicFileWriter(dir.root().string() + "/"), Error);  // no file name
}

TEST_CASE("AtomicFileWriter: stale temps of dead processes are removed", "[atomic_file]") {
  TempDir dir;
  const std::string target = dir / "out.bloom";
  // A pid that certainly exited: a reaped child of ours.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  const std::string dead = dir / (".out.bloom.tmp-" + std::to_string(child) + "-abcdef");
  const std::string alive = dir / (".out.bloom.tmp-" + std::to_string(::getppid()) + "-abcdef");
  const std::string mine = dir / (".out.bloom.tmp-" + std::to_string(::getpid()) + "-abcdef");
  const std::string other_target = dir / (".other.bloom.tmp-" + std::to_string(child) + "-abcdef");
  const std::string odd = dir / (".out.bloom.tmp-" + std::to_string(child) + "-abc");  // not our pattern
  for (const auto& p : {dead, alive, mine, other_target, odd}) write_text(p, "x");

  AtomicFileWriter w(target);
  REQUIRE(::write(w.fd(), "new", 3) == 3);
  w.commit();
  w.remove_stale_temps();
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(alive));
  CHECK(fs::exists(mine));
  CHECK(fs::exists(other_target));
  CHECK(fs::exists(odd));
  CHECK(read_text(target) == "new");
}
