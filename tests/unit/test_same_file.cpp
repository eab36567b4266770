// Unit tests for detail::same_file and detail::output_clash (core/io/same_file.hpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/io/same_file.hpp"
#include "temp_dir.hpp"

using csvbloom::detail::output_clash;
using csvbloom::detail::same_file;
using csvbloom::test::TempDir;

TEST_CASE("same_file: existing files by device and inode", "[same_file]") {
  TempDir t;
  const std::string a = t.file("a.csv", "x\n"), b = t.file("b.csv", "x\n");
  CHECK(same_file(a, a));
  CHECK_FALSE(same_file(a, b));  // equal bytes, two files
  CHECK_FALSE(same_file(a, t.root().string() + "/./sub/../a.csv"));  // no "sub": that path names no file
  std::filesystem::create_directory(t / "sub");
  CHECK(same_file(a, t.root().string() + "/./sub/../a.csv"));
  REQUIRE(::link(a.c_str(), (t / "hard.csv").c_str()) == 0);
  CHECK(same_file(a, t / "hard.csv"));
  std::filesystem::create_directory_symlink(t.root(), t / "via");
  CHECK(same_file(a, t / "via/a.csv"));
}

TEST_CASE("same_file: paths not created yet, standard streams", "[same_file]") {
  TempDir t;
  const std::string cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(t.root());
  CHECK(same_file("new.out", "./new.out"));  // neither exists: absolute, normalised
  CHECK(same_file("new.out", t / "new.out"));
  CHECK(same_file("d/../new.out", "new.out"));  // where nothing exists, ".." is taken out lexically
  CHECK_FALSE(same_file("new.out", "other.out"));
  t.file("old.out", "x");
  CHECK_FALSE(same_file("old.out", "new.out"));  // one exists, one doesn't
  CHECK_FALSE(same_file("-", "-"));              // standard streams are no files
  CHECK_FALSE(same_file("", ""));
  CHECK_FALSE(same_file("/dev/null", "/dev/null"));  // not a regular file: nothing to lose
  std::filesystem::current_path(cwd);
}

TEST_CASE("output_clash names what the output would destroy or share", "[same_file]") {
  TempDir t;
  const std::string in = t.file("in.csv", "x\n"), seen = t.file("seen.bloom", "f");
  const auto inputs = csvbloom::detail::named_inputs({in});
  CHECK(output_clash("--save", t / "ok.bloom", inputs, {{"--output", t / "rows.csv"}}).empty());
  CHECK(output_clash("--save", in, inputs) ==
        "'" + in + "' is also an input (" + in + "): writing --save there would destroy it");
  CHECK(output_clash("--stats-json", seen, {{"--filter", seen}}).find("is also --filter") != std::string::npos);
  CHECK(output_clash("--stats-json", t / "x.json", inputs, {{"--output", t / "./x.json"}}) ==
        "'" + (t / "x.json") + "' is also --output (" + (t / "./x.json") + "): one file can't hold both outputs");
}
