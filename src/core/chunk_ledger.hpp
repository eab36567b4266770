// chunk_ledger.hpp: how readers parsing neighbouring chunks of one file agree
// on where records start, without reading the file twice.
//
// A chunk c of a file covers bytes [s_c, e_c); it owns the records that START
// there. Where records start depends on whether s_c is inside a quoted field.
// Two hand-offs per chunk, each a single atomic published by the reader of
// the chunk before and awaited (C++20 atomic wait, a futex) by the next:
//  1. prefix: the quote parity and newline count of all bytes before s_c.
//     The reader of c counts its chunk's quotes and newlines (one SIMD pass)
//     as soon as its bytes are read, waits for prefix(c), publishes
//     prefix(c+1), and only then parses: the chain costs one count per chunk.
//     With the parity it guesses its first record start B_c (the first '\n'
//     at even parity), exact for every well-formed RFC 4180 file.
//  2. commit: the real end R_c of the last record the chunk owned (the first
//     record start at or after e_c, found by the real parser). Chunk c is
//     completed once R_{c-1} is known: if R_{c-1} == B_c its guess was right
//     and its keys are released; otherwise (a stray quote in an unquoted
//     field broke the parity) it is re-parsed from R_{c-1}. Keys reach the
//     pipeline only after this check, so the filter never sees a mis-split
//     record. The pipeline does not make the reader of c wait for R_{c-1}:
//     it parks chunk c, and the committer of c-1 completes it (pipeline.cpp,
//     Pipeline::cascade; commit_ready() tells a reader whether to park).
// A reader that gives up (error elsewhere, cancellation) still publishes both
// slots, marked abandoned, so that no reader ever waits for nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace csvbloom::detail {

class ChunkLedger {
 public:
  struct Prefix {
    bool odd_quotes{false};
    std::uint64_t newlines{0};
    bool abandoned{false};
  };
  struct Commit {
    std::uint64_t end{0};
    bool abandoned{false};
  };

  explicit ChunkLedger(std::size_t chunks) : slots_(new Slot[chunks + 1]) {
    slots_[0].prefix_state.store(kReady, std::memory_order_relaxed);  // a file starts outside quotes
  }

  Prefix wait_prefix(std::size_t c) {
    Slot& s = slots_[c];
    std::uint32_t st;
    while ((st = s.prefix_state.load(std::memory_order_acquire)) == kPending) s.prefix_state.wait(kPending);
    Prefix p = s.prefix;
    p.abandoned = st == kAbandoned;
    return p;
  }
  void publish_prefix(std::size_t c, Prefix p) {
    Slot& s = slots_[c];
    s.prefix = p;
    s.prefix_state.store(p.abandoned ? kAbandoned : kReady, std::memory_order_release);
    s.prefix_state.notify_all();
  }
  Commit wait_commit(std::size_t c) {
    Slot& s = slots_[c];
    std::uint32_t st;
    while ((st = s.commit_state.load(std::memory_order_acquire)) == kPending) s.commit_state.wait(kPending);
    Commit k = s.commit;
    k.abandoned = st == kAbandoned;
    return k;
  }
  // True once commit(c) is published (a wait_commit(c) would not block).
  bool commit_ready(std::size_t c) const {
    return slots_[c].commit_state.load(std::memory_order_acquire) != kPending;
  }
  void publish_commit(std::size_t c, Commit k) {
    Slot& s = slots_[c];
    s.commit = k;
    s.commit_state.store(k.abandoned ? kAbandoned : kReady, std::memory_order_release);
    s.commit_state.notify_all();
  }

 private:
  static constexpr std::uint32_t kPending = 0, kReady = 1, kAbandoned = 2;
  struct Slot {
    std::atomic<std::uint32_t> prefix_state{kPending};
    std::atomic<std::uint32_t> commit_state{kPending};
    Prefix prefix;
    Commit commit;
  };
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace csvbloom::detail
