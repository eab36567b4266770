// stream_decoder.hpp: sequential bytes from a file descriptor, decompressed
// on the fly when the first bytes say gzip (1f 8b) or zstd (28 b5 2f fd),
// whatever the file is called; anything else passes through unchanged.
//
// Streaming, in bounded memory (one 256 KiB input buffer plus the codec's
// state: 85 KiB for gzip, up to 8 MiB of window for zstd's default levels).
// A compressed file is one sequential stream: many files decompress in
// parallel (one per reader), one file does not. Truncated or corrupt data is
// Error(io) naming the file; concatenated gzip members and zstd frames are
// read through, as gzip -d and zstd -d do; every gzip member's CRC-32 and
// ISIZE are checked, and bytes after a member that are not another member
// are an error (gzip -d warns and ignores them; a CSV tool should not).
//
// gzip is decoded by ISA-L's igzip (isal_inflate), not zlib: on bench/gen's
// `single` gzipped with gzip -6 it decodes 3.5x faster than zlib's
// inflate, and it streams, unlike libdeflate (docs/DESIGN.md, "Compressed
// inputs", has the figures).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace csvbloom::detail {

enum class Compression : std::uint8_t { none, gzip, zstd };

Compression detect_compression(const unsigned char* p, std::size_t n) noexcept;
const char* compression_name(Compression c) noexcept;

// What a compressed file says of its decoded size, without decoding it; 0
// when it says nothing. zstd: the first frame's Frame_Content_Size (zstd
// writes it for files). gzip: the last member's ISIZE (its size mod 2^32).
// Either can be short of the whole (more frames or members, 4 GiB and more),
// so it is a lower bound to size by, never an exact count.
std::uint64_t declared_decoded_size(int fd, std::uint64_t file_size, Compression c) noexcept;

class StreamDecoder {
 public:
  // 256 KiB: the raw read size, kept from the zlib decoder; not re-tuned for
  // ISA-L (bench/peers/inflate_floor --in KiB measures other sizes).
  static constexpr std::size_t kDefaultInputBuffer = 256u << 10;

  // Does not own fd. Reads the first bytes to detect the format.
  // input_buffer_bytes: the raw read size; tests make it as small as 1 byte
  // so that gzip headers and trailers straddle reads.
  StreamDecoder(int fd, std::string path, std::size_t input_buffer_bytes = kDefaultInputBuffer);
  ~StreamDecoder();
  StreamDecoder(const StreamDecoder&) = delete;
  StreamDecoder& operator=(const StreamDecoder&) = delete;

  // Up to n decoded bytes; 0 only at the end of the data. Throws Error(io).
  std::size_t read(char* out, std::size_t n);

  Compression compression() const noexcept { return compression_; }
  std::uint64_t raw_bytes_read() const noexcept { return raw_read_; }
  // Raw bytes the codec has used (read minus what waits in the input buffer).
  std::uint64_t raw_bytes_consumed() const noexcept { return raw_read_ - (in_len_ - in_pos_); }

 private:
  bool fill();  // more raw input; false at end of file
  std::size_t read_gzip(char* out, std::size_t n);
  std::size_t read_zstd(char* out, std::size_t n);
  struct Codec;
  int fd_;
  std::string path_;
  Compression compression_{Compression::none};
  std::unique_ptr<unsigned char[]> in_;
  std::size_t in_cap_;      // at least the 4 bytes that detection needs
  std::size_t read_size_;   // the most one read() asks for
  std::size_t in_pos_{0}, in_len_{0};
  bool in_eof_{false};
  std::uint64_t raw_read_{0};
  std::unique_ptr<Codec> codec_;
};

}  // namespace csvbloom::detail
