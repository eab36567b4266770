// fuzz_load_filter.cpp: arbitrary bytes as a filter file.
//
// parse_filter must either throw Error(corrupt_filter) or load; never crash,
// and never allocate more than the input justifies (run with -rss_limit_mb
// and -malloc_limit_mb: see tests/fuzz/run). A checksum is a wall libFuzzer
// cannot climb, so each input is tried twice: as is, and "resealed" (its last
// 8 bytes replaced by the correct XXH3-64 of the rest), which lets the fuzzer
// reach everything after the checksum. For every accepted image:
//  - load_filter on the same bytes in a memfd (the mmap path) agrees: same
//    acceptance, same parameters, metadata and words;
//  - serialising what was loaded and parsing that again gives the same
//    filter, and the same bytes whenever the input used the minimal header
//    size (writers round the key spec up to 64; readers accept more padding);
//  - probing, fill statistics, the merge fingerprint and the query-side key
//    encoder (with whatever dialect bytes the header holds) do not crash.
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/filter/format_detail.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/query.hpp"

using namespace csvbloom;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_load_filter: %s\n", what);
  std::abort();
}

int g_memfd = -1;
std::string g_memfd_path;

bool same_filter(const LoadedFilter& a, const LoadedFilter& b) {
  const auto wa = a.filter.words();
  const auto wb = b.filter.words();
  return a.filter.params() == b.filter.params() && a.metadata == b.metadata &&
         a.filter.keys_inserted() == b.filter.keys_inserted() && wa.size() == wb.size() &&
         std::memcmp(wa.data(), wb.data(), wa.size() * 8) == 0;
}

// Loads `image` through the mmap path. Returns false on Error(corrupt_filter).
bool load_via_file(const std::vector<std::uint8_t>& image, LoadedFilter* out) {
  if (::ftruncate(g_memfd, 0) != 0) fail("ftruncate");
  if (!image.empty() && ::pwrite(g_memfd, image.data(), image.size(), 0) != static_cast<ssize_t>(image.size()))
    fail("pwrite");
  try {
    *out = load_filter(g_memfd_path, true);
    return true;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::corrupt_filter) fail("load_filter threw an error other than corrupt_filter");
    return false;
  }
}

void exercise(const std::vector<std::uint8_t>& image) {
  LoadedFilter lf{BloomFilter(FilterParams{Layout::blocked512, 512, 1}), {}, 0};
  bool ok = false;
  try {
    lf = parse_filter(image.data(), image.size(), "fuzz");
    ok = true;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::corrupt_filter) fail("parse_filter threw an error other than corrupt_filter");
  }
  LoadedFilter viafile{BloomFilter(FilterParams{Layout::blocked512, 512, 1}), {}, 0};
  const bool file_ok = load_via_file(image, &viafile);
  if (ok != file_ok) fail("parse_filter and load_filter disagree on acceptance");
  if (!ok) return;
  if (!same_filter(lf, viafile)) fail("parse_filter and load_filter loaded different filters");
  if (lf.file_bytes != image.size()) fail("file_bytes");

  const std::vector<std::uint8_t> again = detail::serialize_header(lf.filter, lf.metadata);
  LoadedFilter rt = parse_filter(again.data(), again.size(), "round trip");  // must not throw
  if (!same_filter(lf, rt)) fail("serialise + parse does not round-trip");
  const std::uint32_t header_bytes = image[12] | image[13] << 8 | image[14] << 16 | static_cast<std::uint32_t>(image[15]) << 24;
  const std::uint32_t minimal = again[12] | again[13] << 8 | again[14] << 16 | static_cast<std::uint32_t>(again[15]) << 24;
  if (header_bytes == minimal && again != image) fail("a minimal-header image does not re-serialise to its own bytes");

  // Use it the way info/query/merge do.
  (void)lf.filter.fill_stats();
  (void)merge_fingerprint(lf.filter.params(), lf.metadata);
  const std::uint64_t seed = lf.filter.params().seed;
  KeyHash hashes[4] = {hash_key("a", seed), hash_key("", seed), hash_key(image.data(), std::min<std::size_t>(image.size(), 24), seed),
                       hash_key("x,y", seed)};
  bool hits[4];
  lf.filter.contains_batch(hashes, 4, hits);
  for (int i = 0; i < 4; ++i)
    if (hits[i] != lf.filter.may_contain(hashes[i])) fail("contains_batch differs from may_contain");
  KeyEncoder enc(lf.metadata.key);
  std::string out, err;
  for (const char* text : {"a", "a,b", "\"x\"\"y\",z", "'q'\t1;2|3", "", "\"unterminated"})
    (void)enc.encode(text, out, &err);
  BloomFilter copy(lf.filter.params());
  copy.merge_from(viafile.filter);
  if (std::memcmp(copy.words().data(), lf.filter.words().data(), copy.words().size() * 8) != 0)
    fail("merge_from into an empty filter is not a copy");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_memfd = ::memfd_create("fuzz_load_filter", MFD_CLOEXEC);
  if (g_memfd < 0) fail("memfd_create");
  g_memfd_path = "/proc/self/fd/" + std::to_string(g_memfd);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> image(data, data + size);
  exercise(image);
  if (size >= 8) {
    const std::uint64_t sum = XXH3_64bits(image.data(), size - 8);
    for (unsigned b = 0; b < 8; ++b) image[size - 8 + b] = static_cast<std::uint8_t>(sum >> (8 * b));
    if (!std::equal(image.begin(), image.end(), data)) exercise(image);
  }
  return 0;
}
