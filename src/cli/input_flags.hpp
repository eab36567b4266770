// input_flags.hpp: the flags every command that reads CSV shares (build,
// select, dedupe, add): inputs, dialect, key, bad-row policy, threads, chunk
// size. One definition, so the commands read inputs the same way and their
// --help says the same thing.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/build_defaults.hpp"
#include "csvbloom/build.hpp"

namespace csvbloom::cli {

struct InputFlags {
  std::vector<std::string> inputs;
  std::string files_from;
  bool files_from_null{false};  // -0: NUL-separated, as find -print0 writes
  std::vector<std::string> keys;
  bool no_header{false};
  std::string delimiter{","};
  CLI::Option* delimiter_option{nullptr};
  bool tsv{false};
  std::string on_error{"fail"};
  bool allow_ragged{false};
  std::uint64_t max_record_bytes{64ull << 20};
  unsigned threads{0}, readers{0};
  int workers{-1};
  // 0: not given; the pipeline takes detail::default_chunk_bytes (4 MiB; 1 MiB
  // for select and dedupe), as for a C++ caller's BuildOptions.
  std::uint64_t chunk_size{0};
  std::size_t queue_batches{0};
};

enum class KeyFlags : std::uint8_t {
  define,  // --key chooses the key (build, dedupe)
  rename,  // the filter's key; --key renames its columns (select, add)
};

// Adds the shared flags to `cmd` (with `key_help` for --key).
void add_input_flags(CLI::App& cmd, InputFlags& f, KeyFlags key_flags);

// Turns the flags into BuildOptions: inputs gathered (directories expanded,
// --files-from read), dialect, bad-row policy, the thread split. The key is
// left to the caller (apply_key_flags), as commands take it differently.
BuildOptions input_options(const InputFlags& f, detail::Consumer consumer);

// Sets options.key.columns from --key, and dialect.has_header from --no-header,
// checking that names are not used without a header.
void apply_key_flags(const InputFlags& f, BuildOptions& options);

// For commands that use a filter's key (select, add, dedupe --filter): the
// filter's columns, normalisation and dialect, with --key renaming the
// columns (as many as the filter has) and --delimiter/--tsv/--no-header
// describing inputs whose dialect differs from the filter's. `filter_name`
// names the filter in errors.
void apply_filter_key(const KeySpec& filter_key, const std::string& filter_name, const InputFlags& f,
                      BuildOptions& options);

}  // namespace csvbloom::cli
