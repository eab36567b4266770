// tests/unit/test_format.cpp: the filter file format (docs/FORMAT.md), its
// validation, and save_filter_atomic (the writer itself: test_atomic_file.cpp).
//
// The format is frozen two ways: a schema test hashes the bytes of filters
// built from fixed keys (and checks the field offsets FORMAT.md documents), and
// tests/data/golden-v1.bloom, written once by this code, must keep loading and
// answering. Corruption tests: every bit of the header flipped, random payload
// flips, truncation at every header offset, each header field made invalid
// with a valid checksum (so validation, not the checksum, must catch it).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "test_bytes.hpp"
#include "temp_dir.hpp"
#include "core/filter/format_detail.hpp"
#include "csvbloom/error.hpp"
#include "csvbloom/format.hpp"
#include "csvbloom/math.hpp"

using namespace csvbloom;
using csvbloom::test::same_words;
using csvbloom::detail::serialize_header;  // writer plumbing, not public API
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::uint8_t>;

using csvbloom::test::TempDir;

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::uint64_t le(const Bytes& b, std::size_t off, unsigned n) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(b[off + i]) << (8 * i);
  return v;
}

void set_le(Bytes& b, std::size_t off, std::uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Recomputes the trailing checksum after an edit.
void reseal(Bytes& b) { set_le(b, b.size() - 8, XXH3_64bits(b.data(), b.size() - 8), 8); }

// The golden filter: blocked, 16384 bits, 7 hashes, default seed, keys
// "key0".."key999", key column "id", trimmed, sized for 1000 keys at 1%.
BloomFilter golden_filter() {
  FilterParams p;
  p.layout = Layout::blocked512;
  p.bits = 16384;
  p.hashes = 7;
  BloomFilter f(p);
  for (int i = 0; i < 1000; ++i) f.insert(hash_key("key" + std::to_string(i), p.seed));
  return f;
}

FilterMetadata golden_metadata() {
  FilterMetadata m;
  m.key.columns = {KeyColumn{"id", 0}};
  m.key.normalization.trim = true;
  m.capacity = 1000;
  m.target_fpr = 0.01;
  return m;
}

// A classic filter with a composite key in a non-default dialect.
BloomFilter classic_filter() {
  FilterParams p;
  p.layout = Layout::classic;
  p.bits = 9600;
  p.hashes = 7;
  p.seed = 12345;
  BloomFilter f(p);
  for (int i = 0; i < 1000; ++i) f.insert(hash_key("key" + std::to_string(i), p.seed));
  return f;
}

FilterMetadata classic_metadata() {
  FilterMetadata m;
  m.key.columns = {KeyColumn{"", 2}, KeyColumn{"last name", 0}};
  m.key.dialect = Dialect{';', '\'', false};
  m.key.normalization.lowercase = true;
  return m;
}

std::string golden_path() {
  return (fs::path(__FILE__).parent_path().parent_path() / "data" / "golden-v1.bloom").string();
}

// The error kind and message parse_filter throws, or kind cancelled if it accepted.
std::pair<ErrorKind, std::string> parse_error(const Bytes& b) {
  try {
    parse_filter(b.data(), b.size(), "mem");
  } catch (const Error& e) {
    return {e.kind(), e.message()};
  }
  return {ErrorKind::cancelled, "accepted"};
}

std::pair<ErrorKind, std::string> load_error(const std::string& path, bool verify = true) {
  try {
    load_filter(path, verify);
  } catch (const Error& e) {
    return {e.kind(), e.what()};
  }
  return {ErrorKind::cancelled, "accepted"};
}

}  // namespace

