// fuzz_chunking.cpp: the whole build pipeline on arbitrary bytes, for every
// chunk size and thread split, against the reference reader.
//
// Input: byte 0 and byte 1 pick the options (below), the rest is one CSV file
// (written to a memfd and built from /proc/self/fd/N). It is built with
// chunk_bytes 16, 64 and 1 MiB (readers 1..3, workers 0..2 and queue sizes
// varied with them, see below) and every build must give:
//  - the same outcome: the same filter words and stats, or the same error
//    (kind and message: under --on-error fail the first bad row of the input
//    is reported, whatever the split);
//  - the outcome the reference reader (reference_csv.hpp) predicts: which
//    records become keys, which are bad (too few fields, ragged, unterminated
//    quote), the line number of the first bad one, and the row counts.
// The same bytes gzipped (two members, cut in the middle) take the decoded-
// window path (core/io/decoded_stream.hpp: windows of the chunk size parsed
// by every reader) and must give the plain file's outcome for each split.
// The filter is large (2^20 bits) with 2 hashes, so a lost or extra key
// changes the words (a collision with an existing key's bits is ~2^-20 per probe).
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csvbloom/build.hpp"
#include "csvbloom/error.hpp"
#include "fuzz_harness.hpp"
#include "reference_csv.hpp"

using namespace csvbloom;

