// add_to_filter.cpp: `add` (csvbloom/build.hpp): build_filter into a copy
// of a standing filter, written atomically. One implementation for the CLI's
// `add` and Python's csvbloom.add(), so that "the filter's own parameters,
// the old file untouched until the new one is complete" means one thing.
#include "core/io/atomic_file.hpp"
#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom {

AddResult add_to_filter(const LoadedFilter& base, const BuildOptions& options, const std::string& output_path,
                        BuildProgress* progress, const std::function<void(const std::string&)>& on_temp_file) {
  // The file keeps base's metadata, so the new keys must hash as base's did:
  // other normalisation, or another column count, would insert keys that no
  // query with the recorded spec asks for.
  const KeySpec& had = base.metadata.key;
  if (options.key.column_count() != had.column_count())
    throw Error(ErrorKind::invalid_argument,
                "the filter's key has " + std::to_string(had.column_count()) + " column" +
                    (had.column_count() == 1 ? "" : "s") + " (" + had.describe() + "), the inputs' key " +
                    std::to_string(options.key.column_count()));
  if (!(options.key.normalization == had.normalization))
    throw Error(ErrorKind::invalid_argument,
                "the inputs' key must be normalised as the filter's (trim and lowercase as recorded in it)");
  detail::AtomicFileWriter out(output_path);  // an unwritable directory fails now, not after the build
  if (on_temp_file) on_temp_file(out.temp_path());
  // A writable copy: base may be a read-only mapping of output_path itself.
  AddResult r{{}, BloomFilter(base.filter.params())};
  r.filter.merge_from(base.filter);
  r.stats = build_filter(options, r.filter, progress);
  write_filter(out.fd(), r.filter, base.metadata, output_path);
  out.commit();
  out.remove_stale_temps();
  return r;
}

}  // namespace csvbloom