TEST_CASE("format: field offsets are those docs/FORMAT.md documents", "[format]") {
  const Bytes b = serialize_header(golden_filter(), golden_metadata());
  REQUIRE(b.size() == 128 + 2048 + 8);
  CHECK(std::memcmp(b.data(), "CSVBLOOM", 8) == 0);
  CHECK(le(b, 8, 4) == 1);     // version
  CHECK(le(b, 12, 4) == 128);  // header_bytes
  CHECK(b[16] == 1);           // layout blocked512
  CHECK(b[17] == 1);           // hash xxh3_128
  CHECK(le(b, 18, 2) == 0);    // reserved
  CHECK(le(b, 20, 4) == 7);    // hashes
  CHECK(le(b, 24, 8) == 16384);
  CHECK(le(b, 32, 8) == kDefaultSeed);
  CHECK(le(b, 40, 8) == 1000);  // keys_inserted
  CHECK(le(b, 48, 8) == 1000);  // capacity
  double fpr;
  const std::uint64_t fpr_bits = le(b, 56, 8);
  std::memcpy(&fpr, &fpr_bits, 8);
  CHECK(fpr == 0.01);
  CHECK(fpr_bits == 0x3F847AE147AE147BULL);  // IEEE-754 binary64 of 0.01
  // Key spec at 64.
  CHECK(b[64] == ',');
  CHECK(b[65] == '"');
  CHECK(b[66] == 1);  // has_header
  CHECK(b[67] == 1);  // flags: bit0 trim
  CHECK(le(b, 68, 4) == 1);  // one column
  CHECK(le(b, 72, 4) == 0);  // by name
  CHECK(le(b, 76, 4) == 2);  // name length
  CHECK(b[80] == 'i');
  CHECK(b[81] == 'd');
  for (std::size_t i = 82; i < 128; ++i) CHECK(b[i] == 0);  // padding
  // Payload: word w little-endian at 128 + 8w.
  const BloomFilter f = golden_filter();
  for (std::size_t w = 0; w < f.words().size(); ++w) REQUIRE(le(b, 128 + 8 * w, 8) == f.words()[w]);
  // Checksum: XXH3-64, seed 0, of all preceding bytes.
  CHECK(le(b, b.size() - 8, 8) == XXH3_64bits(b.data(), b.size() - 8));

  const Bytes c = serialize_header(classic_filter(), classic_metadata());
  CHECK(le(c, 12, 4) == 128);
  CHECK(c[16] == 2);
  CHECK(le(c, 24, 8) == 9600);
  CHECK(le(c, 32, 8) == 12345);
  CHECK(le(c, 48, 8) == 0);
  CHECK(le(c, 56, 8) == 0);
  CHECK(c[64] == ';');
  CHECK(c[65] == '\'');
  CHECK(c[66] == 0);
  CHECK(c[67] == 2);  // bit1 lowercase
  CHECK(le(c, 68, 4) == 2);
  CHECK(le(c, 72, 4) == 2);  // index 2
  CHECK(le(c, 76, 4) == 0);  // no name
  CHECK(le(c, 80, 4) == 0);  // by name
  CHECK(le(c, 84, 4) == 9);
  CHECK(std::memcmp(c.data() + 88, "last name", 9) == 0);
  CHECK(c.size() == 128 + 1200 + 8);
}

TEST_CASE("format: schema hashes pin the bytes of fixed filters", "[format]") {
  // If one of these changes, the on-disk format (or the hash, or the probe
  // scheme) changed: bump kFormatVersion and keep reading version 1.
  const Bytes b = serialize_header(golden_filter(), golden_metadata());
  CHECK(XXH3_64bits(b.data(), b.size()) == 0xac9f5c60e3c50500ULL);
  const Bytes c = serialize_header(classic_filter(), classic_metadata());
  CHECK(XXH3_64bits(c.data(), c.size()) == 0x93472f1f6b584a45ULL);
}

