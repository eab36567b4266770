// tests/unit/zlib_reference.hpp: zlib's reading of a gzip file, the
// reference that the gzip decoder's unit tests (test_gzip_decoder.cpp) and
// its fuzz target (tests/fuzz/fuzz_gzip_decoder.cpp) compare ISA-L's with.
// No Catch2 here: the fuzz target includes it too.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace csvbloom::test {

// zlib's reading of `gz` with the rules of csvbloom's decoder before ISA-L
// (commit 7ea6f7b): every member read through, nullopt for an error. Also
// nullopt past `max_out` decoded bytes (the fuzz target's bombs).
inline std::optional<std::string> zlib_decode(const std::string& gz, std::size_t max_out = SIZE_MAX) {
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
    if (out.size() > max_out) break;
    if (rc == Z_STREAM_END) member_done = true;
    else if (rc != Z_OK) break;  // Z_BUF_ERROR: no progress, so the input ended inside a member
  }
  inflateEnd(&z);
  return result;
}

}  // namespace csvbloom::test
