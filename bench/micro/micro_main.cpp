// micro_main.cpp: the ceiling of each pipeline stage, measured alone.
//
//  - BM_RecordSplit: RecordSplitter + build_key over an in-memory buffer of
//    bench/gen-like rows (bytes/s of one reader thread, no I/O): the
//    record-at-a-time path, now the fallback.
//  - BM_StructuralParse: the same rows through the pipeline's loop
//    (parse_clean_records, RecordSplitter for what it leaves), keys into a
//    KeyBatch: the reader's real parsing ceiling.
//  - BM_QuoteNewlineCount: the per-chunk counting pass (bytes/s).
//  - BM_Hash: XXH3-128 of ~25-byte keys (keys/s of one worker).
//  - BM_InsertBatch/<MiB>: the reducer's prefetched blocked insert into filters
//    of 8 MiB (cache-resident-ish) to 1 GiB (out of cache) (inserts/s).
//  - BM_ContainsBatch/<MiB>: the query probe.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "core/csv/byte_scan.hpp"
#include "core/filter/hash_inline.hpp"
#include "core/csv/key_builder.hpp"
#include "core/csv/record_splitter.hpp"
#include "core/csv/simd_kernels.hpp"
#include "core/csv/structural_parser.hpp"
#include "csvbloom/filter.hpp"

using namespace csvbloom;

namespace {

std::string make_rows(std::size_t n) {
  std::mt19937_64 rng(42);
  const char* cities[] = {"Springfield", "\"Washington, D.C.\"", "Lyon", "Osaka", "Nairobi"};
  std::string s = "id,email,name,city,amount,ts,comment\n";
  for (std::size_t i = 0; i < n; ++i) {
    s += std::to_string(i) + ",user" + std::to_string(rng() % 100000000) + "@example.com,";
    s += (i % 7 == 0) ? "\"Doe, Jane\"," : "Jane Doe,";
    s += cities[rng() % 5];
    s += "," + std::to_string(rng() % 100000) + ".25,2024-03-01T12:34:56Z,";
    s += (i % 50 == 0) ? "\"said \"\"hi\"\"\"\n" : "nothing to report here\n";
  }
  return s;
}

void BM_RecordSplit(benchmark::State& state) {
  const std::string data = make_rows(200000);
  detail::RecordSplitter sp(',', '"', {1});
  std::vector<char> out(1 << 16);
  for (auto _ : state) {
    const char* p = data.data();
    const char* end = p + data.size();
    std::size_t keys = 0;
    while (p < end) {
      detail::RecordInfo r = sp.next(p, end, true);
      if (r.state == detail::RecordState::complete) {
        detail::BuiltKey k = detail::build_key(sp, '"', {}, out.data());
        keys += k.size;
      }
      p = r.next;
    }
    benchmark::DoNotOptimize(keys);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 200000));
}
BENCHMARK(BM_RecordSplit)->Unit(benchmark::kMillisecond);

void BM_StructuralParse(benchmark::State& state) {
  const std::string data = make_rows(200000);
  detail::RecordSplitter sp(',', '"', {1});
  detail::KeyBatch batch;
  const detail::CleanParseContext ctx{',', '"', 7, ~0ull, {}};
  for (auto _ : state) {
    batch.clear();
    detail::CleanParseCounts counts;
    const char* p = data.data();
    const char* end = p + data.size();
    while (p < end) {
      p = detail::parse_clean_records(p, end, end, ctx, sp, batch, counts);
      if (p >= end) break;
      const detail::RecordInfo r = sp.next(p, end, true);
      if (r.state == detail::RecordState::complete && r.field_count == 7) detail::append_key(sp, '"', {}, batch);
      p = r.next;
    }
    benchmark::DoNotOptimize(batch.key_count());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 200000));
}
BENCHMARK(BM_StructuralParse)->Unit(benchmark::kMillisecond);

void BM_QuoteNewlineCount(benchmark::State& state) {
  const std::string data = make_rows(200000);
  for (auto _ : state) {
    auto c = detail::count_quotes_newlines_fast(data.data(), data.size(), '"');
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_QuoteNewlineCount)->Unit(benchmark::kMillisecond);

void BM_Hash(benchmark::State& state) {
  std::vector<std::string> keys;
  for (int i = 0; i < 100000; ++i) keys.push_back("user" + std::to_string(i * 7919) + "@example.com");
  for (auto _ : state) {
    std::uint64_t acc = 0;
    for (const auto& k : keys) acc += detail::hash_key_inline(k.data(), k.size(), kDefaultSeed).lo;
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * keys.size()));
}
BENCHMARK(BM_Hash);

std::vector<KeyHash> random_hashes(std::size_t n) {
  std::mt19937_64 rng(7);
  std::vector<KeyHash> h(n);
  for (auto& x : h) x = {rng(), rng()};
  return h;
}

void BM_InsertBatch(benchmark::State& state) {
  const std::uint64_t mib = static_cast<std::uint64_t>(state.range(0));
  FilterParams p;
  p.bits = mib << 23;
  p.hashes = 7;
  BloomFilter f(p);
  const auto hashes = random_hashes(1 << 22);
  // Warm-up pass: 4M random blocks touch every page of even the 1 GiB
  // filter (16 keys per 4 KiB page on average), so the kernel's one-time
  // zeroing of a fresh mapping is not timed as inserting.
  f.insert_batch(hashes.data(), hashes.size());
  for (auto _ : state) f.insert_batch(hashes.data(), hashes.size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * hashes.size()));
}
BENCHMARK(BM_InsertBatch)->Arg(8)->Arg(64)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_ContainsBatch(benchmark::State& state) {
  const std::uint64_t mib = static_cast<std::uint64_t>(state.range(0));
  FilterParams p;
  p.bits = mib << 23;
  p.hashes = 7;
  BloomFilter f(p);
  const auto hashes = random_hashes(1 << 22);
  f.insert_batch(hashes.data(), hashes.size());
  std::unique_ptr<bool[]> out(new bool[hashes.size()]);
  for (auto _ : state) f.contains_batch(hashes.data(), hashes.size(), out.get());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * hashes.size()));
}
BENCHMARK(BM_ContainsBatch)->Arg(8)->Arg(1024)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