TEST_CASE("format: the committed golden file loads and answers", "[format]") {
  const std::string path = golden_path();
  const LoadedFilter g = load_filter(path);
  CHECK(g.file_bytes == 2184);
  CHECK(g.metadata == golden_metadata());
  CHECK(g.filter.params() == golden_filter().params());
  CHECK(g.filter.keys_inserted() == 1000);
  for (int i = 0; i < 1000; ++i) REQUIRE(g.filter.may_contain(hash_key("key" + std::to_string(i), kDefaultSeed)));
  // 16.4 bits/key, k = 7: expected FPR ~0.05%, so 0-3 hits in 1000; pinned count.
  int hits = 0;
  for (int i = 0; i < 1000; ++i) hits += g.filter.may_contain(hash_key("other" + std::to_string(i), kDefaultSeed));
  CHECK(hits == 1);
  // And it is byte-identical to what this code writes today.
  CHECK(read_file(path) == serialize_header(golden_filter(), golden_metadata()));
}

TEST_CASE("format: round trip through a file and through memory", "[format]") {
  TempDir dir;
  for (int which = 0; which < 2; ++which) {
    const BloomFilter f = which == 0 ? golden_filter() : classic_filter();
    const FilterMetadata m = which == 0 ? golden_metadata() : classic_metadata();
    const std::string path = dir / ("f" + std::to_string(which) + ".bloom");
    save_filter_atomic(path, f, m);
    CHECK(read_file(path) == serialize_header(f, m));

    const LoadedFilter l = load_filter(path);
    CHECK(l.filter.params() == f.params());
    CHECK(l.metadata == m);
    CHECK(l.filter.keys_inserted() == f.keys_inserted());
    CHECK(l.file_bytes == fs::file_size(path));
    CHECK(same_words(l.filter, f));
    CHECK_FALSE(l.filter.writable());  // a view over the mapping

    const Bytes image = serialize_header(f, m);
    const LoadedFilter p = parse_filter(image.data(), image.size(), "mem");
    CHECK(p.filter.params() == f.params());
    CHECK(p.metadata == m);
    CHECK(p.filter.keys_inserted() == f.keys_inserted());
    CHECK(same_words(p.filter, f));
    CHECK(p.filter.writable());  // a copy
  }
  // write_filter to a plain descriptor produces the same bytes.
  const std::string raw = dir / "raw.bloom";
  const int fd = ::open(raw.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  write_filter(fd, golden_filter(), golden_metadata(), raw);
  ::close(fd);
  CHECK(read_file(raw) == serialize_header(golden_filter(), golden_metadata()));
}

TEST_CASE("format: a multi-piece payload streams correctly", "[format]") {
  // 3 MiB + 64 bytes of payload: write_filter writes it in 1 MiB pieces.
  TempDir dir;
  FilterParams p;
  p.bits = (3ULL << 23) + 512;
  p.hashes = 4;
  BloomFilter f(p);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) f.insert(KeyHash{rng(), rng()});
  FilterMetadata m;
  const std::string path = dir / "big.bloom";
  save_filter_atomic(path, f, m);
  CHECK(read_file(path) == serialize_header(f, m));
  CHECK(same_words(load_filter(path).filter, f));
}

TEST_CASE("format: every bit flip in the header and checksum is rejected", "[format]") {
  const Bytes good = serialize_header(golden_filter(), golden_metadata());
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < 128; ++i) offsets.push_back(i);
  for (std::size_t i = good.size() - 8; i < good.size(); ++i) offsets.push_back(i);
  for (std::size_t off : offsets) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = good;
      bad[off] ^= static_cast<std::uint8_t>(1u << bit);
      const auto [kind, msg] = parse_error(bad);
      INFO("offset " << off << " bit " << bit << ": " << msg);
      REQUIRE(kind == ErrorKind::corrupt_filter);
    }
    // Whole-byte replacements too (0x00 and 0xFF), where they differ.
    for (std::uint8_t v : {std::uint8_t{0}, std::uint8_t{0xFF}}) {
      if (good[off] == v) continue;
      Bytes bad = good;
      bad[off] = v;
      INFO("offset " << off << " = " << int(v));
      REQUIRE(parse_error(bad).first == ErrorKind::corrupt_filter);
    }
  }
}

