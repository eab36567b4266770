#!/usr/bin/env python3
"""seed_python.py -- the seed blog post's design ("Parallel Enqueue and Workers",
2016), as a Bloom filter builder, for the csvbloom benchmarks.  stdlib only.

Design, as the post describes it:
  * enqueue(path): reader processes from a multiprocessing.Pool, started with
    map_async over the CSV paths, parse rows with the csv module and put each
    parsed row on a shared multiprocessing.Queue (the "tasks" queue);
  * when map_async's callback fires (all readers done) the main process puts
    one 'STOP' sentinel per worker on the tasks queue;
  * worker processes (plain Process objects, not a pool) get rows with a 10 s
    timeout, hash the key and put the k bit positions on a "done" queue; on
    'STOP' (or timeout) they forward a 'STOP' to the done queue and exit;
  * the reducer (main process) sets bits in a bytearray Bloom filter until it
    has seen one 'STOP' per worker, then joins everything.

One row per queue message, as in the post: it is the design being measured,
and it is very slow.  Run it on a small set (bench/gen tiny) or cap the rows
with --max-rows-per-file; it prints rows/s for extrapolation.

Usage:
  seed_python.py [--readers N] [--workers N] [--max-rows-per-file N]
                 [--capacity N] [--fpr P] [--key-column 1] [-o OUT]
                 [--check KEYS] FILE...
Prints one JSON line on stdout: rows, seconds, rows_per_s, bytes_read, ...
"""
import argparse
import csv
import hashlib
import json
import math
import multiprocessing as mp
import os
import queue
import sys
import time

STOP = "STOP"
_tasks = None          # inherited by the reader pool (see _init_reader)
_key_col = 1
_max_rows = 0


def _init_reader(tasks, key_col, max_rows):
    # A multiprocessing.Queue can only be shared by inheritance, so the pool
    # gets it through its initializer.
    global _tasks, _key_col, _max_rows
    _tasks, _key_col, _max_rows = tasks, key_col, max_rows


def enqueue(path):
    """Map phase: parse each row of one CSV file and put it on the tasks queue."""
    n = 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)  # header
        for row in reader:
            _tasks.put(row)
            n += 1
            if _max_rows and n >= _max_rows:
                break
    # Not in the post, but needed: put() only hands rows to a feeder thread.
    # If enqueue returned with rows still buffered, map_async's callback could
    # put 'STOP' ahead of them, the workers would exit, and the feeder would
    # block forever on a full pipe (we hit exactly that hang).  So flush before
    # returning; the queue is then unusable in this process, hence
    # maxtasksperchild=1 (one file per reader process).
    _tasks.close()
    _tasks.join_thread()
    return n, os.path.getsize(path)


def positions(key, m, k):
    """k bit positions by double hashing of a 128-bit blake2b digest."""
    d = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    h1 = int.from_bytes(d[:8], "little")
    h2 = int.from_bytes(d[8:], "little") | 1
    return [(h1 + i * h2) % m for i in range(k)]


def worker(tasks, done, key_col, m, k):
    while True:
        try:
            row = tasks.get(timeout=10)
        except queue.Empty:
            break
        if row == STOP:
            break
        if len(row) > key_col:
            done.put(positions(row[key_col], m, k))
    done.put(STOP)


def parallelize(paths, readers, workers, key_col, max_rows, m, k):
    tasks = mp.Queue()
    done = mp.Queue()
    bits = bytearray((m + 7) // 8)
    counts = {}

    def readers_done(results):
        counts["rows"] = sum(r[0] for r in results)
        counts["bytes"] = sum(r[1] for r in results)
        for _ in range(workers):
            tasks.put(STOP)

    pool = mp.Pool(readers, initializer=_init_reader,
                   initargs=(tasks, key_col, max_rows), maxtasksperchild=1)
    pool.map_async(enqueue, paths, chunksize=1, callback=readers_done,
                   error_callback=lambda e: [tasks.put(STOP) for _ in range(workers)])
    procs = [mp.Process(target=worker, args=(tasks, done, key_col, m, k))
             for _ in range(workers)]
    for p in procs:
        p.start()
    # reduce phase
    stops = 0
    added = 0
    while stops < workers:
        item = done.get()
        if item == STOP:
            stops += 1
            continue
        for pos in item:
            bits[pos >> 3] |= 1 << (pos & 7)
        added += 1
    for p in procs:
        p.join()
    pool.close()
    pool.join()
    return bits, counts.get("rows", 0), counts.get("bytes", 0), added


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--readers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--max-rows-per-file", type=int, default=0)
    ap.add_argument("--capacity", type=int, default=1_000_000)
    ap.add_argument("--fpr", type=float, default=0.01)
    ap.add_argument("--key-column", type=int, default=1, help="0-based (email = 1)")
    ap.add_argument("-o", "--output")
    ap.add_argument("--check", help="file of keys to look up after building")
    a = ap.parse_args()
    m = max(8, math.ceil(-a.capacity * math.log(a.fpr) / math.log(2) ** 2))
    k = max(1, round(m / a.capacity * math.log(2)))
    t0 = time.time()
    bits, rows, nbytes, added = parallelize(a.files, a.readers, a.workers,
                                            a.key_column, a.max_rows_per_file, m, k)
    dt = time.time() - t0
    if added != rows:
        print(f"seed_python: warning: {rows} rows read but {added} keys added",
              file=sys.stderr)
    out = {"rows": rows, "keys_added": added, "seconds": round(dt, 3),
           "rows_per_s": round(rows / dt, 1) if dt > 0 else None,
           "bytes_read_files": nbytes, "bits": m, "hashes": k,
           "readers": a.readers, "workers": a.workers}
    if a.output:
        with open(a.output, "wb") as f:
            f.write(bits)
    if a.check:
        total = hits = 0
        with open(a.check) as f:
            for line in f:
                total += 1
                hits += all(bits[p >> 3] >> (p & 7) & 1
                            for p in positions(line.rstrip("\n"), m, k))
        out["check_total"] = total
        out["check_hits"] = hits
    print(json.dumps(out))


if __name__ == "__main__":
    main()
