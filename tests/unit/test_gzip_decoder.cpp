// tests/unit/test_gzip_decoder.cpp: StreamDecoder's gzip path (ISA-L) against
// zlib, the decoder it replaced.
//
// Every case is a byte string written to a file and decoded twice: by
// StreamDecoder, with raw reads of 1 byte up to 256 KiB (so headers, deflate
// blocks and trailers straddle reads at every offset) and read() calls of 1
// byte up to 1 MiB; and by zlib's inflate with the old decoder's rules
// (members read through, anything after a member that is not a whole member
// an error). Both must give the same bytes, or both an error; ours must be
// Error(io) naming the file. zlib also writes the inputs (deflateSetHeader
// gives the FEXTRA/FNAME/FCOMMENT/FHCRC fields), with fixed seeds.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "codec_support.hpp"
#include "core/io/stream_decoder.hpp"
#include "csvbloom/error.hpp"
#include "temp_dir.hpp"
#include "zlib_reference.hpp"

using csvbloom::Error;
using csvbloom::ErrorKind;
using csvbloom::detail::Compression;
using csvbloom::detail::StreamDecoder;
using csvbloom::test::gzip_member;
using csvbloom::test::HeaderFields;
using csvbloom::test::TempDir;
using csvbloom::test::zlib_decode;

namespace {

// StreamDecoder's reading of the file `path`; nullopt for an Error, which must
// be Error(io) naming the file.
std::optional<std::string> ours(const std::string& path, std::size_t input_buffer, std::size_t read_size) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::string out;
  std::optional<std::string> result;
  try {
    StreamDecoder dec(fd, path, input_buffer);
    CHECK(dec.compression() == Compression::gzip);
    std::vector<char> buf(read_size);
    for (;;) {
      const std::size_t k = dec.read(buf.data(), buf.size());
      if (k == 0) break;
      REQUIRE(k <= buf.size());
      out.append(buf.data(), k);
    }
    result = out;
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::io);
    CHECK(e.file() == path);
    CHECK(std::string(e.what()).find(path) != std::string::npos);
  }
  ::close(fd);
  return result;
}

struct Split {
  std::size_t input_buffer, read_size;
};
// Raw reads and read() sizes: 1 byte each way (every header field, block and
// trailer straddles), odd sizes, and csvbloom's own (256 KiB reads, 1 MiB
// read() calls from the pipeline's stream batches).
const std::vector<Split> kAllSplits = {{1, 1},     {1, 1 << 20},       {3, 7},         {10, 1},
                                       {17, 4096}, {4096, 3},          {65536, 65536}, {1 << 18, 1},
                                       {1 << 18, 1 << 20}};
// For inputs of hundreds of KB, where 1-byte reads are slow.
const std::vector<Split> kLargeSplits = {{7, 1 << 20}, {4096, 5}, {65536, 100000}, {1 << 18, 1 << 20}};

// Decodes `gz` with every split and with zlib: the same bytes, or errors all round.
// Returns zlib's result.
std::optional<std::string> check_same_as_zlib(const TempDir& d, const std::string& gz,
                                              const std::vector<Split>& splits = kAllSplits) {
  const std::string path = d.file("input.gz", gz);
  const std::optional<std::string> ref = zlib_decode(gz);
  for (const Split& s : splits) {
    INFO("input buffer " << s.input_buffer << ", read size " << s.read_size << ", " << gz.size()
                         << " compressed bytes, zlib " << (ref ? "decodes it" : "rejects it"));
    const std::optional<std::string> got = ours(path, s.input_buffer, s.read_size);
    REQUIRE(got.has_value() == ref.has_value());
    if (ref) REQUIRE(*got == *ref);
  }
  return ref;
}

// CSV-like text (compresses about 4:1 as the bench sets do) of about n bytes.
std::string csv_text(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  const char* cities[] = {"Berlin", "\"Washington, D.C.\"", "Lyon", "Osaka", "Quito"};
  std::string s = "id,email,city,amount\n";
  for (std::uint64_t i = 0; s.size() < n; ++i)
    s += std::to_string(i) + ",user" + std::to_string(rng() % 100000) + "@example.com," + cities[rng() % 5] + "," +
         std::to_string(rng() % 10000) + "\n";
  s.resize(n);
  return s;
}

// Random bytes: deflate stores them (type 0 blocks).
std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace

TEST_CASE("gzip decoder: single members, every level and block type, same bytes as zlib", "[gzip]") {
  TempDir d;
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{100}, std::size_t{5000}}) {
    for (const int level : {0, 1, 6, 9}) {
      for (const int strategy : {Z_DEFAULT_STRATEGY, Z_FIXED, Z_HUFFMAN_ONLY}) {
        INFO("size " << size << ", level " << level << ", strategy " << strategy);
        const std::string data = csv_text(size, 1);
        const auto ref = check_same_as_zlib(d, gzip_member(data, level, strategy));
        REQUIRE(ref);
        REQUIRE(*ref == data);
      }
    }
  }
}