TEST_CASE("format: random payload flips are rejected by the checksum", "[format]") {
  TempDir dir;
  const Bytes good = serialize_header(golden_filter(), golden_metadata());
  std::mt19937_64 rng(17);
  for (int t = 0; t < 300; ++t) {
    Bytes bad = good;
    const std::size_t off = 128 + rng() % 2048;
    bad[off] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    const auto [kind, msg] = parse_error(bad);
    INFO("offset " << off);
    REQUIRE(kind == ErrorKind::corrupt_filter);
    REQUIRE_THAT(msg, Catch::Contains("checksum mismatch"));
  }
  // On disk: rejected when verifying, accepted (and flipped) when told not to.
  Bytes bad = good;
  bad[500] ^= 0x10;
  const std::string path = dir / "flip.bloom";
  write_file(path, bad);
  CHECK(load_error(path).first == ErrorKind::corrupt_filter);
  CHECK(load_error(path, false).first == ErrorKind::cancelled);
}

TEST_CASE("format: truncation anywhere is rejected", "[format]") {
  TempDir dir;
  const Bytes good = serialize_header(golden_filter(), golden_metadata());
  const std::string path = dir / "trunc.bloom";
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 128 + 8; ++n) lengths.push_back(n);  // every header offset
  for (std::size_t n : {std::size_t{1000}, good.size() - 9, good.size() - 8, good.size() - 1}) lengths.push_back(n);
  for (std::size_t n : lengths) {
    const Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    INFO("length " << n);
    REQUIRE(parse_error(cut).first == ErrorKind::corrupt_filter);
    write_file(path, cut);
    REQUIRE(load_error(path).first == ErrorKind::corrupt_filter);
    REQUIRE(load_error(path, false).first == ErrorKind::corrupt_filter);  // sizes are checked regardless
  }
  Bytes longer = good;
  longer.push_back(0);
  CHECK(parse_error(longer).first == ErrorKind::corrupt_filter);
}

TEST_CASE("format: empty, missing and non-regular files", "[format]") {
  TempDir dir;
  const std::string empty = dir / "empty.bloom";
  write_file(empty, {});
  const auto [kind, msg] = load_error(empty);
  CHECK(kind == ErrorKind::corrupt_filter);
  CHECK_THAT(msg, Catch::Contains("empty file") && Catch::Contains(empty) &&
                      Catch::Contains("the filter file is corrupt or not a csvbloom filter"));
  CHECK(parse_error({}).first == ErrorKind::corrupt_filter);
  CHECK(load_error(dir / "missing.bloom").first == ErrorKind::io);
  const auto [dkind, dmsg] = load_error(dir.root().string());
  CHECK(dkind == ErrorKind::io);
  CHECK_THAT(dmsg, Catch::Contains("not a regular file"));
  CHECK_THAT(load_error("/dev/null").second, Catch::Contains("not a regular file"));
  // Not a filter at all.
  const std::string text = dir / "text.csv";
  write_file(text, Bytes(200, 'a'));
  CHECK_THAT(load_error(text).second, Catch::Contains("bad magic"));
}

