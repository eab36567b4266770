// fuzz_rows.cpp: the ordered row output (select_rows, dedupe_rows) on
// arbitrary bytes, for several chunk sizes and thread splits, against the
// reference reader. Chunk boundaries are where a record could be lost or
// printed twice; here every record must come out once, whole, in order.
//
// Input: byte 0 and byte 1 pick the options (below), the rest is one CSV file
// (a memfd read through /proc/self/fd/N). Each input runs
//  - select --absent with an empty filter: every record the reference reader
//    finds whose key columns exist (bad rows aside), as its own bytes, a last
//    record without a line end given '\n', after the header once;
//  - dedupe into an empty, large filter (2^20 bits, 8 hashes: with at most a
//    few hundred keys a false "seen" is ~1e-17 per key): the first record of
//    every key, every record of an empty key;
// with chunk_bytes 16, 64 and 1 MiB (readers 1..3, workers 0..2, queue 1..2
// from byte 1). Under --on-error fail a bad row is an error (its line, as the
// reference says) and what was written before it is a prefix of the output.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "csvbloom/error.hpp"
#include "csvbloom/rows.hpp"
#include "fuzz_harness.hpp"
#include "reference_csv.hpp"

using namespace csvbloom;

namespace {

using fuzz_harness::fail;

fuzz_harness::MemFile g_file;

FilterParams params() {
  FilterParams p;
  p.bits = 1u << 20;
  p.hashes = 8;
  return p;
}

class StringSink final : public RowSink {
 public:
  void write(std::string_view bytes) override { out.append(bytes); }
  std::string out;
};

std::string with_line_end(std::string_view s) {
  std::string r(s);
  if (r.empty() || (r.back() != '\n' && r.back() != '\r')) r.push_back('\n');
  return r;
}

// What the reference reader predicts: the two outputs, or an error (with the
// line of the first bad row under OnError::fail).
struct Prediction {
  bool ok{true};
  bool bad_row_error{false};  // the error is a bad row's (its line known)
  std::uint64_t error_line{0};
  std::string select, dedupe;  // the full outputs (a prefix of them on a bad-row error)
};

std::uint64_t line_of(std::string_view data, std::size_t offset) {
  std::uint64_t n = 1;
  for (std::size_t i = 0; i < offset; ++i) n += data[i] == '\n';
  return n;
}

Prediction predict(std::string_view file, const BuildOptions& opt) {
  Prediction p;
  const Dialect& d = opt.key.dialect;
  const std::size_t bom = file.size() >= 3 && file.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  const std::string_view body = file.substr(bom);
  const csvbloom_fuzz::RefParse ref = csvbloom_fuzz::reference_parse(body, d.delimiter, d.quote);
  if (ref.records.empty()) {
    if (ref.unterminated_quote) p.ok = false;  // the first record never ends
    // Nothing but blank lines where a header is expected: an error naming
    // the file (since 2026-12-04, issue 13).
    if (d.has_header) p.ok = false;
    return p;
  }
  std::vector<std::uint32_t> cols;
  std::uint32_t max_col = 0;
  for (const auto& c : opt.key.columns) {
    cols.push_back(c.index - 1);
    max_col = std::max(max_col, c.index - 1);
  }
  const auto first_fields = static_cast<std::uint32_t>(ref.records[0].fields.size());
  if (max_col + 1 > first_fields) {
    p.ok = false;  // a key column out of range
    return p;
  }
  if (d.has_header) {
    const auto& h = ref.records[0];
    p.select = p.dedupe = with_line_end(body.substr(h.offset, h.end - h.offset));
  }
  const std::uint32_t expected = opt.allow_ragged ? 0 : first_fields;
  std::set<std::string> seen;
  auto bad = [&](std::size_t offset) {
    if (opt.on_error == OnError::fail && p.ok) {
      p.ok = false;
      p.bad_row_error = true;
      p.error_line = line_of(file, bom + offset);
    }
  };
  for (std::size_t i = d.has_header ? 1 : 0; i < ref.records.size() && p.ok; ++i) {
    const auto& r = ref.records[i];
    const auto n = static_cast<std::uint32_t>(r.fields.size());
    if (n < max_col + 1 || (expected && n != expected)) {
      bad(r.offset);
      continue;
    }
    const std::string row = with_line_end(body.substr(r.offset, r.end - r.offset));
    p.select += row;
    bool empty = false;
    const std::string key = csvbloom_fuzz::reference_key(r, cols, opt.key.normalization, empty);
    if (empty || seen.insert(key).second) p.dedupe += row;
  }
  if (ref.unterminated_quote && p.ok) bad(ref.unterminated_offset);
  return p;
}

struct Outcome {
  bool ok{true};
  ErrorKind kind{};
  std::string error;
  std::uint64_t error_line{0};
  std::string out;
};

template <class Run>
Outcome run(Run&& f) {
  Outcome o;
  StringSink sink;
  try {
    f(sink);
  } catch (const Error& e) {
    o.ok = false;
    o.kind = e.kind();
    o.error = e.what();
    o.error_line = e.line();
  }
  o.out = std::move(sink.out);
  return o;
}

void check(const std::string& what, const Outcome& got, bool want_ok, bool bad_row_error, std::uint64_t line,
           const std::string& want) {
  if (got.ok != want_ok)
    fail(what + ": reference predicts " + (want_ok ? "success" : "an error") + ", got " +
         (got.ok ? "success" : "error '" + got.error + "'"));
  if (got.ok) {
    if (got.out != want) {
      std::size_t i = 0;
      while (i < got.out.size() && i < want.size() && got.out[i] == want[i]) ++i;
      fail(what + ": output differs from the reference at byte " + std::to_string(i) + " (got " +
           std::to_string(got.out.size()) + " bytes, want " + std::to_string(want.size()) + ")");
    }
    return;
  }
  if (bad_row_error) {
    if (got.kind != ErrorKind::bad_csv || got.error_line != line)
      fail(what + ": expected a bad row on line " + std::to_string(line) + ", got '" + got.error + "' line " +
           std::to_string(got.error_line));
    if (want.compare(0, got.out.size(), got.out) != 0)
      fail(what + ": what was written before the error is not a prefix of the reference output");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_file.open("fuzz_rows");
  return 0;
}

// Bytes 0 and 1: the options and thread splits (fuzz_harness.hpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const BuildOptions opt = fuzz_harness::options_of(data, g_file.path());
  const std::string_view file(reinterpret_cast<const char*>(data + 2), size - 2);

  g_file.replace(file);

  const Prediction want = predict(file, opt);
  const BloomFilter empty(params());
  for (const fuzz_harness::Split& split : fuzz_harness::splits_of(data[1])) {
    const BuildOptions o = split.applied_to(opt);
    const std::string config = split.describe();
    const Outcome sel = run([&](StringSink& s) {
      select_rows(o, empty, static_cast<std::uint32_t>(o.key.columns.size()), SelectMode::absent, &s);
    });
    check("select --absent, " + config, sel, want.ok, want.bad_row_error, want.error_line, want.select);
    const Outcome dd = run([&](StringSink& s) {
      BloomFilter seen(params());
      dedupe_rows(o, seen, &s);
    });
    check("dedupe, " + config, dd, want.ok, want.bad_row_error, want.error_line, want.dedupe);
  }
  return 0;
}
