// tests/unit/codec_support.hpp: gzip and zstd encoders for tests of the
// decoding side (test_stream_decoder.cpp, test_gzip_decoder.cpp,
// test_input_window.cpp, test_decoded_windows.cpp), through the
// same zlib and libzstd the library links.
#pragma once

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

namespace csvbloom::test {

// Optional gzip header fields (FEXTRA, FNAME, FCOMMENT, FHCRC).
struct HeaderFields {
  std::string extra, name, comment;
  bool hcrc{false};
};

// One gzip member (RFC 1952) holding `data`, written by zlib.
inline std::string gzip_member(const std::string& data, int level = 6, int strategy = Z_DEFAULT_STRATEGY,
                               const HeaderFields* fields = nullptr) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, strategy) == Z_OK);
  gz_header h{};
  std::string extra = fields ? fields->extra : "", name = fields ? fields->name : "",
              comment = fields ? fields->comment : "";
  if (fields) {
    h.os = 3;
    if (!extra.empty()) {
      h.extra = reinterpret_cast<Bytef*>(extra.data());
      h.extra_len = static_cast<uInt>(extra.size());
    }
    if (!name.empty()) h.name = reinterpret_cast<Bytef*>(name.data());  // NUL-terminated by std::string
    if (!comment.empty()) h.comment = reinterpret_cast<Bytef*>(comment.data());
    h.hcrc = fields->hcrc ? 1 : 0;
    REQUIRE(deflateSetHeader(&z, &h) == Z_OK);
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One zstd frame holding `data`, with a content checksum as the zstd tool
// writes by default (so that a flipped byte is always detected).
inline std::string zstd_frame(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(cctx != nullptr);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  const std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// CSV-like text of about `bytes` bytes that compresses but not to nothing
// (fixed seed: the same bytes every run).
inline std::string sample_text(std::size_t bytes, std::uint64_t seed = 7) {
  std::mt19937_64 rng(seed);
  std::string s = "id,email,note\n";
  for (std::size_t i = 0; s.size() < bytes; ++i)
    s += std::to_string(i) + ",user" + std::to_string(rng() % 100000) + "@example.org,\"n" +
         std::to_string(rng()) + "\"\n";
  s.resize(bytes);
  return s;
}

// A file opened read-only for the test's scope (the decoder and the window
// take a descriptor they do not own).
class Fd {
 public:
  explicit Fd(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) { REQUIRE(fd_ >= 0); }
  ~Fd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace csvbloom::test
