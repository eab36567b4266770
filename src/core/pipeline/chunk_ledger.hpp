// chunk_ledger.hpp: how readers parsing neighbouring chunks of one file agree
// on where records start, without reading the file twice.
//
// A chunk c of a file covers bytes [s_c, e_c); it owns the records that START
// there. Where records start depends on whether s_c is inside a quoted field,
// which only the bytes before s_c can tell for sure. So each chunk GUESSES,
// and one hand-off per chunk checks the guess:
//  - guess: the reader of c judges the quote state at s_c from the first
//    quote after it whose neighbours tell an opening quote from a closing one
//    (record_splitter.hpp, guess_in_quotes), and takes as its first record
//    start B_c the first '\n' at even parity from there. For well-formed
//    RFC 4180 data the guess is exact whenever such a quote lies within 64 KiB
//    of s_c (or no quote does, and s_c is unquoted). It needs nothing from the
//    chunk before, so chunks are read and parsed fully in parallel, with no
//    counting pass and no chain of waits for an exact parity (which cost 13%
//    of a 2-thread build on bench/gen medium; commit 9b0f988).
//  - commit: the real end R_c of the last record the chunk owned (the first
//    record start at or after e_c, found by the real parser). Chunk c is
//    completed once R_{c-1} is known: if R_{c-1} == B_c its guess was right
//    and its keys are released; otherwise (a wrong guess, or a stray quote in
//    an unquoted field) it is re-parsed from R_{c-1}. Keys reach the pipeline
//    only after this check, so the filter never sees a mis-split record,
//    whatever the guess. The pipeline does not make the reader of c wait for
//    R_{c-1}: it parks chunk c, and the committer of c-1 completes it
//    (chunk_driver.cpp, ChunkDriver::cascade; commit_ready() tells a reader whether
//    to park).
// Line numbers for bad rows are counted from the chunk's start while parsing
// and made absolute at commit (Pipeline::newlines_before).
// A reader that gives up (error elsewhere, cancellation) still publishes its
// commit, marked abandoned, so that no reader ever waits for nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace csvbloom::detail {

class ChunkLedger {
 public:
  struct Commit {
    std::uint64_t end{0};
    bool abandoned{false};
  };

  explicit ChunkLedger(std::size_t chunks) : slots_(new Slot[chunks]) {}

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
    std::atomic<std::uint32_t> commit_state{kPending};
    Commit commit;
  };
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace csvbloom::detail
