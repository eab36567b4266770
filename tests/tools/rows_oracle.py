#!/usr/bin/env python3
"""Oracle for csvbloom's row commands (select, dedupe): Python's csv module.

gen SEED OUT.csv: a random, nasty CSV (the field generator of csv_oracle.py:
quoted delimiters, doubled quotes, newlines and CRs inside quotes, CRLF / LF /
lone-CR line ends, a BOM, empty lines, NUL and invalid UTF-8 bytes; --ragged:
rows with fewer or more fields) whose first column is a unique record id
(r<seed>-<n>) and whose second column, the key, is drawn from a pool: member
keys m<i>, other keys o<i>, keys that need quoting, and empty keys, so that
keys repeat (dedupe) and the member file lists what a filter holds.
--members FILE: writes the member keys (one clean CSV, header "key").

check MODE OUTPUT INPUT... [--members FILE] [--fpr P]: reads the inputs the
way Python's csv module does (latin-1, so every byte survives) and tells each
record's bytes from the lines csv.reader consumed for it; then checks that
OUTPUT is the first input's header once and then records of the inputs, each
byte for byte (a last record without a line end gets '\n'), in input order:
 - present: every record whose key is a member (no false negatives ever); the
   others printed are false positives: non-empty keys never inserted;
 - absent: exactly the records whose key is not a member, less the false
   positives (a record of a non-member key is missing only if every record of
   that key is);
 - dedupe: never a second occurrence of a key; every record of an empty key;
   every first occurrence but the false drops.
Prints "FP=<distinct keys wrongly chosen or dropped> N=<distinct non-member
keys tested> EXPECTED=<N*P>" and fails (exit 1) when the count is further
from N*P than 5 standard deviations plus 2, or a rule above is broken.
"""
import argparse
import csv
import io
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from csv_oracle import rand_field, raw_field  # noqa: E402


def gen(args):
    rng = random.Random(args.seed)
    d = args.delimiter
    ends = ["\n", "\r\n", "\r"] if rng.random() < 0.5 else ["\r\n"]
    text = io.StringIO()
    if args.bom or rng.random() < 0.3:
        text.write("\ufeff")
    cols = args.cols
    text.write(d.join(["id", "key"] + [f"col{i}" for i in range(2, cols)]) + rng.choice(ends))
    members = [f"m{i}" for i in range(args.members_count)]
    for n in range(args.rows):
        if rng.random() < 0.03:
            text.write(rng.choice(ends))  # an empty line
        r = rng.random()
        if r < 0.35:
            key = rng.choice(members)
        elif r < 0.75:
            key = f"o{rng.randrange(args.others_count)}"
        elif r < 0.90:
            key = rand_field(rng, d) or "q"  # needs quoting, often
            key = "k" + key
        else:
            key = ""
        width = cols
        if args.ragged and rng.random() < 0.2:
            width = rng.choice([2, cols + 1, cols + 3])
        fields = [f"r{args.seed}-{n}", key] + [rand_field(rng, d) for _ in range(width - 2)]
        raw = [fields[0], '"' + key.replace('"', '""') + '"' if rng.random() < 0.5 or any(
            c in key for c in (d, '"', "\n", "\r")) or key.startswith(" ") else key]
        raw += [raw_field(rng, f, d) for f in fields[2:]]
        text.write(d.join(raw))
        if n + 1 < args.rows or args.final_newline:
            text.write(rng.choice(ends))
    data = text.getvalue().encode("utf-8", "surrogatepass")
    with open(args.out, "wb") as f:
        f.write(data)
    if args.members:
        with open(args.members, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["key"])
            for m in members[: args.members_inserted]:
                w.writerow([m])


def records(path, delimiter):
    """(header_bytes, [(id, key, bytes)]) of one input, as Python reads it."""
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = io.StringIO(raw.decode("latin-1"), newline="")
    taken = []

    def feed():
        for line in lines:
            taken.append(line)
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    header, out = None, []
    for row in reader:
        text = "".join(taken)
        taken.clear()
        if not row:
            continue  # an empty line
        b = text.encode("latin-1")
        if header is None:
            header = b
            continue
        out.append((row[0], row[1] if len(row) > 1 else "", b))
    return header, out


