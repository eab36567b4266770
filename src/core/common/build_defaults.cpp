// build_defaults.cpp: see build_defaults.hpp.
#include "core/common/build_defaults.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "csvbloom/math.hpp"

namespace csvbloom::detail {

unsigned default_threads(unsigned threads_given) noexcept {
  return threads_given ? threads_given : std::max(1u, std::thread::hardware_concurrency());
}

void split_threads(unsigned threads, unsigned readers_given, int workers_given, Consumer consumer,
                   BuildOptions& opt) noexcept {
  opt.readers = readers_given ? readers_given : threads;
  if (workers_given >= 0) opt.workers = static_cast<unsigned>(workers_given);
  else if (consumer == Consumer::rows || threads == 1) opt.workers = 0;
  else opt.workers = std::max(1u, threads / 2);
}

std::string first_unsized_input(const std::vector<std::string>& inputs) {
  for (const auto& in : inputs) {
    if (in == "-") return in;
    struct stat st {};
    if (::stat(in.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return in;
  }
  return {};
}

SizingResult size_for(const SizingRequest& r, const BuildOptions& opt) {
  SizingResult out;
  out.params.layout = r.layout;
  out.params.seed = r.seed;
  if (r.bits) {
    const std::uint64_t unit = r.layout == Layout::blocked512 ? kBlockBits : 64;
    out.params.bits = (r.bits + unit - 1) / unit * unit;
    if (r.hashes) {
      out.params.hashes = r.hashes;
    } else {
      // The best k for these bits and that many keys.
      double best = 2;
      for (std::uint32_t k = 1; k <= kMaxHashes; ++k) {
        const double p = expected_fpr(r.layout, static_cast<double>(r.capacity), static_cast<double>(out.params.bits), k);
        if (p < best) best = p, out.params.hashes = k;
      }
    }
    out.capacity = r.capacity;
    out.target_fpr = 0;
    return out;
  }
  std::uint64_t capacity = r.capacity;
  if (!capacity) {
    check_inputs(opt);  // report unusable inputs before guessing from them
    capacity = std::max<std::uint64_t>(1, estimate_rows(opt.inputs, opt.key.dialect));
    out.capacity_estimated = true;
  }
  const Sizing s = size_filter(r.layout, capacity, r.fpr);
  out.params.bits = s.bits;
  out.params.hashes = s.hashes;
  out.capacity = capacity;
  out.target_fpr = r.fpr;
  return out;
}

}  // namespace csvbloom::detail
