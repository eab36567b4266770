// fuzz_harness.hpp: what fuzz_chunking.cpp and fuzz_rows.cpp share: the CSV
// file each input becomes (a memfd read through /proc/self/fd/N, so the real
// input path, planning and mapping included, is exercised), the options that
// bytes 0 and 1 pick, and the three thread splits per input.
//
// Byte 0: bit 0 header, bit 1 allow_ragged, bit 2 on_error skip, bits 3-4 key
// columns ({1}, {2}, {2,1}, {1,1}), bit 5 trim, bit 6 lowercase, bit 7 quote
// ' instead of ". Byte 1: bits 0-1 delimiter (, ; \t |), bits 2-7 the thread
// splits (splits_of). The rest of the input is the file.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <xxhash.h>

#include "csvbloom/build.hpp"
#include "csvbloom/filter.hpp"

namespace fuzz_harness {

// Prints "<fuzzer>: what" and aborts, which libFuzzer reports as a crash.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::abort();
}

// A filter's words, compared as a 64-bit digest rather than a copy: a copy
// of the 128 KiB filter per build was 28% of fuzz_chunking's page faults
// under ASan (perf, 2026-12-04); two different word arrays share a digest
// with probability 2^-64.
inline std::uint64_t words_digest(const csvbloom::BloomFilter& f) {
  const auto w = f.words();
  return XXH3_64bits(w.data(), w.size() * sizeof(w[0]));
}

// The one file every input is written to (from LLVMFuzzerInitialize on).
class MemFile {
 public:
  void open(const char* name) {
    fd_ = ::memfd_create(name, MFD_CLOEXEC);
    if (fd_ < 0) fail("memfd_create");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& path() const { return path_; }
  void replace(std::string_view bytes) const {
    if (::ftruncate(fd_, 0) != 0) fail("ftruncate");
    if (!bytes.empty() && ::pwrite(fd_, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
      fail("pwrite");
  }

 private:
  int fd_{-1};
  std::string path_;
};

// Bytes 0 and 1 as options (above), reading `path`; size >= 2.
inline csvbloom::BuildOptions options_of(const std::uint8_t* data, const std::string& path) {
  static const char kDelims[] = {',', ';', '\t', '|'};
  static const std::vector<std::uint32_t> kColumns[] = {{1}, {2}, {2, 1}, {1, 1}};
  csvbloom::BuildOptions opt;
  opt.inputs = {path};
  opt.key.dialect.has_header = data[0] & 1;
  opt.allow_ragged = data[0] & 2;
  opt.on_error = (data[0] & 4) ? csvbloom::OnError::skip : csvbloom::OnError::fail;
  for (auto c : kColumns[(data[0] >> 3) & 3]) opt.key.columns.push_back(csvbloom::KeyColumn{"", c});
  opt.key.normalization.trim = data[0] & 0x20;
  opt.key.normalization.lowercase = data[0] & 0x40;
  opt.key.dialect.quote = (data[0] & 0x80) ? '\'' : '"';
  opt.key.dialect.delimiter = kDelims[data[1] & 3];
  return opt;
}

// Three runs per input, one per chunk size, with the thread split and queue
// size taken from byte 1 so that across inputs every combination of chunk
// {16, 64, 1 MiB} x readers 1..3 x workers 0..2 x queue 1..2 runs. (Nine runs
// per input would cover them all each time, but each run is a handful of
// thread hand-offs: on two busy cores, scheduling latency, not CPU, would set
// the pace.)
struct Split {
  std::size_t chunk;
  unsigned readers, workers;
  std::size_t queue;
  csvbloom::BuildOptions applied_to(csvbloom::BuildOptions o) const {
    o.chunk_bytes = chunk;
    o.readers = readers;
    o.workers = workers;
    o.queue_batches = queue;
    return o;
  }
  std::string describe() const {
    return "chunk " + std::to_string(chunk) + " readers " + std::to_string(readers) + " workers " +
           std::to_string(workers) + " queue " + std::to_string(queue);
  }
};

inline std::array<Split, 3> splits_of(std::uint8_t byte1) {
  static const std::size_t kChunks[] = {16, 64, 1u << 20};
  std::array<Split, 3> splits{};
  for (unsigned i = 0; i < 3; ++i)
    splits[i] = {kChunks[i], 1 + ((byte1 >> 2) + i) % 3, ((byte1 >> 4) + 2 * i) % 3, 1 + (((byte1 >> 6) + i) & 1)};
  return splits;
}

}  // namespace fuzz_harness