def with_line_end(b):
    return b if b.endswith(b"\n") or b.endswith(b"\r") else b + b"\n"


def check(args):
    inputs = [records(p, args.delimiter) for p in args.inputs]
    header = next((h for h, _ in inputs if h is not None), None)
    recs = [r for _, rs in inputs for r in rs]
    members = set()
    if args.members:
        with open(args.members, newline="") as f:
            members = {row[0] for row in list(csv.reader(f))[1:]}
    got = open(args.output, "rb").read()
    problems = []
    want_prefix = with_line_end(header) if header is not None else b""
    if not got.startswith(want_prefix):
        problems.append("output does not start with the first input's header")
    body = got[len(want_prefix):]

    # Which records are in the output, in order, byte for byte.
    chosen, pos, i = [], 0, 0
    while pos < len(body):
        while i < len(recs) and not body.startswith(with_line_end(recs[i][2]), pos):
            i += 1
        if i == len(recs):
            problems.append(f"output byte {pos + len(want_prefix)}: not the next input record: {body[pos:pos + 80]!r}")
            break
        chosen.append(i)
        pos += len(with_line_end(recs[i][2]))
        i += 1
    chosen_set = set(chosen)

    wrong = set()  # distinct non-member keys wrongly chosen (present) / left out (absent) / dropped (dedupe)
    tested = set()  # distinct non-empty keys that could have been wrong
    if args.mode in ("present", "absent"):
        by_key = {}
        for j, (_, key, _) in enumerate(recs):
            by_key.setdefault(key, []).append(j)
        for key, js in by_key.items():
            in_out = [j in chosen_set for j in js]
            member = key in members and key != ""
            want_in = member if args.mode == "present" else not member
            if member or key == "":
                if not all(x == want_in for x in in_out):
                    problems.append(f"key {key!r}: records {js} should {'' if want_in else 'not '}be printed")
                continue
            tested.add(key)
            if len(set(in_out)) > 1:
                problems.append(f"key {key!r}: some of its records printed, some not")
            if in_out[0] != want_in:
                wrong.add(key)
    else:  # dedupe
        seen_keys = set()
        for j, (rid, key, _) in enumerate(recs):
            if key == "":
                if j not in chosen_set:
                    problems.append(f"record {rid}: empty key dropped")
                continue
            first = key not in seen_keys
            seen_keys.add(key)
            if first:
                tested.add(key)
                if j not in chosen_set:
                    wrong.add(key)
            elif j in chosen_set:
                problems.append(f"record {rid}: a second occurrence of {key!r} kept")
    n = len(tested)
    expected = n * args.fpr if args.expected is None else args.expected
    sd = math.sqrt(n * args.fpr * (1 - args.fpr)) if args.expected is None else math.sqrt(args.expected)
    print(f"FP={len(wrong)} N={n} EXPECTED={expected:.2f} chosen={len(chosen)} records={len(recs)}")
    if abs(len(wrong) - expected) > 5 * sd + 2:
        problems.append(f"{len(wrong)} wrong keys of {n}, expected {expected:.1f} (fpr {args.fpr})")
    for p in problems[:10]:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("seed", type=int)
    g.add_argument("out")
    g.add_argument("--rows", type=int, default=2000)
    g.add_argument("--cols", type=int, default=4)
    g.add_argument("--delimiter", default=",")
    g.add_argument("--members-count", type=int, default=500)
    g.add_argument("--members-inserted", type=int, default=500)
    g.add_argument("--others-count", type=int, default=1500)
    g.add_argument("--members")
    g.add_argument("--ragged", action="store_true")
    g.add_argument("--bom", action="store_true")
    g.add_argument("--no-final-newline", dest="final_newline", action="store_false")
    c = sub.add_parser("check")
    c.add_argument("mode", choices=["present", "absent", "dedupe"])
    c.add_argument("output")
    c.add_argument("inputs", nargs="+")
    c.add_argument("--members")
    c.add_argument("--fpr", type=float, default=0.0)
    c.add_argument("--expected", type=float, help="expected wrong keys (dedupe: --stats-json's figure)")
    c.add_argument("--delimiter", default=",")
    args = ap.parse_args()
    if args.cmd == "gen":
        gen(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
