// stream_decoder.cpp: see stream_decoder.hpp.
#include "core/io/stream_decoder.hpp"

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include "csvbloom/error.hpp"

namespace csvbloom::detail {
namespace {
constexpr std::size_t kInputBuffer = 256u << 10;
}

Compression detect_compression(const unsigned char* p, std::size_t n) noexcept {
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return Compression::gzip;
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) return Compression::zstd;
  return Compression::none;
}

const char* compression_name(Compression c) noexcept {
  switch (c) {
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    default: return "none";
  }
}

struct StreamDecoder::Codec {
  z_stream z{};
  bool z_init{false};
  bool z_member_done{false};  // the last gzip member ended exactly here
  ZSTD_DCtx* zstd{nullptr};
  std::size_t zstd_last{0};  // 0 when the last frame is complete
  ~Codec() {
    if (z_init) inflateEnd(&z);
    if (zstd) ZSTD_freeDCtx(zstd);
  }
};

StreamDecoder::StreamDecoder(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), in_(new unsigned char[kInputBuffer]), codec_(new Codec) {
  while (in_len_ < 4 && fill()) {
  }
  compression_ = detect_compression(in_.get(), in_len_);
  if (compression_ == Compression::gzip) {
    if (inflateInit2(&codec_->z, 15 + 16) != Z_OK) throw Error(ErrorKind::io, "can't start gzip decoding", path_);
    codec_->z_init = true;
  } else if (compression_ == Compression::zstd) {
    codec_->zstd = ZSTD_createDCtx();
    if (!codec_->zstd) throw Error(ErrorKind::io, "can't start zstd decoding", path_);
  }
}

StreamDecoder::~StreamDecoder() = default;

bool StreamDecoder::fill() {
  if (in_eof_) return false;
  if (in_pos_ == in_len_) in_pos_ = in_len_ = 0;
  if (in_len_ == kInputBuffer) {  // compact
    std::memmove(in_.get(), in_.get() + in_pos_, in_len_ - in_pos_);
    in_len_ -= in_pos_;
    in_pos_ = 0;
  }
  for (;;) {
    ssize_t r = ::read(fd_, in_.get() + in_len_, kInputBuffer - in_len_);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw Error(ErrorKind::io, std::string("read failed: ") + std::strerror(errno), path_);
    if (r == 0) {
      in_eof_ = true;
      return false;
    }
    in_len_ += static_cast<std::size_t>(r);
    raw_read_ += static_cast<std::uint64_t>(r);
    return true;
  }
}

std::size_t StreamDecoder::read(char* out, std::size_t n) {
  if (n == 0) return 0;
  if (compression_ == Compression::none) {
    if (in_pos_ == in_len_ && !fill()) return 0;
    std::size_t k = std::min(n, in_len_ - in_pos_);
    std::memcpy(out, in_.get() + in_pos_, k);
    in_pos_ += k;
    return k;
  }
  if (compression_ == Compression::gzip) {
    z_stream& z = codec_->z;
    for (;;) {
      if (in_pos_ == in_len_ && !fill()) {
        if (!codec_->z_member_done)
          throw Error(ErrorKind::io, "truncated gzip data (the file ends inside a compressed stream)", path_);
        return 0;
      }
      if (codec_->z_member_done) {  // another member follows: gzip -d reads it too
        inflateReset(&z);
        codec_->z_member_done = false;
      }
      z.next_in = in_.get() + in_pos_;
      z.avail_in = static_cast<uInt>(in_len_ - in_pos_);
      z.next_out = reinterpret_cast<Bytef*>(out);
      z.avail_out = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      int rc = inflate(&z, Z_NO_FLUSH);
      in_pos_ = in_len_ - z.avail_in;
      const std::size_t produced = static_cast<std::size_t>(reinterpret_cast<char*>(z.next_out) - out);
      if (rc == Z_STREAM_END) codec_->z_member_done = true;
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        throw Error(ErrorKind::io, std::string("corrupt gzip data: ") + (z.msg ? z.msg : "inflate failed"), path_);
      if (produced) return produced;
    }
  }
  // zstd
  for (;;) {
    if (in_pos_ == in_len_ && !fill()) {
      if (codec_->zstd_last != 0)
        throw Error(ErrorKind::io, "truncated zstd data (the file ends inside a frame)", path_);
      return 0;
    }
    ZSTD_inBuffer input{in_.get(), in_len_, in_pos_};
    ZSTD_outBuffer output{out, n, 0};
    std::size_t rc = ZSTD_decompressStream(codec_->zstd, &output, &input);
    in_pos_ = input.pos;
    if (ZSTD_isError(rc)) throw Error(ErrorKind::io, std::string("corrupt zstd data: ") + ZSTD_getErrorName(rc), path_);
    codec_->zstd_last = rc;
    if (output.pos) return output.pos;
  }
}

}  // namespace csvbloom::detail
