// tests/unit/test_chunk_ledger.cpp: the chunk ledger (core/pipeline/chunk_ledger.hpp),
// the hand-off by which the reader of chunk c learns where chunk c-1's last
// record really ended. Threads meet only through the ledger itself: no sleeps,
// no timing; a test that fails to hand off hangs (ctest's timeout reports it).
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/pipeline/chunk_ledger.hpp"

using csvbloom::detail::ChunkLedger;

TEST_CASE("chunk ledger: a published commit is ready and read back as published", "[chunk_ledger]") {
  ChunkLedger ledger(3);
  for (std::size_t c = 0; c < 3; ++c) CHECK_FALSE(ledger.commit_ready(c));
  ledger.publish_commit(1, {12345, false});
  CHECK_FALSE(ledger.commit_ready(0));  // slots are independent
  CHECK(ledger.commit_ready(1));
  CHECK_FALSE(ledger.commit_ready(2));
  const ChunkLedger::Commit k = ledger.wait_commit(1);  // does not block: published
  CHECK(k.end == 12345);
  CHECK_FALSE(k.abandoned);
  // Reading again gives the same commit (the committer of c-1 and the reader
  // of c may both look).
  CHECK(ledger.wait_commit(1).end == 12345);
}

TEST_CASE("chunk ledger: an abandoned commit says so, and is ready", "[chunk_ledger]") {
  ChunkLedger ledger(2);
  ledger.publish_commit(0, {0, true});
  REQUIRE(ledger.commit_ready(0));
  const ChunkLedger::Commit k = ledger.wait_commit(0);
  CHECK(k.abandoned);
  // An end of 0 with abandoned=false is a real commit (an empty first chunk),
  // not an abandonment: the flag, not the value, tells them apart.
  ledger.publish_commit(1, {0, false});
  CHECK_FALSE(ledger.wait_commit(1).abandoned);
}

TEST_CASE("chunk ledger: a waiter blocked on a commit gets exactly what another thread publishes",
          "[chunk_ledger]") {
  ChunkLedger ledger(1);
  ChunkLedger::Commit seen{};
  std::thread waiter([&] { seen = ledger.wait_commit(0); });
  ledger.publish_commit(0, {987654321098ull, false});  // before or after the wait: either way it must be seen
  waiter.join();
  CHECK(seen.end == 987654321098ull);
  CHECK_FALSE(seen.abandoned);
}

TEST_CASE("chunk ledger: a chain of readers, each waiting for the chunk before, completes in file order",
          "[chunk_ledger]") {
  // Reader c waits for commit c-1, then publishes its own end as the previous
  // one plus its length: the cascade pipeline.cpp builds on. Threads start in
  // reverse order, so most of them wait; the result must be the prefix sums,
  // whatever the scheduling. Run several rounds to meet different interleavings.
  constexpr std::size_t kChunks = 16;
  for (int round = 0; round < 20; ++round) {
    ChunkLedger ledger(kChunks);
    std::vector<std::thread> readers;
    for (std::size_t c = kChunks - 1; c >= 1; --c)
      readers.emplace_back([&ledger, c] {
        const ChunkLedger::Commit before = ledger.wait_commit(c - 1);
        ledger.publish_commit(c, {before.end + c, before.abandoned});
      });
    ledger.publish_commit(0, {0, round % 2 == 1});  // odd rounds: the first reader gives up
    for (auto& t : readers) t.join();
    std::uint64_t expect = 0;
    for (std::size_t c = 0; c < kChunks; ++c) {
      expect += c;
      const ChunkLedger::Commit k = ledger.wait_commit(c);
      CHECK(k.end == expect);
      CHECK(k.abandoned == (round % 2 == 1));  // abandonment travels down the chain: nobody waits for nothing
    }
  }
}
