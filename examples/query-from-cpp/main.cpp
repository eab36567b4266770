// query-from-cpp: ask a csvbloom filter about keys from C++.
//
//   query-from-cpp FILTER KEY...
//
// Prints "maybe<TAB>KEY" or "absent<TAB>KEY" per key, and exits like
// `csvbloom query`: 0 if some key may be present, 1 if none is, 2 on error.
// A key is given as `csvbloom query` takes it: the field's text for a
// one-column key, one CSV row in the filter's dialect for a composite key; the
// filter's own normalisation (--trim, --lowercase) is applied by KeyEncoder.
#include <csvbloom/csvbloom.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FILTER KEY...\n", argv[0]);
    return 2;
  }
  try {
    // Maps the file read-only and verifies its checksum.
    const csvbloom::LoadedFilter loaded = csvbloom::load_filter(argv[1]);
    const csvbloom::BloomFilter& filter = loaded.filter;
    // The filter file records how keys were taken from the CSV; the encoder
    // reproduces the exact bytes the build hashed.
    const csvbloom::KeyEncoder encoder(loaded.metadata.key);

    std::fprintf(stderr, "%s: key %s, %llu bits, %u hashes, %llu keys inserted\n", argv[1],
                 loaded.metadata.key.describe().c_str(), static_cast<unsigned long long>(filter.bits()),
                 filter.params().hashes, static_cast<unsigned long long>(filter.keys_inserted()));

    int present = 0;
    std::string bytes, error;
    for (int i = 2; i < argc; ++i) {
      if (!encoder.encode(argv[i], bytes, &error)) {
        std::fprintf(stderr, "%s: error: %s: '%s'\n", argv[0], error.c_str(), argv[i]);
        return 2;
      }
      const csvbloom::KeyHash h = csvbloom::hash_key(bytes, filter.params().seed);
      const bool maybe = filter.may_contain(h);
      present += maybe;
      std::printf("%s\t%s\n", maybe ? "maybe" : "absent", argv[i]);
    }
    return present ? 0 : 1;
  } catch (const csvbloom::Error& e) {  // file, line and column are in what()
    std::fprintf(stderr, "%s: error: %s\n", argv[0], e.what());
    return 2;
  }
}
