// grow_array.hpp: the reusable buffers' one way to grow (KeyBatch's key bytes
// and end offsets, InputWindow's bytes).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

namespace csvbloom::detail {

// Makes `data` hold at least `need` elements: the capacity doubles, from
// `initial` when there is none yet, and the first `used` elements are kept.
// No zero fill: the buffers are written before they are read, and a fill
// would cost a pass over memory on every growth.
template <class T>
void grow_array(std::unique_ptr<T[]>& data, std::size_t& capacity, std::size_t used, std::size_t need,
                std::size_t initial) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::size_t cap = capacity ? capacity : initial;
  while (cap < need) cap *= 2;
  std::unique_ptr<T[]> fresh(new T[cap]);
  if (used) std::memcpy(fresh.get(), data.get(), used * sizeof(T));
  data = std::move(fresh);
  capacity = cap;
}

}  // namespace csvbloom::detail