TEST_CASE("gzip decoder: inputs larger than the window and ISA-L's buffers", "[gzip]") {
  TempDir d;
  // 700 KB: 20x the 32 KiB window, 10x ISA-L's 64 KiB history buffer, and
  // more than one 256 KiB raw read when compressed at level 0.
  const std::string text = csv_text(700000, 2);
  for (const int level : {0, 1, 6, 9}) {
    INFO("level " << level);
    REQUIRE(check_same_as_zlib(d, gzip_member(text, level), kLargeSplits) == text);
  }
  const std::string mixed = csv_text(200000, 3) + random_bytes(150000, 4) + csv_text(200000, 5);
  REQUIRE(check_same_as_zlib(d, gzip_member(mixed, 6), kLargeSplits) == mixed);
}

TEST_CASE("gzip decoder: concatenated members and empty members are read through", "[gzip]") {
  TempDir d;
  const std::string a = csv_text(3000, 6), b = csv_text(70000, 7), e;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {gzip_member(a) + gzip_member(b), a + b},
      {gzip_member(e) + gzip_member(a), a},
      {gzip_member(a) + gzip_member(e), a},
      {gzip_member(a) + gzip_member(e) + gzip_member(e) + gzip_member(b, 1), a + b},
      {gzip_member(e), e},
      {gzip_member(e) + gzip_member(e) + gzip_member(e), e},
      {gzip_member(a, 0) + gzip_member(a, 9, Z_FIXED) + gzip_member(a, 1, Z_HUFFMAN_ONLY), a + a + a},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    REQUIRE(check_same_as_zlib(d, cases[i].first) == cases[i].second);
  }
  // Many members in one raw read and members that straddle reads.
  std::string many, want;
  for (int i = 0; i < 200; ++i) {
    const std::string part = csv_text(static_cast<std::size_t>(i * 37), static_cast<std::uint32_t>(100 + i));
    many += gzip_member(part, i % 10);
    want += part;
  }
  REQUIRE(check_same_as_zlib(d, many, kLargeSplits) == want);
}

TEST_CASE("gzip decoder: FEXTRA, FNAME, FCOMMENT and FHCRC header fields", "[gzip]") {
  TempDir d;
  const std::string a = csv_text(2000, 8);
  HeaderFields all{std::string("AB\x04\x00wxyz", 8), "data.csv", "exported by a test", true};
  HeaderFields big{std::string(40000, 'x'), std::string(300, 'n'), std::string(70000, 'c'), true};
  HeaderFields name_only{"", "part-00000.csv", "", false};
  HeaderFields hcrc_only{"", "", "", true};
  for (const HeaderFields* f : {&all, &big, &name_only, &hcrc_only}) {
    INFO("extra " << f->extra.size() << ", name " << f->name.size() << ", comment " << f->comment.size()
                  << ", hcrc " << f->hcrc);
    const std::string one = gzip_member(a, 6, Z_DEFAULT_STRATEGY, f);
    REQUIRE(check_same_as_zlib(d, one, f == &big ? kLargeSplits : kAllSplits) == a);
    // As a second member: its header comes after another member's trailer.
    REQUIRE(check_same_as_zlib(d, gzip_member(a) + one, f == &big ? kLargeSplits : kAllSplits) == a + a);
  }
  // A wrong header CRC is an error for both.
  std::string bad = gzip_member(a, 6, Z_DEFAULT_STRATEGY, &all);
  const std::size_t hcrc_at = 10 + 2 + all.extra.size() + all.name.size() + 1 + all.comment.size() + 1;
  bad[hcrc_at] = static_cast<char>(bad[hcrc_at] ^ 0x01);
  REQUIRE_FALSE(check_same_as_zlib(d, bad));
  // Reserved flag bits (0xe0): zlib rejects them, and so must we.
  for (const unsigned bit : {0x20u, 0x40u, 0x80u}) {
    std::string r = gzip_member(a);
    r[3] = static_cast<char>(static_cast<unsigned char>(r[3]) | bit);
    REQUIRE_FALSE(check_same_as_zlib(d, r));
  }
  // Not deflate (CM != 8).
  std::string cm = gzip_member(a);
  cm[2] = 7;
  REQUIRE_FALSE(check_same_as_zlib(d, cm));
}

TEST_CASE("gzip decoder: a flipped CRC-32 byte or a wrong ISIZE is an error", "[gzip]") {
  TempDir d;
  const std::string a = csv_text(5000, 9), b = csv_text(300, 10);
  for (const bool second : {false, true}) {
    for (int byte = 0; byte < 8; ++byte) {  // trailer bytes 0-3: CRC-32, 4-7: ISIZE
      for (const unsigned char mask : {0x01, 0x80, 0xff}) {
        INFO((second ? "second" : "first") << " member, trailer byte " << byte << ", mask " << int(mask));
        std::string m = gzip_member(a);
        const std::size_t at = m.size() - 8 + static_cast<std::size_t>(byte);
        m[at] = static_cast<char>(static_cast<unsigned char>(m[at]) ^ mask);
        REQUIRE_FALSE(check_same_as_zlib(d, second ? gzip_member(b) + m : m + gzip_member(b)));
      }
    }
  }
  // ISIZE is the length mod 2^32: off by exactly 2^32 cannot be told, but any
  // other length can; an empty member's trailer is 0 0.
  std::string e = gzip_member("");
  e[e.size() - 4] = 1;
  REQUIRE_FALSE(check_same_as_zlib(d, e));
}

