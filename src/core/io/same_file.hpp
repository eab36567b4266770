// same_file.hpp: whether two paths name one file, for the checks that keep a
// run from writing one of its outputs over an input or over another output
// (`build --stats-json X -o X`, `dedupe --save a.csv a.csv`): the CLI and the
// Python bindings each word their own refusal around it.
#pragma once

#include <string>
#include <vector>

namespace csvbloom::detail {

// True when `a` and `b` name one file: by device and inode when both exist
// (hard links, "./x" and "x", a path through a symbolic link to a
// directory); when neither exists yet, by their absolute paths with the
// existing directories resolved and "." and ".." taken out
// (std::filesystem::weakly_canonical), so that two outputs about to be
// created are caught too. A path that exists and one that doesn't are two
// files. Only regular files count: two outputs to /dev/null lose nothing
// (whether a device or FIFO may be an output at all is the callers' check).
// "-" (a standard stream) and "" name no file.
bool same_file(const std::string& a, const std::string& b) noexcept;

// A path a run reads or writes, with the words an error names it by:
// {"--filter", "seen.bloom"}, {"an input", "a.csv"}.
struct NamedPath {
  std::string name;
  std::string path;
};
std::vector<NamedPath> named_inputs(const std::vector<std::string>& inputs);  // each named "an input"

// Why an output (`path`, given as `flag`) may not be written, or "" when it
// may: it names the same file as something the run reads and must not
// replace (`reads`: `--stats-json a.csv a.csv` would turn the CSV into
// JSON), or as another of its outputs (`writes`: `--save X -o X` would keep
// one and lose the other). The text follows the flag in an error message.
std::string output_clash(const std::string& flag, const std::string& path, const std::vector<NamedPath>& reads,
                         const std::vector<NamedPath>& writes = {});

}  // namespace csvbloom::detail
