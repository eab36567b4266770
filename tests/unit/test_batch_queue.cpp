// tests/unit/test_batch_queue.cpp: the pipeline's queue and pool
// (core/pipeline/batch_queue.hpp). What they promise: every pushed item is
// popped exactly once; pop() returns nullptr to every consumer once every
// producer is done and every item taken (never earlier: the bug its per-producer
// end markers fixed lost batches); a pool hands out each batch once, cleared
// when given back, and take() waits while all are out. Threads meet only
// through the queue: no sleeps, no timing.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstddef>
#include <thread>
#include <vector>

#include "core/pipeline/batch_queue.hpp"

using csvbloom::detail::BatchPool;
using csvbloom::detail::BatchQueue;

namespace {

struct Item {
  std::size_t producer{0}, seq{0};
  bool cleared{false};
  void clear() {
    cleared = true;
    seq = 0;
  }
};

}  // namespace

TEST_CASE("batch queue: one producer, one consumer: FIFO, then nullptr", "[batch_queue]") {
  std::vector<Item> items(100);
  BatchQueue<Item> q(1, 1);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].seq = i;
    q.push(&items[i]);
  }
  q.producer_done();
  for (std::size_t i = 0; i < items.size(); ++i) {
    Item* it = q.pop();
    REQUIRE(it == &items[i]);
  }
  CHECK(q.pop() == nullptr);
}

TEST_CASE("batch queue: many producers and consumers: each item exactly once, every consumer ends",
          "[batch_queue]") {
  // Producers finish at different times, so end markers interleave with
  // other producers' items: a consumer must not stop at the first marker.
  for (auto [producers, consumers] : {std::pair<std::size_t, std::size_t>{1, 4}, {4, 1}, {3, 3}, {6, 2}}) {
    INFO(producers << " producers, " << consumers << " consumers");
    const std::size_t per_producer = 5000 + 1000 * producers;
    std::vector<std::vector<Item>> items(producers, std::vector<Item>(per_producer));
    BatchQueue<Item> q(producers, consumers);
    std::vector<std::vector<Item*>> got(consumers);
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < consumers; ++c)
      threads.emplace_back([&q, &got, c] {
        while (Item* it = q.pop()) got[c].push_back(it);
      });
    for (std::size_t p = 0; p < producers; ++p)
      threads.emplace_back([&q, &items, p, per_producer] {
        for (std::size_t i = 0; i < per_producer; ++i) {
          items[p][i].producer = p;
          items[p][i].seq = i;
          q.push(&items[p][i]);
        }
        q.producer_done();
      });
    for (auto& t : threads) t.join();  // every consumer returned: none left waiting
    std::vector<std::vector<int>> count(producers, std::vector<int>(per_producer, 0));
    std::size_t total = 0;
    for (std::size_t c = 0; c < consumers; ++c) {
      for (Item* it : got[c]) ++count[it->producer][it->seq];
      total += got[c].size();
    }
    CHECK(total == producers * per_producer);
    for (const auto& per : count) CHECK(std::all_of(per.begin(), per.end(), [](int n) { return n == 1; }));
  }
}

TEST_CASE("batch queue: a producer that pushes nothing still ends the stream", "[batch_queue]") {
  Item a;
  BatchQueue<Item> q(2, 2);
  std::thread idle([&q] { q.producer_done(); });
  std::thread busy([&q, &a] {
    q.push(&a);
    q.producer_done();
  });
  Item* first = nullptr;
  Item* second = &a;
  std::thread other([&q, &second] {
    second = q.pop();
    if (second) second = q.pop();  // it may take the item; then it must see the end
  });
  first = q.pop();
  if (first) first = q.pop();
  idle.join();
  busy.join();
  other.join();
  CHECK(first == nullptr);
  CHECK(second == nullptr);
}

TEST_CASE("batch pool: each batch handed out once, cleared when given back", "[batch_queue]") {
  BatchPool<Item> pool(4);
  std::vector<Item*> out;
  for (int i = 0; i < 4; ++i) out.push_back(pool.take());
  std::sort(out.begin(), out.end());
  CHECK(std::adjacent_find(out.begin(), out.end()) == out.end());  // four distinct batches
  for (Item* it : out) CHECK_FALSE(it->cleared);                   // fresh batches: never given back
  out[2]->seq = 99;
  pool.give(out[2]);
  CHECK(out[2]->cleared);
  CHECK(out[2]->seq == 0);
  CHECK(pool.take() == out[2]);  // the only free one
}

TEST_CASE("batch pool: take() waits while every batch is out, and gets the one given back", "[batch_queue]") {
  // Backpressure: a stage that outruns the next blocks on the pool. The taker
  // may reach take() before or after the give; either way it must get exactly
  // the batch given back (the pool is otherwise empty).
  BatchPool<Item> pool(2);
  Item* a = pool.take();
  Item* b = pool.take();
  Item* got = nullptr;
  std::thread taker([&] { got = pool.take(); });
  pool.give(b);
  taker.join();
  CHECK(got == b);
  CHECK(got->cleared);
  // Many takers and givers: every take is matched by a give, none is lost.
  pool.give(a);
  pool.give(got);
  std::atomic<int> rounds{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w)
    workers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        Item* it = pool.take();
        it->seq = static_cast<std::size_t>(i) + 1;
        pool.give(it);
        rounds.fetch_add(1, std::memory_order_relaxed);
      }
    });
  for (auto& t : workers) t.join();
  CHECK(rounds.load() == 8000);
  Item* x = pool.take();
  Item* y = pool.take();
  CHECK(x != y);  // both batches came back
  CHECK((x == a || x == b));
  CHECK((y == a || y == b));
}
