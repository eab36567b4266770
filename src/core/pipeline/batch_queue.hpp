// batch_queue.hpp: the pipeline's queues, a thin wrapper over moodycamel's
// lock-free MPMC BlockingConcurrentQueue (the only file that names it).
//
// Items are pointers to batches (thousands of keys or hashes each), so a queue
// operation is paid per batch, never per row. Capacity is not enforced by the
// queue: every batch comes from a fixed pool (BatchPool below), so at most
// pool-size batches exist and a stage that outruns the next one blocks on the
// pool. That is the backpressure that bounds memory to a constant.
// Blocking waits use the queue's semaphore (a short spin, then futex): idle
// stages sleep instead of burning a core that another stage needs.
#pragma once

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace csvbloom::detail {

// Ending the stream: moodycamel's queue keeps FIFO order per producer thread
// but not across producers, so one "end" item pushed by a coordinator could
// overtake real items still queued by a producer. Instead every producer
// thread pushes its own end marker after its last item (same thread, so
// behind all of its items); when the last producer's marker is dequeued,
// every real item has been dequeued, and that consumer wakes the others.
// (A bug found by the oracle test: with one coordinator sentinel, batches
// were sometimes lost.)
template <class T>
class BatchQueue {
 public:
  BatchQueue(std::size_t producers, std::size_t consumers) : producers_(producers), consumers_(consumers) {}

  void push(T* item) { queue_.enqueue(item); }
  // Each producer thread calls this once, after its last push.
  void producer_done() { queue_.enqueue(nullptr); }

  // Blocks until an item is available; nullptr once every producer is done
  // and every item has been taken.
  T* pop() {
    for (;;) {
      T* item = nullptr;
      queue_.wait_dequeue(item);
      if (item) return item;
      const std::size_t seen = nulls_seen_.fetch_add(1, std::memory_order_acq_rel) + 1;
      if (seen < producers_) continue;  // another producer's marker; it may still be pushing
      if (seen == producers_)           // the last marker: wake the other consumers
        for (std::size_t i = 1; i < consumers_; ++i) queue_.enqueue(nullptr);
      return nullptr;
    }
  }

  // For pools: no end of stream.
  T* pop_item() {
    T* item = nullptr;
    queue_.wait_dequeue(item);
    return item;
  }

 private:
  moodycamel::BlockingConcurrentQueue<T*> queue_;
  std::size_t producers_, consumers_;
  std::atomic<std::size_t> nulls_seen_{0};
};

// A fixed set of reusable batches: take() blocks while all are in flight.
template <class T>
class BatchPool {
 public:
  explicit BatchPool(std::size_t count) : free_(1, 1) {
    storage_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      storage_.push_back(std::make_unique<T>());
      free_.push(storage_.back().get());
    }
  }
  T* take() { return free_.pop_item(); }
  void give(T* item) {
    item->clear();
    free_.push(item);
  }

 private:
  std::vector<std::unique_ptr<T>> storage_;
  BatchQueue<T> free_;
};

}  // namespace csvbloom::detail
