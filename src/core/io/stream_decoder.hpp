// stream_decoder.hpp: sequential bytes from a file descriptor, decompressed
// on the fly when the first bytes say gzip (1f 8b) or zstd (28 b5 2f fd),
// whatever the file is called; anything else passes through unchanged.
//
// Streaming, in bounded memory (one 256 KiB input buffer plus the codec's
// window: 32 KiB for gzip, up to 8 MiB for zstd's default levels). A
// compressed file is one sequential stream: many files decompress in
// parallel (one per reader), one file does not. Truncated or corrupt data is
// Error(io) naming the file; concatenated gzip members and zstd frames are
// read through, as gzip -d and zstd -d do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace csvbloom::detail {

enum class Compression : std::uint8_t { none, gzip, zstd };

Compression detect_compression(const unsigned char* p, std::size_t n) noexcept;
const char* compression_name(Compression c) noexcept;

class StreamDecoder {
 public:
  // Does not own fd. Reads the first bytes to detect the format.
  StreamDecoder(int fd, std::string path);
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
  struct Codec;
  int fd_;
  std::string path_;
  Compression compression_{Compression::none};
  std::unique_ptr<unsigned char[]> in_;
  std::size_t in_pos_{0}, in_len_{0};
  bool in_eof_{false};
  std::uint64_t raw_read_{0};
  std::unique_ptr<Codec> codec_;
};

}  // namespace csvbloom::detail
