// src/core/filter/compatibility.cpp: the one rule of which filters are
// compatible (csvbloom/compatibility.hpp), its messages and its fingerprint.
// compatibility_differences() and merge_fingerprint() must look at the same
// fields: tests/unit/test_compatibility.cpp changes each field in turn and
// checks that both notice.
#include "core/filter/hash_inline.hpp"  // first: compiles XXH3 inline, as format.cpp does


#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "core/filter/format_detail.hpp"
#include "csvbloom/compatibility.hpp"
#include "csvbloom/error.hpp"

namespace csvbloom {
namespace {

std::string yes_no(bool v) { return v ? "yes" : "no"; }

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string byte(char c) {
  if (c == '\t') return "'\\t'";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "'\\x%02x'", static_cast<unsigned char>(c));
    return buf;
  }
  std::string s = "'";
  s += c;
  s += '\'';
  return s;
}

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

std::vector<std::string> compatibility_differences(const FilterParams& a, const FilterMetadata& am,
                                                   const FilterParams& b, const FilterMetadata& bm) {
  std::vector<std::string> d;
  auto add = [&d](const char* what, const std::string& x, const std::string& y) {
    if (x != y) d.push_back(std::string(what) + " " + x + " vs " + y);
  };
  const KeySpec &ka = am.key, &kb = bm.key;
  if (!(ka.columns == kb.columns)) d.push_back("key '" + ka.describe() + "' vs '" + kb.describe() + "'");
  add("delimiter", byte(ka.dialect.delimiter), byte(kb.dialect.delimiter));
  add("quote", byte(ka.dialect.quote), byte(kb.dialect.quote));
  add("header:", yes_no(ka.dialect.has_header), yes_no(kb.dialect.has_header));
  add("trim:", yes_no(ka.normalization.trim), yes_no(kb.normalization.trim));
  add("lowercase:", yes_no(ka.normalization.lowercase), yes_no(kb.normalization.lowercase));
  add("capacity", std::to_string(am.capacity), std::to_string(bm.capacity));
  // Bit for bit, as the fingerprint hashes it (%g would hide 0.1 vs 0.1000000001).
  if (std::bit_cast<std::uint64_t>(am.target_fpr) != std::bit_cast<std::uint64_t>(bm.target_fpr)) {
    std::string x = number(am.target_fpr), y = number(bm.target_fpr);
    if (x == y) {
      char bx[40], by[40];
      std::snprintf(bx, sizeof bx, "%.17g", am.target_fpr);
      std::snprintf(by, sizeof by, "%.17g", bm.target_fpr);
      x = bx;
      y = by;
    }
    d.push_back("target fpr " + x + " vs " + y);
  }
  add("layout", layout_name(a.layout), layout_name(b.layout));
  add("bits", std::to_string(a.bits), std::to_string(b.bits));
  add("hashes", std::to_string(a.hashes), std::to_string(b.hashes));
  add("seed", hex(a.seed), hex(b.seed));
  add("hash algorithm", std::to_string(static_cast<unsigned>(a.hash)), std::to_string(static_cast<unsigned>(b.hash)));
  return d;
}

void check_compatible(const FilterParams& a, const FilterMetadata& am, const FilterParams& b,
                      const FilterMetadata& bm, const std::string& a_name, const std::string& b_name) {
  const std::vector<std::string> d = compatibility_differences(a, am, b, bm);
  if (d.empty()) return;
  std::string what;
  for (const std::string& x : d) what += (what.empty() ? "" : ", ") + x;
  throw Error(ErrorKind::incompatible, b_name + " is not compatible with " + a_name + ": " + what);
}

void merge_filter(BloomFilter& into, const FilterMetadata& into_metadata, const BloomFilter& from,
                  const FilterMetadata& from_metadata, const std::string& into_name, const std::string& from_name) {
  check_compatible(into.params(), into_metadata, from.params(), from_metadata, into_name, from_name);
  into.merge_from(from);
}

std::string merge_fingerprint(const FilterParams& p, const FilterMetadata& m) {
  // Canonical bytes (docs/FORMAT.md, "Merging"): a domain tag, the parameters
  // that decide bit positions, the key spec (which decides the hashed bytes)
  // and the sizing record. Not keys_inserted: merging sums it.
  std::vector<std::uint8_t> bytes;
  bytes.reserve(256);  // also spares g++ 12 a false -Wstringop-overflow on the first insert
  static constexpr char kTag[] = "csvbloom-merge-v2";  // v1 (before 2026-12-04) left capacity and FPR out
  bytes.insert(bytes.end(), kTag, kTag + sizeof kTag - 1);
  put_le(bytes, static_cast<std::uint8_t>(p.layout), 1);
  put_le(bytes, static_cast<std::uint8_t>(p.hash), 1);
  put_le(bytes, p.hashes, 4);
  put_le(bytes, p.bits, 8);
  put_le(bytes, p.seed, 8);
  detail::encode_key_spec(bytes, m.key);
  put_le(bytes, m.capacity, 8);
  put_le(bytes, std::bit_cast<std::uint64_t>(m.target_fpr), 8);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(XXH3_64bits(bytes.data(), bytes.size())));
  return out;
}

}  // namespace csvbloom
