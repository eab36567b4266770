// fuzz_gzip_decoder: StreamDecoder's gzip path (ISA-L) on arbitrary bytes,
// against zlib.
//
// Input: byte 0 picks the raw read size (1-64 bytes, or 256 KiB), byte 1 the
// read() size (1-64 bytes, or 1 MiB); the rest, prefixed with gzip's magic so
// that the decoder takes its gzip path, is the file (in a memfd).
// Checks: no crash, hang or undefined behaviour; an error is Error(io) naming
// the file; where both ISA-L and zlib (with csvbloom's rules: members read
// through, nothing else after them) decode the bytes, they give the same
// bytes. Only one of them accepting is not a failure: the CRC-32 and ISIZE
// it checked vouch for its output (the two libraries need not agree on
// malformed Huffman tables that still decode to the checked bytes).
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/io/stream_decoder.hpp"
#include "csvbloom/error.hpp"

namespace {

std::optional<std::string> zlib_decode(const std::string& gz) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) std::abort();
  std::string out;
  std::vector<char> buf(1 << 16);
  std::size_t pos = 0;
  bool member_done = false;
  std::optional<std::string> result;
  for (;;) {
    if (member_done) {
      if (pos == gz.size()) {
        result = out;
        break;
      }
      inflateReset(&z);
      member_done = false;
    }
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data() + pos));
    z.avail_in = static_cast<uInt>(gz.size() - pos);
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = static_cast<uInt>(buf.size());
    const int rc = inflate(&z, Z_NO_FLUSH);
    pos = gz.size() - z.avail_in;
    out.append(buf.data(), buf.size() - z.avail_out);
    if (out.size() > (64u << 20)) break;  // a bomb: not worth comparing
    if (rc == Z_STREAM_END) member_done = true;
    else if (rc != Z_OK) break;
  }
  inflateEnd(&z);
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t input_buffer = data[0] >= 192 ? (256u << 10) : 1 + data[0] % 64;
  const std::size_t read_size = data[1] >= 192 ? (1u << 20) : 1 + data[1] % 64;
  std::string gz = "\x1f\x8b";
  gz.append(reinterpret_cast<const char*>(data + 2), size - 2);

  const int fd = ::memfd_create("fuzz.gz", 0);
  if (fd < 0 || ::write(fd, gz.data(), gz.size()) != static_cast<ssize_t>(gz.size()) ||
      ::lseek(fd, 0, SEEK_SET) != 0)
    std::abort();
  const std::string path = "fuzz.gz";
  std::optional<std::string> ours;
  try {
    csvbloom::detail::StreamDecoder dec(fd, path, input_buffer);
    std::string out;
    std::vector<char> buf(read_size);
    for (;;) {
      const std::size_t k = dec.read(buf.data(), buf.size());
      if (k == 0) break;
      if (k > buf.size()) std::abort();
      out.append(buf.data(), k);
      if (out.size() > (64u << 20)) break;  // a bomb: stop reading, compare nothing
    }
    if (out.size() <= (64u << 20)) ours = std::move(out);
  } catch (const csvbloom::Error& e) {
    if (e.kind() != csvbloom::ErrorKind::io || e.file() != path) std::abort();
  }
  ::close(fd);
  if (ours) {
    const std::optional<std::string> ref = zlib_decode(gz);
    if (ref && *ref != *ours) std::abort();
  }
  return 0;
}
