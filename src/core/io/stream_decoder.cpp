// stream_decoder.cpp: see stream_decoder.hpp.
//
// gzip (RFC 1952) with ISA-L, one member at a time:
//   header  isal_read_gzip_header() into a header struct that lives as long
//           as the member, so a header split across reads resumes where it
//           stopped (isal_inflate's own ISAL_GZIP header path keeps that
//           struct on its stack and loses the flags when a header straddles
//           two reads; igzip's CLI, programs/igzip_cli.c, reads the first
//           header this way too);
//   body    isal_inflate() with crc_flag ISAL_GZIP_NO_HDR_VER: raw deflate,
//           then the 8-byte trailer is compared with the CRC-32 and the
//           length mod 2^32 of the member's output (ISAL_INCORRECT_CHECKSUM
//           otherwise; v2.30 igzip_inflate.c, check_gzip_checksum);
//   end     block_state == ISAL_BLOCK_FINISH. If bytes follow, they must be
//           another member: reset and read its header.
// Error texts follow zlib's where zlib had one, so messages did not change
// with the decoder.
#include "core/io/stream_decoder.hpp"

#include <isa-l/igzip_lib.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "csvbloom/error.hpp"

namespace csvbloom::detail {

Compression detect_compression(const unsigned char* p, std::size_t n) noexcept {
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return Compression::gzip;
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) return Compression::zstd;
  return Compression::none;
}

std::uint64_t declared_decoded_size(int fd, std::uint64_t file_size, Compression c) noexcept {
  unsigned char b[18];  // a zstd frame header is at most 18 bytes (RFC 8878)
  if (c == Compression::zstd) {
    const ssize_t n = ::pread(fd, b, sizeof b, 0);
    if (n <= 0) return 0;
    const unsigned long long size = ZSTD_getFrameContentSize(b, static_cast<std::size_t>(n));
    return size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ? 0 : size;
  }
  if (c == Compression::gzip && file_size >= 18) {  // a member is at least 18 bytes
    if (::pread(fd, b, 4, static_cast<off_t>(file_size - 4)) != 4) return 0;
    return std::uint64_t{b[0]} | std::uint64_t{b[1]} << 8 | std::uint64_t{b[2]} << 16 | std::uint64_t{b[3]} << 24;
  }
  return 0;
}

const char* compression_name(Compression c) noexcept {
  switch (c) {
    case Compression::gzip: return "gzip";
    case Compression::zstd: return "zstd";
    default: return "none";
  }
}

namespace {
constexpr std::size_t kMagicBytes = 4;  // detect_compression's longest magic (zstd's)
enum class GzipPhase : std::uint8_t { header, body, member_end };
constexpr unsigned kGzipReservedFlags = 0xe0;  // RFC 1952: must be zero (zlib rejects them too)

const char* isal_error_text(int rc) {
  switch (rc) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate code";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect header check";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check (CRC-32 or length in a member's trailer, or header CRC)";
    case ISAL_NEED_DICT: return "needs a preset dictionary";
    default: return "inflate failed";
  }
}
}  // namespace

struct StreamDecoder::Codec {
  // gzip: 85 KiB of ISA-L state (Huffman tables and a 64 KiB history
  // buffer), allocated only for gzip input.
  std::unique_ptr<inflate_state> isal;
  isal_gzip_header gz_header{};
  GzipPhase gz_phase{GzipPhase::header};
  ZSTD_DCtx* zstd{nullptr};
  std::size_t zstd_last{0};  // 0 when the last frame is complete
  ~Codec() {
    if (zstd) ZSTD_freeDCtx(zstd);
  }
  void start_gzip_member() {
    isal_inflate_reset(isal.get());
    isal->crc_flag = ISAL_GZIP_NO_HDR_VER;
    gz_header = isal_gzip_header{};
    isal_gzip_header_init(&gz_header);  // no name/comment/extra buffers: ISA-L skips those fields
    gz_phase = GzipPhase::header;
  }
};