TEST_CASE("format: each header field is validated before the checksum is trusted", "[format]") {
  // Each edit is resealed with a correct checksum: only validation can catch it.
  const Bytes good = serialize_header(golden_filter(), golden_metadata());
  REQUIRE(parse_error(good).first == ErrorKind::cancelled);
  struct Edit {
    const char* what;
    std::size_t off;
    std::uint64_t value;
    unsigned bytes;
    const char* message;
  };
  const Edit edits[] = {
      {"magic", 0, 'X', 1, "bad magic"},
      {"version 2", 8, 2, 4, "unsupported format version 2 (this csvbloom reads 1)"},
      {"version 0", 8, 0, 4, "unsupported format version 0"},
      {"header_bytes not /64", 12, 130, 4, "not a multiple of 64"},
      {"header_bytes 64", 12, 64, 4, "smaller than the minimum"},
      {"header_bytes huge", 12, 0xFFFFFFC0u, 4, "exceeds the file size"},
      {"header_bytes 192 (size mismatch)", 12, 192, 4, "does not match"},
      {"layout 0", 16, 0, 1, "unknown layout 0"},
      {"layout 3", 16, 3, 1, "unknown layout 3"},
      {"hash 2", 17, 2, 1, "unknown hash algorithm 2"},
      {"reserved", 18, 1, 2, "reserved"},
      {"hashes 0", 20, 0, 4, "number of hashes 0"},
      {"hashes 33", 20, 33, 4, "number of hashes 33"},
      {"bits 0", 24, 0, 8, "filter size 0"},
      {"bits not /512", 24, 16384 + 64, 8, "multiple of 512"},
      {"bits 2^46 on a tiny file", 24, 1ULL << 46, 8, "does not match"},
      {"bits 2^63", 24, 1ULL << 63, 8, "above the limit"},
      {"bits 2x", 24, 32768, 8, "does not match"},
      {"target fpr NaN", 56, 0x7FF8000000000000ULL, 8, "target false-positive rate"},
      {"target fpr 1.0", 56, 0x3FF0000000000000ULL, 8, "target false-positive rate"},
      {"target fpr -0.5", 56, 0xBFE0000000000000ULL, 8, "target false-positive rate"},
      {"has_header 2", 66, 2, 1, "has_header"},
      {"flags 4", 67, 4, 1, "normalisation flags"},
      {"17 columns", 68, 17, 4, "column count 17"},
      {"2 columns (second runs into padding: index 0 and no name)", 68, 2, 4, "key column 2"},
      {"huge column count", 68, 0xFFFFFFFFu, 4, "column count"},
      {"name length past header", 76, 1000, 4, "runs past the header"},
      {"name length 0 with index 0", 76, 0, 4, "neither a name nor an index"},
      {"both name and index", 72, 3, 4, "both a name and an index"},
      {"padding", 100, 1, 1, "padding"},
      {"last padding byte", 127, 0x80, 1, "padding"},
  };
  for (const Edit& e : edits) {
    Bytes bad = good;
    set_le(bad, e.off, e.value, e.bytes);
    reseal(bad);
    const auto [kind, msg] = parse_error(bad);
    INFO(e.what << ": " << msg);
    CHECK(kind == ErrorKind::corrupt_filter);
    CHECK_THAT(msg, Catch::Contains(e.message));
  }
  // A larger header with zero padding (header_bytes 192, bytes inserted) is valid.
  Bytes wide = good;
  wide.insert(wide.begin() + 128, 64, 0);
  set_le(wide, 12, 192, 4);
  reseal(wide);
  CHECK(parse_error(wide).first == ErrorKind::cancelled);
}

TEST_CASE("format: writers refuse metadata the reader would reject", "[format]") {
  FilterMetadata m;
  m.key.columns = {KeyColumn{"x", 3}};
  CHECK_THROWS_AS(serialize_header(golden_filter(), m), Error);
  m.key.columns = {KeyColumn{"", 0}};
  CHECK_THROWS_AS(serialize_header(golden_filter(), m), Error);
  m.key.columns.assign(kMaxKeyColumns + 1, KeyColumn{"c", 0});
  CHECK_THROWS_AS(serialize_header(golden_filter(), m), Error);
  m.key.columns.assign(kMaxKeyColumns, KeyColumn{"c", 0});
  CHECK_NOTHROW(serialize_header(golden_filter(), m));
}

TEST_CASE("save_filter_atomic: a relative target goes in the current directory", "[format]") {
  TempDir dir;
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.root());
  save_filter_atomic("rel.bloom", golden_filter(), golden_metadata());
  fs::current_path(cwd);
  CHECK(load_filter(dir / "rel.bloom").filter.keys_inserted() == 1000);
}
