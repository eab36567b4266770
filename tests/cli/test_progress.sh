# The progress line: drawn on a terminal (a real pseudo-terminal from
# `script`), never when stderr is not a terminal, with -q or --no-progress.
# And --stats-json: the documented fields, valid JSON.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || { fail "script(1) is missing (Debian package bsdutils)"; finish; exit 1; }
python3 - <<'PY'
with open("in.csv", "w") as f:
    f.write("id,email\n")
    for i in range(20000):
        f.write(f"{i},user{i}@example.com\n")
PY
cp in.csv in2.csv

# On a terminal: at least the final frame is drawn, then erased for the summary.
script -qec "$CSVBLOOM build -o p.bloom --key email --capacity 40000 in.csv in2.csv" /dev/null > tty.out
if grep -q "(100%)" tty.out; then pass; else fail "no 100% frame on a terminal: $(cat -A tty.out | head -3)"; fi
if grep -q "files 2/2" tty.out; then pass; else fail "no 'files 2/2' in the frame"; fi
if grep -q "rows/s" tty.out; then pass; else fail "no rows/s in the frame"; fi
if grep -q $'\r\033\\[K' tty.out; then pass; else fail "the line is not redrawn in place"; fi
if grep -q "csvbloom: wrote p.bloom" tty.out; then pass; else fail "no summary after the progress line"; fi

# Not a terminal, -q, --no-progress: no progress line.
"$CSVBLOOM" build -o p.bloom --key email --capacity 40000 in.csv 2> notty.err
if grep -q $'\r' notty.err; then fail "progress drawn into a file"; else pass; fi
script -qec "$CSVBLOOM build -q -o p.bloom --key email --capacity 40000 in.csv" /dev/null > q.out
if [ -s q.out ]; then fail "-q printed: $(cat -A q.out | head -2)"; else pass; fi
script -qec "$CSVBLOOM build --no-progress -o p.bloom --key email --capacity 40000 in.csv" /dev/null > np.out
if grep -q "(100%)" np.out; then fail "--no-progress drew a frame"; else pass; fi

# --stats-json: to a file and to stdout.
printf 'id,email\n1,a@x\n2,"b@x\n' > bad.csv
"$CSVBLOOM" build -q -o s.bloom --key email --capacity 40000 --on-error skip --stats-json stats.json in.csv bad.csv
python3 - stats.json <<'PY' || fail "stats.json lacks documented fields"
import json, sys
s = json.load(open(sys.argv[1]))
for k in ["output", "files", "bytes", "bytes_on_disk", "rows", "keys_inserted", "bad_rows", "empty_keys", "seconds",
          "bytes_per_second", "rows_per_second", "first_bad_rows", "filter"]:
    assert k in s, k
assert s["bytes_on_disk"] == s["bytes"], s  # plain inputs: the same bytes
assert s["files"] == 2 and s["rows"] == 20002 and s["keys_inserted"] == 20001 and s["bad_rows"] == 1, s
assert s["first_bad_rows"][0]["file"].endswith("bad.csv") and s["first_bad_rows"][0]["line"] == 3, s
f = s["filter"]
for k in ["layout", "bits", "bytes", "hashes", "hash_algorithm", "seed", "keys_inserted", "capacity",
          "target_fpr", "key", "set_bits", "fill_ratio", "estimated_distinct_keys", "estimated_fpr",
          "merge_fingerprint"]:
    assert k in f, k
assert f["key"]["columns"] == [{"name": "email"}], f["key"]
assert abs(f["estimated_distinct_keys"] - 20001) < 400, f["estimated_distinct_keys"]
PY
pass
"$CSVBLOOM" build -q -o s.bloom --key email --capacity 40000 --stats-json - in.csv > stdout.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["rows"] == 20000' stdout.json && pass || fail "--stats-json - is not JSON on stdout"
finish