TEST_CASE("gzip decoder: truncated at every byte is an error naming the file", "[gzip]") {
  TempDir d;
  const std::string a = csv_text(400, 11);
  HeaderFields f{"XY", "n.csv", "c", true};
  const std::string whole = gzip_member(a, 6, Z_DEFAULT_STRATEGY, &f) + gzip_member("") + gzip_member(a, 0);
  const std::vector<Split> splits = {{1, 1}, {5, 3}, {1 << 18, 1 << 20}};
  for (std::size_t n = 2; n < whole.size(); ++n) {  // from n = 2 on, the magic is there
    INFO("first " << n << " of " << whole.size() << " bytes");
    const std::string cut = whole.substr(0, n);
    const auto ref = zlib_decode(cut);
    // A cut that falls exactly between two members is a whole file.
    const std::string path = d.file("cut.gz", cut);
    for (const Split& s : splits) {
      INFO("input buffer " << s.input_buffer << ", read size " << s.read_size);
      const auto got = ours(path, s.input_buffer, s.read_size);
      REQUIRE(got.has_value() == ref.has_value());
      if (ref) REQUIRE(*got == *ref);
    }
  }
  // A large member cut at several points.
  const std::string big = gzip_member(csv_text(600000, 12), 6);
  for (const std::size_t n : {std::size_t{10}, std::size_t{11}, big.size() / 3, big.size() / 2, big.size() - 9,
                              big.size() - 8, big.size() - 4, big.size() - 1}) {
    INFO("big member cut to " << n << " of " << big.size());
    REQUIRE_FALSE(check_same_as_zlib(d, big.substr(0, n), kLargeSplits));
  }
}

TEST_CASE("gzip decoder: bytes after a member that are not a member are an error", "[gzip]") {
  TempDir d;
  const std::string a = gzip_member(csv_text(1000, 13));
  for (const std::string& tail : {std::string("x"), std::string(4, '\0'), std::string(1024, '\0'), std::string("\x1f"),
                                  std::string("\x1f\x8b"), std::string("\x1f\x8b\x08\x00garbage!"),
                                  std::string("\x1f\x8c\x08\x00\x00\x00\x00\x00\x00\x03")}) {
    INFO("tail of " << tail.size() << " bytes");
    REQUIRE_FALSE(check_same_as_zlib(d, a + tail));
    REQUIRE_FALSE(check_same_as_zlib(d, a + gzip_member("z") + tail));
  }
}

TEST_CASE("gzip decoder: corrupt deflate data is an error or, rarely, the same bytes as zlib", "[gzip]") {
  TempDir d;
  const std::string text = csv_text(20000, 14);
  const std::string good = gzip_member(text, 6) + gzip_member(text.substr(0, 999), 1);
  const std::string path = d.path("corrupt.gz");
  std::mt19937 rng(15);
  int both_rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      const std::size_t at = 10 + rng() % (bad.size() - 10);  // past the first header's fixed part
      bad[at] = static_cast<char>(static_cast<unsigned char>(bad[at]) ^ (1u << (rng() % 8)));
    }
    INFO("trial " << trial);
    const auto ref = zlib_decode(bad);
    d.file("corrupt.gz", bad);
    for (const Split& s : {Split{13, 777}, Split{1 << 18, 1 << 20}}) {
      const auto got = ours(path, s.input_buffer, s.read_size);
      // Where zlib decodes the bytes, we must give the same; where we decode
      // them, the trailers' CRC-32 vouches for them: they are the original.
      if (ref) REQUIRE(got == ref);
      if (got) REQUIRE(*got == text + text.substr(0, 999));
      if (!ref && !got) ++both_rejected;
    }
  }
  CHECK(both_rejected > 500);  // nearly every corruption is caught by both
}

TEST_CASE("gzip decoder: plain input still passes through with tiny reads", "[gzip]") {
  TempDir d;
  const std::string text = csv_text(10000, 16);
  const std::string path = d.file("plain.csv", text);
  for (const Split& s : {Split{1, 1}, Split{3, 7}, Split{1 << 18, 1 << 20}}) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    StreamDecoder dec(fd, path, s.input_buffer);
    REQUIRE(dec.compression() == Compression::none);
    std::string out;
    std::vector<char> buf(s.read_size);
    for (std::size_t k; (k = dec.read(buf.data(), buf.size())) > 0;) out.append(buf.data(), k);
    ::close(fd);
    REQUIRE(out == text);
    REQUIRE(dec.raw_bytes_read() == text.size());
  }
}