namespace {

using fuzz_harness::fail;

fuzz_harness::MemFile g_file, g_gz_file;

std::string gzip_member(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail("deflateInit2");
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) fail("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

constexpr std::uint64_t kBits = 1u << 20;

FilterParams params() {
  FilterParams p;
  p.bits = kBits;
  p.hashes = 2;
  return p;
}

struct Outcome {
  bool ok{false};
  ErrorKind kind{};
  std::string error;         // what(), for failed builds
  std::uint64_t error_line{0};
  std::uint64_t words{0};  // fuzz_harness::words_digest of the filter
  std::uint64_t rows{0}, bad_rows{0}, empty_keys{0}, keys_inserted{0}, bytes{0};
  std::vector<std::uint64_t> bad_lines;  // of the reported bad rows, in input order

  std::string describe() const {
    if (!ok) return "error '" + error + "'";
    return "rows " + std::to_string(rows) + " bad " + std::to_string(bad_rows) + " empty " +
           std::to_string(empty_keys) + " keys " + std::to_string(keys_inserted) + " bytes " + std::to_string(bytes);
  }
};

Outcome build(const BuildOptions& opt) {
  Outcome o;
  BloomFilter f(params());
  try {
    BuildStats s = build_filter(opt, f);
    o.ok = true;
    o.rows = s.rows;
    o.bad_rows = s.bad_rows;
    o.empty_keys = s.empty_keys;
    o.keys_inserted = s.keys_inserted;
    o.bytes = s.bytes;
    for (const auto& b : s.first_bad_rows) o.bad_lines.push_back(b.line);
    o.words = fuzz_harness::words_digest(f);
  } catch (const Error& e) {
    o.kind = e.kind();
    o.error = e.what();
    o.error_line = e.line();
  }
  return o;
}

// The gzip build's outcome against the plain one's: the same, but for the
// file's name in messages and the header's unterminated quote, which the
// stream path calls bad CSV and planning an I/O error. The name is replaced
// where it names the file ("PATH: ..." at the start of a line), not inside
// quoted input: a header that held the text "/proc/self/fd/4" had it
// rewritten, and the messages differed (found by scripts/test's fuzz stage,
// 2026-12-05; tests/fuzz/corpus/fuzz_chunking/header-holds-the-fd-path).
void check_gzip_same(const Outcome& plain, Outcome gz, const std::string& config) {
  const std::string& gz_path = g_gz_file.path();
  for (std::size_t at = 0; (at = gz.error.find(gz_path, at)) != std::string::npos;) {
    const bool names_file = (at == 0 || gz.error[at - 1] == '\n') && gz.error.compare(at + gz_path.size(), 1, ":") == 0;
    if (names_file) {
      gz.error.replace(at, gz_path.size(), g_file.path());
      at += g_file.path().size();
    } else {
      at += gz_path.size();
    }
  }
  const bool header_quote = gz.error.find("unterminated quote in the first record") != std::string::npos;
  if (gz.ok != plain.ok || gz.error != plain.error || (gz.kind != plain.kind && !header_quote) ||
      gz.error_line != plain.error_line || gz.words != plain.words || gz.rows != plain.rows ||
      gz.bad_rows != plain.bad_rows || gz.empty_keys != plain.empty_keys || gz.keys_inserted != plain.keys_inserted ||
      gz.bytes != plain.bytes || gz.bad_lines != plain.bad_lines)
    fail(config + " gzipped: " + gz.describe() + (gz.ok ? "" : " ") + " vs the plain file's " + plain.describe());
}

// What the reference reader predicts for the file under `opt`.
struct Prediction {
  bool ok{true};
  ErrorKind kind{};
  std::string error_contains;
  std::uint64_t error_line{0};
  std::uint64_t words{0};  // fuzz_harness::words_digest of the filter
  std::uint64_t rows{0}, bad_rows{0}, empty_keys{0}, keys_inserted{0};
};

std::uint64_t line_of(std::string_view data, std::size_t offset) {
  std::uint64_t n = 1;
  for (std::size_t i = 0; i < offset; ++i) n += data[i] == '\n';
  return n;
}

Prediction predict(std::string_view file, const BuildOptions& opt) {
  Prediction p;
  const Dialect& d = opt.key.dialect;
  std::string_view body = file;
  std::size_t bom = 0;
  if (body.size() >= 3 && body.substr(0, 3) == "\xEF\xBB\xBF") bom = 3;
  const csvbloom_fuzz::RefParse ref = csvbloom_fuzz::reference_parse(body.substr(bom), d.delimiter, d.quote);
  std::vector<std::uint32_t> cols;
  std::uint32_t max_col = 0;
  for (const auto& c : opt.key.columns) {
    cols.push_back(c.index - 1);
    max_col = std::max(max_col, c.index - 1);
  }
  if (ref.records.empty()) {
    if (ref.unterminated_quote) {  // the first record never ends: found while reading the header
      p.ok = false;
      p.kind = ErrorKind::io;
      p.error_contains = "unterminated quote in the first record";
    }
    // Otherwise nothing but blank lines (or nothing): where a header is
    // expected, an error naming the file (since 2026-12-04, issue 13);
    // without a header, an empty build.
    else if (d.has_header) {
      p.ok = false;
      p.kind = ErrorKind::missing_column;
      p.error_contains = "is empty, but a header is expected";
    }
    BloomFilter f(params());
    p.words = fuzz_harness::words_digest(f);
    return p;
  }
  const std::uint32_t first_fields = static_cast<std::uint32_t>(ref.records[0].fields.size());
  if (max_col + 1 > first_fields) {
    p.ok = false;
    p.kind = ErrorKind::missing_column;
    p.error_contains = "is out of range";
    return p;
  }
  const std::uint32_t expected = opt.allow_ragged ? 0 : first_fields;
  BloomFilter f(params());
  bool failed = false;
  auto bad = [&](std::size_t offset, const char* what) {
    ++p.bad_rows;
    if (opt.on_error == OnError::fail && !failed) {
      failed = true;
      p.ok = false;
      p.kind = ErrorKind::bad_csv;
      p.error_contains = what;
      p.error_line = line_of(file, bom + offset);
    }
  };
  for (std::size_t i = d.has_header ? 1 : 0; i < ref.records.size(); ++i) {
    const auto& r = ref.records[i];
    ++p.rows;
    const std::uint32_t n = static_cast<std::uint32_t>(r.fields.size());
    if (n < max_col + 1) {
      bad(r.offset, "the key needs at least");
      continue;
    }
    if (expected && n != expected) {
      bad(r.offset, "(--allow-ragged accepts this)");
      continue;
    }
    bool empty = false;
    const std::string key = csvbloom_fuzz::reference_key(r, cols, opt.key.normalization, empty);
    if (empty) {
      ++p.empty_keys;
      continue;
    }
    f.insert(hash_key(key, f.params().seed));
  }
  if (ref.unterminated_quote) {
    ++p.rows;
    bad(ref.unterminated_offset, "unterminated quote");
  }
  p.keys_inserted = p.rows - p.bad_rows - p.empty_keys;
  p.words = fuzz_harness::words_digest(f);
  return p;
}

void check_against(const Prediction& p, const Outcome& o, const std::string& config) {
  if (p.ok != o.ok) fail(config + ": reference predicts " + (p.ok ? "success" : "error '" + p.error_contains + "'") +
                         ", the build gave " + o.describe());
  if (!p.ok) {
    if (p.kind != o.kind || o.error.find(p.error_contains) == std::string::npos)
      fail(config + ": expected an error containing '" + p.error_contains + "', got '" + o.error + "'");
    if (p.kind == ErrorKind::bad_csv && p.error_line != o.error_line)
      fail(config + ": first bad row on line " + std::to_string(p.error_line) + ", reported on line " +
           std::to_string(o.error_line));
    return;
  }
  if (p.rows != o.rows || p.bad_rows != o.bad_rows || p.empty_keys != o.empty_keys || p.keys_inserted != o.keys_inserted)
    fail(config + ": reference counts rows " + std::to_string(p.rows) + " bad " + std::to_string(p.bad_rows) +
         " empty " + std::to_string(p.empty_keys) + ", the build " + o.describe());
  if (p.words != o.words) fail(config + ": filter words differ from the reference keys'");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_file.open("fuzz_chunking");
  g_gz_file.open("fuzz_chunking_gz");
  return 0;
}

// Bytes 0 and 1: the options and thread splits (fuzz_harness.hpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const BuildOptions opt = fuzz_harness::options_of(data, g_file.path());
  const std::string_view file(reinterpret_cast<const char*>(data + 2), size - 2);

  g_file.replace(file);

  const std::string gz = gzip_member(file.substr(0, file.size() / 2)) + gzip_member(file.substr(file.size() / 2));
  g_gz_file.replace(gz);

  const Prediction want = predict(file, opt);
  // Three builds per input (fuzz_harness::splits_of), each checked against
  // the reference, so all of them give the same words.
  std::optional<Outcome> first;
  for (const fuzz_harness::Split& split : fuzz_harness::splits_of(data[1])) {
    const BuildOptions o = split.applied_to(opt);
    const Outcome got = build(o);
    const std::string config = split.describe();
    check_against(want, got, config);
    BuildOptions z = o;
    z.inputs = {g_gz_file.path()};
    check_gzip_same(got, build(z), config);
    if (!first) {
      first = got;
      continue;
    }
    if (got.ok != first->ok || got.error != first->error || got.words != first->words || got.rows != first->rows ||
        got.bad_rows != first->bad_rows || got.bytes != first->bytes)
      fail(config + " differs from the single-reader build: " + got.describe() + " vs " + first->describe());
  }
  // The same file given twice to one reader: a file of at most 64 KiB is
  // planned by its reader, and the second one's header comes from the
  // reader's memory of the first (HeaderMemo) when their bytes match. It must
  // give what planning the header afresh gives: the same words (the same
  // keys), every count doubled, the same first error, and the second copy's
  // bad rows on the same lines as the first's.
  BuildOptions twice = opt;
  twice.inputs = {g_file.path(), g_file.path()};
  twice.chunk_bytes = 1u << 20;
  twice.readers = 1;
  twice.workers = 0;
  twice.max_reported_errors = SIZE_MAX;
  const Outcome got = build(twice);
  if (got.ok != want.ok) fail("the file twice: " + got.describe() + ", once: " + first->describe());
  if (!got.ok) {
    if (got.kind != want.kind || (want.kind == ErrorKind::bad_csv && got.error_line != want.error_line))
      fail("the file twice: error '" + got.error + "', once: '" + first->error + "'");
  } else if (got.words != want.words || got.rows != 2 * want.rows || got.bad_rows != 2 * want.bad_rows ||
             got.empty_keys != 2 * want.empty_keys || got.keys_inserted != 2 * want.keys_inserted) {
    fail("the file twice: " + got.describe() + ", once: " + first->describe());
  } else {
    const std::size_t half = got.bad_lines.size() / 2;
    if (got.bad_lines.size() != 2 * want.bad_rows ||
        !std::equal(got.bad_lines.begin(), got.bad_lines.begin() + half, got.bad_lines.begin() + half))
      fail("the file twice: the second copy's bad rows are not on the first's lines");
  }
  return 0;
}
