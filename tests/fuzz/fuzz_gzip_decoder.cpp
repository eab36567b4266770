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

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/io/stream_decoder.hpp"
#include "csvbloom/error.hpp"
#include "../unit/zlib_reference.hpp"

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
    const std::optional<std::string> ref = csvbloom::test::zlib_decode(gz, 64u << 20);
    if (ref && *ref != *ours) std::abort();
  }
  return 0;
}
