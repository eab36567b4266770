// grow_array.hpp: the reusable buffers' one type and one way to grow
// (KeyBatch's key bytes, end offsets and rows, HashBatch's hashes,
// InputWindow's bytes).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

namespace csvbloom::detail {

struct FreeBuffer {
  void operator()(void* p) const noexcept { std::free(p); }
};
// A buffer of trivially copyable T, uninitialised, freed with free().
template <class T>
using Buffer = std::unique_ptr<T[], FreeBuffer>;

// Buffers of 2 MiB and more are 2 MiB-aligned and asked for transparent huge
// pages: the pipeline's buffers (a window per reader, a chunk's rows and keys
// per batch) are first touched during a run, a page fault per 4 KiB page
// otherwise. dedupe -j2 on bench/gen medium (2026-12-04, 5 alternated runs,
// the same effect as GLIBC_TUNABLES=glibc.malloc.hugetlb=1): 29.4 k -> 15.0 k
// faults, 0.77 -> 0.64 s wall, 1.45 -> 1.20 s CPU. Advisory: where THP is
// off, nothing changes.
inline constexpr std::size_t kHugePage = 2u << 20;

template <class T>
Buffer<T> make_buffer(std::size_t n) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::size_t bytes = n * sizeof(T);
  void* p;
  if (bytes >= kHugePage) {
    bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    p = std::aligned_alloc(kHugePage, bytes);
#ifdef MADV_HUGEPAGE
    if (p) ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  } else {
    p = std::malloc(bytes ? bytes : 1);
  }
  if (!p) throw std::bad_alloc();
  return Buffer<T>(static_cast<T*>(p));
}

// Makes `data` hold at least `need` elements: the capacity doubles, from
// `initial` when there is none yet, and the first `used` elements are kept.
// No zero fill: the buffers are written before they are read, and a fill
// would cost a pass over memory on every growth.
template <class T>
void grow_array(Buffer<T>& data, std::size_t& capacity, std::size_t used, std::size_t need, std::size_t initial) {
  std::size_t cap = capacity ? capacity : initial;
  while (cap < need) cap *= 2;
  Buffer<T> fresh = make_buffer<T>(cap);
  if (used) std::memcpy(fresh.get(), data.get(), used * sizeof(T));
  data = std::move(fresh);
  capacity = cap;
}

}  // namespace csvbloom::detail
