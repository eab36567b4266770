# Real CSV files written by other projects (tests/data/real/README.md):
#  - every column of every file as the key: the filter equals the one built
#    from the keys Python's csv module reads (re-written cleanly), so we read
#    the same bytes as Python does, column by column;
#  - no false negatives, and the measured FPR over 200,000 non-members is
#    within 2x of --fpr when --capacity is the true distinct count.
source "$(dirname "$0")/lib.sh"
python3 - "$CSVBLOOM" "$SRC/tests/data/real" <<'PY'
import csv, io, os, subprocess, sys
binary, real = sys.argv[1], sys.argv[2]
fails = checks = 0
all_keys = set()

def run(args, **kw):
    return subprocess.run([binary] + args, capture_output=True, **kw)

for name in sorted(os.listdir(real)):
    if not name.endswith(".csv"):
        continue
    path = os.path.join(real, name)
    raw = open(path, "rb").read()
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    text = body.decode("latin-1")
    first = text.split("\n", 1)[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim) if r]
    header, data = rows[0], rows[1:]
    dopt = ["--tsv"] if delim == "\t" else []
    for c in range(len(header)):
        keys = [r[c] for r in data if len(r) > c and r[c] != ""]
        all_keys.update(f"{name}/{c}/{k}" for k in keys)
        clean = "clean.csv"
        with open(clean, "w", newline="", encoding="latin-1") as f:
            w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n", delimiter=delim)
            w.writerow(header)
            for k in keys:
                row = [""] * len(header)
                row[c] = k
                w.writerow(row)
        common = ["--key", str(c + 1), "--bits", "262144", "--hashes", "8", "--allow-ragged", "--on-error", "skip", "-q"] + dopt
        a = run(["build", "-o", "real.bloom"] + common + [path])
        b = run(["build", "-o", "clean.bloom"] + common + [clean])
        checks += 1
        if a.returncode or b.returncode or open("real.bloom", "rb").read() != open("clean.bloom", "rb").read():
            fails += 1
            print(f"FAIL: {name} column {c + 1}: filters differ (rc {a.returncode}/{b.returncode}) {a.stderr[:200]!r}")

# One filter over every (file, column, value) key: no false negatives, FPR within 2x.
keys = sorted(all_keys)
with open("keys.csv", "w", newline="", encoding="latin-1") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["key"])
    for k in keys:
        w.writerow([k])
r = run(["build", "-q", "-o", "all.bloom", "--key", "key", "--capacity", str(len(keys)), "--fpr", "0.01", "keys.csv"])
checks += 1
if r.returncode:
    fails += 1
    print("FAIL: build of all keys:", r.stderr[:300])
q = run(["query", "--count", "--absent", "all.bloom"], input="\n".join(keys).encode("latin-1") + b"\n")
checks += 1
if q.stdout.strip() != b"0":
    fails += 1
    print("FAIL: false negatives:", q.stdout, q.stderr[:200])
probes = "\n".join(f"nonmember/{i}/x" for i in range(200000)) + "\n"
q = run(["query", "--count", "all.bloom"], input=probes.encode())
fp = int(q.stdout.strip() or -1)
checks += 1
print(f"{len(keys)} distinct keys; {fp} false positives in 200000 probes (FPR {fp / 200000:.4%}, target 1%)")
if not (0 <= fp <= 4000):
    fails += 1
    print("FAIL: measured FPR above 2x the target")
print(f"{checks} checks, {fails} failures")
sys.exit(1 if fails else 0)
PY