StreamDecoder::StreamDecoder(int fd, std::string path, std::size_t input_buffer_bytes)
    : fd_(fd),
      path_(std::move(path)),
      in_(new unsigned char[std::max<std::size_t>(input_buffer_bytes, kMagicBytes)]),
      in_cap_(std::max<std::size_t>(input_buffer_bytes, kMagicBytes)),
      read_size_(std::max<std::size_t>(input_buffer_bytes, 1)),
      codec_(new Codec) {
  while (in_len_ < kMagicBytes && fill()) {
  }
  compression_ = detect_compression(in_.get(), in_len_);
  if (compression_ == Compression::gzip) {
    codec_->isal = std::make_unique<inflate_state>();
    isal_inflate_init(codec_->isal.get());
    codec_->start_gzip_member();
  } else if (compression_ == Compression::zstd) {
    codec_->zstd = ZSTD_createDCtx();
    if (!codec_->zstd) throw Error(ErrorKind::io, "can't start zstd decoding", path_);
  }
}

StreamDecoder::~StreamDecoder() = default;

bool StreamDecoder::fill() {
  if (in_eof_) return false;
  if (in_pos_ == in_len_) in_pos_ = in_len_ = 0;
  if (in_len_ == in_cap_) {  // compact
    std::memmove(in_.get(), in_.get() + in_pos_, in_len_ - in_pos_);
    in_len_ -= in_pos_;
    in_pos_ = 0;
  }
  if (in_len_ == in_cap_) return true;  // full of unused input: the codec must take some first
  for (;;) {
    ssize_t r = ::read(fd_, in_.get() + in_len_, std::min(read_size_, in_cap_ - in_len_));
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
  if (compression_ == Compression::gzip) return read_gzip(out, n);
  if (compression_ == Compression::zstd) return read_zstd(out, n);
  if (in_pos_ == in_len_ && !fill()) return 0;
  std::size_t k = std::min(n, in_len_ - in_pos_);
  std::memcpy(out, in_.get() + in_pos_, k);
  in_pos_ += k;
  return k;
}

std::size_t StreamDecoder::read_gzip(char* out, std::size_t n) {
  Codec& c = *codec_;
  inflate_state& s = *c.isal;
  const auto truncated = [&] {
    return Error(ErrorKind::io, "truncated gzip data (the file ends inside a compressed stream)", path_);
  };
  const auto corrupt = [&](const char* why) { return Error(ErrorKind::io, std::string("corrupt gzip data: ") + why, path_); };
  for (;;) {
    if (c.gz_phase == GzipPhase::member_end) {
      if (in_pos_ == in_len_ && !fill()) return 0;  // the end, after a whole member
      c.start_gzip_member();                        // another member follows: gzip -d reads it too
    }
    s.next_in = in_.get() + in_pos_;
    s.avail_in = static_cast<std::uint32_t>(in_len_ - in_pos_);  // in_cap_ is far below 4 GiB
    if (c.gz_phase == GzipPhase::header) {
      const int rc = isal_read_gzip_header(&s, &c.gz_header);
      in_pos_ = in_len_ - s.avail_in;
      if (rc == ISAL_END_INPUT) {  // ISA-L kept what it read; the header goes on in the next bytes
        if (!fill()) throw truncated();
        continue;
      }
      if (rc != ISAL_DECOMP_OK) throw corrupt(isal_error_text(rc));
      if (c.gz_header.flags & kGzipReservedFlags) throw corrupt("unknown header flags set");
      c.gz_phase = GzipPhase::body;
    }
    const std::uint32_t in_before = s.avail_in;
    s.next_out = reinterpret_cast<std::uint8_t*>(out);
    s.avail_out = static_cast<std::uint32_t>(std::min<std::size_t>(n, 1u << 30));
    const int rc = isal_inflate(&s);
    in_pos_ = in_len_ - s.avail_in;
    const std::size_t produced = static_cast<std::size_t>(reinterpret_cast<char*>(s.next_out) - out);
    if (rc != ISAL_DECOMP_OK) throw corrupt(isal_error_text(rc));
    if (s.block_state == ISAL_BLOCK_FINISH) c.gz_phase = GzipPhase::member_end;
    if (produced) return produced;
    if (c.gz_phase == GzipPhase::member_end) continue;  // an empty member
    // Nothing came out: ISA-L has taken all it can use (s.avail_in is 0, or
    // the input it left is the start of something it needs whole).
    if (s.avail_in == in_before && s.avail_in > 0 && in_pos_ == 0 && in_len_ == in_cap_)
      throw corrupt("no progress with a full input buffer");  // defensive: ISA-L always consumes
    if (!fill()) throw truncated();
  }
}

std::size_t StreamDecoder::read_zstd(char* out, std::size_t n) {
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
