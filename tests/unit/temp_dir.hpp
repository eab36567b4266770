// temp_dir.hpp: a scratch directory for unit tests, removed at scope exit.
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace csvbloom::test {

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "csvbloom-test-XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    root_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have made it read-only; give it back before removing.
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::string path(const std::string& name) const { return (root_ / name).string(); }
  std::string operator/(const std::string& name) const { return path(name); }
  // Writes `content` to `name` and returns its path.
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = path(name);
    std::ofstream f(p, std::ios::binary);
    f << content;
    f.close();
    REQUIRE(f.good());
    return p;
  }

 private:
  std::filesystem::path root_;
};

}  // namespace csvbloom::test
