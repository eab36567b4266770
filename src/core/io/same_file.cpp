// same_file.cpp: see same_file.hpp.
#include "core/io/same_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace csvbloom::detail {

bool same_file(const std::string& a, const std::string& b) noexcept {
  if (a.empty() || b.empty() || a == "-" || b == "-") return false;
  struct stat sa {}, sb {};
  const bool a_exists = ::stat(a.c_str(), &sa) == 0, b_exists = ::stat(b.c_str(), &sb) == 0;
  if (a_exists && b_exists)
    return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (a_exists || b_exists) return false;
  try {
    std::error_code ea, eb;
    // absolute() first: weakly_canonical leaves a relative path relative
    // when none of it exists yet ("x" against "./x").
    const std::filesystem::path ca = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ea), ea);
    const std::filesystem::path cb = std::filesystem::weakly_canonical(std::filesystem::absolute(b, eb), eb);
    return !ea && !eb && ca == cb;
  } catch (...) {  // path construction can allocate
    return a == b;
  }
}

std::vector<NamedPath> named_inputs(const std::vector<std::string>& inputs) {
  std::vector<NamedPath> named;
  named.reserve(inputs.size());
  for (const auto& in : inputs) named.push_back({"an input", in});
  return named;
}

std::string output_clash(const std::string& flag, const std::string& path, const std::vector<NamedPath>& reads,
                         const std::vector<NamedPath>& writes) {
  for (const auto& r : reads)
    if (same_file(path, r.path))
      return "'" + path + "' is also " + r.name + " (" + r.path + "): writing " + flag + " there would destroy it";
  for (const auto& w : writes)
    if (same_file(path, w.path))
      return "'" + path + "' is also " + w.name + " (" + w.path + "): one file can't hold both outputs";
  return {};
}

}  // namespace csvbloom::detail
