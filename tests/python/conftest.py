"""Shared fixtures for the Python package's tests (tests/python).

Run by CTest ("python: pytest") with PYTHONPATH=<build>/python and
CSVBLOOM_CLI=<build>/csvbloom; by hand:
    PYTHONPATH=build/python CSVBLOOM_CLI=build/csvbloom /usr/bin/python3 -m pytest tests/python
"""
import os
import pathlib
import subprocess

import pytest

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
REAL_DATA = SOURCE_DIR / "tests" / "data" / "real"


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("CSVBLOOM_CLI") or str(SOURCE_DIR / "build" / "csvbloom")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no csvbloom binary at {path}: set CSVBLOOM_CLI")
    return path


def run_cli(cli, *args, input=None, check=True):
    r = subprocess.run([cli, *map(str, args)], input=input, capture_output=True)
    if check and r.returncode not in (0, 1):
        raise AssertionError(f"csvbloom {' '.join(map(str, args))}: exit {r.returncode}: {r.stderr.decode()}")
    return r


def write_people(path, rows=500):
    """A CSV with names, emails (mixed case, padded) and a city; deterministic."""
    lines = ["id,first,last,email,city"]
    for i in range(rows):
        first, last = f"First{i % 37}", f"Last{i}"
        email = f"  User{i}@Example.COM " if i % 3 == 0 else f"user{i}@example.com"
        city = '"Paris, FR"' if i % 5 == 0 else f"City{i % 11}"
        lines.append(f"{i},{first},{last},{email},{city}")
    path.write_text("\n".join(lines) + "\n")
    return path


def interrupt_while_feeding(fifo, call, header, row):
    """Runs `call` (Python source using csvbloom) in a child interpreter that
    reads `fifo`, feeds the FIFO with `header` then `row` over and over,
    sends SIGINT once 4 MiB are written (more than the pipe and one chunk can
    hold, so the call is certainly running), and returns the child's exit
    code: 42 when the call raised KeyboardInterrupt, 0 when it returned. The
    call never ends on its own (the FIFO stays open while fed): only the
    cancel flag ends it; past 1 GiB the feeding stops, so a call that ignores
    the signal ends with 0."""
    import signal
    import sys
    import textwrap

    child = textwrap.dedent(f"""
        import sys, csvbloom
        try:
            {call}
        except KeyboardInterrupt:
            sys.exit(42)
        sys.exit(0)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], env=os.environ)
    with open(fifo, "wb") as w:
        w.write(header)
        written = 0
        try:
            while True:
                w.write(row)
                written += len(row)
                if written >= 4 << 20 and proc.poll() is None and written - len(row) < 4 << 20:
                    proc.send_signal(signal.SIGINT)
                if written > 1 << 30:
                    break
        except BrokenPipeError:
            pass
    return proc.wait(timeout=120)
