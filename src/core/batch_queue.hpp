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

#include <cstddef>
#include <memory>
#include <vector>

namespace csvbloom::detail {

template <class T>
class BatchQueue {
 public:
  void push(T* item) { queue_.enqueue(item); }
  // Blocks until an item is available; nullptr is the end-of-stream sentinel.
  T* pop() {
    T* item = nullptr;
    queue_.wait_dequeue(item);
    return item;
  }
  // Wakes `consumers` consumers with an end-of-stream sentinel each.
  void close(std::size_t consumers) {
    for (std::size_t i = 0; i < consumers; ++i) queue_.enqueue(nullptr);
  }

 private:
  moodycamel::BlockingConcurrentQueue<T*> queue_;
};

// A fixed set of reusable batches: take() blocks while all are in flight.
template <class T>
class BatchPool {
 public:
  explicit BatchPool(std::size_t count) {
    storage_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      storage_.push_back(std::make_unique<T>());
      free_.push(storage_.back().get());
    }
  }
  T* take() { return free_.pop(); }
  void give(T* item) {
    item->clear();
    free_.push(item);
  }

 private:
  std::vector<std::unique_ptr<T>> storage_;
  BatchQueue<T> free_;
};

}  // namespace csvbloom::detail
