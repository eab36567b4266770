// tests/unit/test_stream_decoder.cpp: the stream decoder (core/io/stream_decoder.hpp):
// the format comes from the first bytes, never the name; plain bytes pass
// through unchanged; gzip members and zstd frames decode, concatenated ones
// read through; truncated or corrupt data is Error(io) naming the file; the
// raw byte counters add up. Every format is read with several read sizes, so
// that reads end inside the codec's buffers and inside the 256 KiB input buffer.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "codec_support.hpp"
#include "temp_dir.hpp"
#include "core/io/stream_decoder.hpp"
#include "csvbloom/error.hpp"

using namespace csvbloom;
using namespace csvbloom::test;
using detail::Compression;
using detail::StreamDecoder;

namespace {

// Everything the decoder gives, `piece` bytes per read.
std::string decode_all(StreamDecoder& d, std::size_t piece) {
  std::string out;
  std::vector<char> buf(piece);
  for (;;) {
    const std::size_t n = d.read(buf.data(), piece);
    if (n == 0) break;
    if (n > piece) FAIL("read() gave " << n << " bytes for a buffer of " << piece);
    out.append(buf.data(), n);
  }
  CHECK(d.read(buf.data(), piece) == 0);  // the end stays the end
  return out;
}

struct Decoded {
  std::string bytes;
  Compression compression;
  std::uint64_t raw_read;
};

Decoded decode_file(const std::string& path, std::size_t piece) {
  Fd fd(path);
  StreamDecoder d(fd.get(), path);
  Decoded r{decode_all(d, piece), d.compression(), d.raw_bytes_read()};
  CHECK(d.raw_bytes_consumed() <= d.raw_bytes_read());
  return r;
}

const std::size_t kPieces[] = {1, 7, 4096, 1u << 20};

}  // namespace

TEST_CASE("stream decoder: the format comes from the magic bytes", "[stream_decoder]") {
  auto detect = [](const std::string& s) {
    return detail::detect_compression(reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  CHECK(detect("\x1f\x8b") == Compression::gzip);
  CHECK(detect(std::string("\x28\xb5\x2f\xfd", 4)) == Compression::zstd);
  CHECK(detect("\x1f") == Compression::none);                            // too short to tell
  CHECK(detect(std::string("\x28\xb5\x2f", 3)) == Compression::none);    // likewise
  CHECK(detect("\x1f\x8c") == Compression::none);
  CHECK(detect("id,email\n") == Compression::none);
  CHECK(detect("") == Compression::none);
  CHECK(std::string(detail::compression_name(Compression::gzip)) == "gzip");
  CHECK(std::string(detail::compression_name(Compression::zstd)) == "zstd");
  CHECK(std::string(detail::compression_name(Compression::none)) == "none");
}

TEST_CASE("stream decoder: plain bytes pass through unchanged, whatever the name", "[stream_decoder]") {
  TempDir d;
  const std::string text = sample_text(600000);  // more than the 256 KiB input buffer
  for (const char* name : {"plain.csv", "looks-compressed.csv.gz", "other.zst"}) {
    const std::string path = d.file(name, text);
    for (std::size_t piece : kPieces) {
      INFO(name << ", reads of " << piece);
      const Decoded r = decode_file(path, piece);
      CHECK(r.compression == Compression::none);
      CHECK(r.bytes == text);
      CHECK(r.raw_read == text.size());
    }
  }
  // A lone 0x1f and other near-magic starts are data too.
  const std::string odd = d.file("odd.csv", "\x1f" "abc\n");
  CHECK(decode_file(odd, 3).bytes == "\x1f" "abc\n");
  // An empty file: no bytes, no format.
  const std::string empty = d.file("empty.csv", "");
  const Decoded e = decode_file(empty, 16);
  CHECK(e.bytes.empty());
  CHECK(e.compression == Compression::none);
}

TEST_CASE("stream decoder: gzip and zstd decode, whatever the name, concatenations read through",
          "[stream_decoder]") {
  TempDir d;
  const std::string a = sample_text(700000, 1), b = sample_text(90000, 2), c = sample_text(3, 3);
  struct Case {
    const char* name;
    std::string file;
    std::string want;
    Compression compression;
  };
  const std::vector<Case> cases = {
      {"one.csv.gz", gzip_member(a), a, Compression::gzip},
      {"named-plain.csv", gzip_member(b), b, Compression::gzip},  // the bytes decide, not the name
      {"members.gz", gzip_member(a) + gzip_member(b) + gzip_member(c), a + b + c, Compression::gzip},
      {"empty-member.gz", gzip_member("") + gzip_member(b), b, Compression::gzip},
      {"one.csv.zst", zstd_frame(a), a, Compression::zstd},
      {"frames.zst", zstd_frame(a) + zstd_frame(b) + zstd_frame(c), a + b + c, Compression::zstd},
  };
  for (const Case& k : cases) {
    const std::string path = d.file(k.name, k.file);
    for (std::size_t piece : kPieces) {
      INFO(k.name << ", reads of " << piece);
      const Decoded r = decode_file(path, piece);
      CHECK(r.compression == k.compression);
      CHECK(r.bytes.size() == k.want.size());
      CHECK(r.bytes == k.want);
      CHECK(r.raw_read == k.file.size());  // the whole file, compressed bytes
    }
  }
}

TEST_CASE("stream decoder: truncated or corrupt data is Error(io) naming the file", "[stream_decoder]") {
  TempDir d;
  const std::string text = sample_text(300000, 4);
  const std::string gz = gzip_member(text), zs = zstd_frame(text);
  struct Bad {
    const char* name;
    std::string bytes;
    const char* says;
  };
  std::string gz_flipped = gz;
  gz_flipped[gz.size() / 2] = static_cast<char>(gz_flipped[gz.size() / 2] ^ 0x55);
  std::string zs_flipped = zs;
  zs_flipped[zs.size() / 2] = static_cast<char>(zs_flipped[zs.size() / 2] ^ 0x55);
  const std::vector<Bad> bad = {
      {"cut.gz", gz.substr(0, gz.size() / 2), "truncated gzip"},
      {"cut-trailer.gz", gz.substr(0, gz.size() - 4), "truncated gzip"},  // inside the CRC/length trailer
      {"magic-only.gz", gz.substr(0, 2), "gzip"},
      {"flipped.gz", gz_flipped, "gzip"},
      {"cut.zst", zs.substr(0, zs.size() / 2), "truncated zstd"},
      {"magic-only.zst", zs.substr(0, 4), "zstd"},
      {"flipped.zst", zs_flipped, "zstd"},
  };
  for (const Bad& k : bad) {
    INFO(k.name);
    const std::string path = d.file(k.name, k.bytes);
    try {
      (void)decode_file(path, 4096);
      FAIL("decoded without an error");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::io);
      CHECK(e.file() == path);
      CHECK_THAT(e.message(), Catch::Contains(k.says));
    }
  }
}
