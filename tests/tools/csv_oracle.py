#!/usr/bin/env python3
"""Oracle for csvbloom's CSV reading: Python's csv module.

Writes a random, nasty CSV file (quoted delimiters, doubled quotes, newlines
and CRs inside quotes, CRLF / LF / lone-CR line ends, a BOM, stray quotes in
unquoted fields, text after a closing quote, empty lines, empty keys, NUL and
invalid UTF-8 bytes) and, next to it, the keys Python's csv module reads from
it, re-written as a clean CSV (QUOTE_ALL, same header). A correct csvbloom
inserts exactly the same keys from both files, so the two filters must be
byte-identical.

usage: csv_oracle.py SEED OUT.csv KEYS.csv [--key-col N] [--rows N] [--delimiter C]
"""
import argparse
import csv
import io
import random


def rand_field(rng, delim):
    kind = rng.random()
    alphabet = "abcxyz019 _-@." + delim
    if kind < 0.45:
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        return s.replace(delim, "").replace('"', "").replace("\n", "").replace("\r", "")
    if kind < 0.80:  # needs quoting
        pieces = ["ab", delim, '"', "\n", "\r\n", "\r", "x", "  ", "é", "\x00"]
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
    return ""


def raw_field(rng, value, delim):
    """How the value is written: sometimes quoted though it need not be,
    sometimes with stray quotes or text after the closing quote (messy)."""
    needs = any(c in value for c in (delim, '"', "\n", "\r")) or value.startswith(" ")
    if needs or rng.random() < 0.2:
        return '"' + value.replace('"', '""') + '"'
    r = rng.random()
    if r < 0.05 and value:
        return value[:1] + '"' + value[1:]  # a stray quote inside an unquoted field
    if r < 0.08:
        return '"' + value + '"tail'  # text after the closing quote
    return value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seed", type=int)
    ap.add_argument("out")
    ap.add_argument("keys")
    ap.add_argument("--rows", type=int, default=400)
    ap.add_argument("--cols", type=int, default=4)
    ap.add_argument("--key-col", type=int, default=2, help="1-based")
    ap.add_argument("--delimiter", default=",")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    d = args.delimiter
    ends = ["\n", "\r\n", "\r"] if rng.random() < 0.3 else ["\n"] if rng.random() < 0.5 else ["\r\n"]
    text = io.StringIO()
    if rng.random() < 0.3:
        text.write("\ufeff")
    text.write(d.join(f"col{i}" for i in range(args.cols)) + rng.choice(ends))
    for _ in range(args.rows):
        if rng.random() < 0.03:
            text.write(rng.choice(ends))  # an empty line
        fields = [rand_field(rng, d) for _ in range(args.cols)]
        text.write(d.join(raw_field(rng, f, d) for f in fields) + rng.choice(ends))
    if rng.random() < 0.3:  # no newline at the end
        text.write(d.join(["a"] * args.cols))
    raw = text.getvalue().encode("utf-8", "surrogatepass")
    if rng.random() < 0.2:
        raw = raw.replace(b"\xc3\xa9", b"\xe9", 3)  # some invalid UTF-8
    with open(args.out, "wb") as f:
        f.write(raw)

    # What Python reads, decoding bytes as latin-1 so every byte survives.
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    rows = list(csv.reader(io.StringIO(body.decode("latin-1"), newline=""), delimiter=d))
    rows = [r for r in rows if r]  # empty lines are no records
    header, data = rows[0], rows[1:]
    keys = []
    for r in data:
        if len(r) != len(header):
            raise SystemExit("generator made a ragged row; fix the generator")
        k = r[args.key_col - 1]
        if k:
            keys.append(k)
    # The clean file has the same header and the key in the same column, so
    # both builds record the same key spec: their files must be identical.
    with open(args.keys, "w", newline="", encoding="latin-1") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n", delimiter=d)
        w.writerow(header)
        for k in keys:
            row = [""] * len(header)
            row[args.key_col - 1] = k
            w.writerow(row)
    print(len(data), len(keys))


if __name__ == "__main__":
    main()
