#!/usr/bin/env python3
"""Python binding benchmark (issue 16's targets), one invocation, ratios within it.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--keys 10000000] [--out /work/bench-data/python]

Measures, on N keys ("user%010d@example.com", 26 bytes) all inserted into a
filter sized for 100 M keys at 1% (118 MiB, blocked), every key asked:
  - contains_many from a NumPy array of bytes (dtype 'S')          target >= 10 M keys/s
  - contains_many from a pandas Series of str (object dtype)        target >= 5 M keys/s
  - Python's set membership over the same keys ([k in s for k in keys]) and the
    memory each holds (RSS growth in a fresh process: the set with its key
    objects vs the mapped filter)                                   target: within 2x, <= 1/10 memory
  - csvbloom.build from Python vs the CLI build, alternating runs   target: same time, same bytes
  - the CLI's `query` over the same keys, the issue's reference (~20 M keys/s idle)
Timings are the median of --reps runs; data goes to --out, never the repository.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_child(mode, keys_npy, filt):
    import csvbloom  # noqa: F401 (imported before the baseline: the module's own pages)
    keys = np.load(keys_npy)
    base = rss_mib()
    if mode == "set":
        s = set(keys.tolist())
        assert len(s) == len(keys)
    else:
        f = csvbloom.Filter.open(filt)
        assert f.contains_many(keys).all()
    print(rss_mib() - base)


def timed(fn, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=10_000_000)
    ap.add_argument("--out", default="/work/bench-data/python")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cli", default=os.environ.get("CSVBLOOM", "build/csvbloom"))
    ap.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.memory_child:
        return memory_child(*a.memory_child)
    import pandas as pd
    import csvbloom

    n = a.keys
    os.makedirs(a.out, exist_ok=True)
    csv_path, keys_npy = os.path.join(a.out, f"keys-{n}.csv"), os.path.join(a.out, f"keys-{n}.npy")
    cli_bloom, py_bloom = os.path.join(a.out, "cli.bloom"), os.path.join(a.out, "py.bloom")
    keys = np.char.add(b"user", np.char.zfill(np.arange(n).astype("S10"), 10))
    keys = np.char.add(keys, b"@example.com")
    if not os.path.exists(csv_path):
        with open(csv_path, "wb") as f:
            f.write(b"email\n")
            f.write(b"\n".join(keys.tolist()) + b"\n")
        np.save(keys_npy, keys)
    print(f"# {n:,} keys, {os.path.getsize(csv_path) / 2**20:.0f} MiB CSV; python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, pandas {pd.__version__}, csvbloom {csvbloom.__version__}; {os.cpu_count()} cores")

    # ---- build: CLI and Python alternating, same options ----
    opts = ["--key", "email", "--capacity", "100000000", "--fpr", "0.01"]
    cli_t, py_t = [], []
    for _ in range(a.reps):
        t = time.perf_counter()
        subprocess.run([a.cli, "build", "-q", "-o", cli_bloom, *opts, csv_path], check=True)
        cli_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        csvbloom.build(csv_path, py_bloom, key="email", capacity=100_000_000, fpr=0.01)
        py_t.append(time.perf_counter() - t)
    same = open(cli_bloom, "rb").read() == open(py_bloom, "rb").read()
    cli_b, py_b = statistics.median(cli_t), statistics.median(py_t)
    print(f"build   CLI {cli_b:.2f} s, Python {py_b:.2f} s (Python/CLI {py_b / cli_b:.2f}); same bytes: {same}")

    # ---- queries ----
    f = csvbloom.Filter.open(py_bloom)
    print(f"filter  {os.path.getsize(py_bloom) / 2**20:.0f} MiB, {f.info()['hashes']} hashes")
    assert f.contains_many(keys).all()
    series = pd.Series(keys.astype("U").tolist())  # object dtype of str, as read_csv gives
    key_list = keys.tolist()
    key_set = set(key_list)
    t_np = timed(lambda: f.contains_many(keys), a.reps)
    t_pd = timed(lambda: f.contains_many(series), a.reps)
    t_list = timed(lambda: f.contains_many(key_list), a.reps)
    t_set = timed(lambda: [k in key_set for k in key_list], a.reps)
    t_set_np = timed(lambda: np.fromiter((k in key_set for k in key_list), bool, n), a.reps)
    # The CLI's query over the same keys (the reference, ~20 M/s on an
    # idle machine), from a file on stdin; --no-verify: no checksum pass.
    keys_txt = os.path.join(a.out, f"keys-{n}.txt")
    if not os.path.exists(keys_txt):
        with open(keys_txt, "wb") as fh:
            fh.write(b"\n".join(keys.tolist()) + b"\n")

    def cli_query():
        with open(keys_txt, "rb") as fh:
            r = subprocess.run([a.cli, "query", "--no-verify", "-c", py_bloom], stdin=fh, capture_output=True, check=True)
        assert int(r.stdout) == n

    t_cli = timed(cli_query, a.reps)
    rate = lambda t: n / t / 1e6  # noqa: E731
    print(f"query   NumPy 'S' {rate(t_np):.1f} M keys/s; pandas Series of str {rate(t_pd):.1f} M/s; "
          f"list of bytes {rate(t_list):.1f} M/s")
    print(f"        set: list comprehension {rate(t_set):.1f} M/s, np.fromiter {rate(t_set_np):.1f} M/s; "
          f"NumPy 'S' / set = {t_set / t_np:.2f}x, Series / set = {t_set / t_pd:.2f}x")
    print(f"        CLI query (stdin) {rate(t_cli):.1f} M/s; NumPy 'S' / CLI = {t_cli / t_np:.2f}x, "
          f"Series / CLI = {t_cli / t_pd:.2f}x")
    del key_set, key_list, series

    # ---- memory, each in a fresh process ----
    # The 118 MiB filter is sized for 100 M keys and holds N; one sized for
    # the N keys it holds (same fpr) is measured too.
    fit_bloom = os.path.join(a.out, "fit.bloom")
    csvbloom.build(csv_path, fit_bloom, key="email", capacity=n, fpr=0.01)
    mem = {}
    for name, mode, filt in (("set", "set", py_bloom), ("filter", "filter", py_bloom), ("fit", "filter", fit_bloom)):
        r = subprocess.run([sys.executable, __file__, "--memory-child", mode, keys_npy, filt],
                           check=True, capture_output=True, text=True, env=os.environ)
        mem[name] = float(r.stdout.strip())
    print(f"memory  set {mem['set']:.0f} MiB, filter {mem['filter']:.0f} MiB (filter/set {mem['filter'] / mem['set']:.3f}); "
          f"filter sized for {n:,} keys {mem['fit']:.1f} MiB (/set {mem['fit'] / mem['set']:.3f})")


if __name__ == "__main__":
    main()
