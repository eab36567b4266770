# `csvbloom select`: against Python's csv module (tests/tools/rows_oracle.py)
# over nasty CSV (quoted delimiters and newlines, CRLF, lone CR, BOM, empty
# lines, ragged rows with --allow-ragged): every member's record is printed
# (no false negatives), --absent prints exactly the others less the false
# positives, whose count matches the filter's FPR; the same bytes for any -j,
# chunk size and (per-file outputs concatenated) file order; exit codes as
# grep; bad input exits 2 naming the file and leaves -o alone; | head ends quietly.
source "$(dirname "$0")/lib.sh"
ORACLE="$SRC/tests/tools/rows_oracle.py"

# Filters from the member lists: --fpr 0.01 so that false positives happen
# and can be counted against the rate.
fpr_of() { "$CSVBLOOM" info --json "$1" >"$WORK/info.json" && json_get "$WORK/info.json" "j['estimated_fpr']"; }

for seed in 1 2 3 4 5 6; do
  gopt=()
  ropt=()
  [ $((seed % 3)) -eq 0 ] && { gopt+=(--ragged); ropt+=(--allow-ragged); }
  [ $((seed % 2)) -eq 0 ] && gopt+=(--no-final-newline --bom)
  python3 "$ORACLE" gen "$seed" a.csv --rows 1500 --members m.csv "${gopt[@]}"
  python3 "$ORACLE" gen $((seed + 100)) b.csv --rows 700 "${gopt[@]}"
  # The same header as a.csv (the generator picks line ends at random).
  python3 - <<'EOF'
import re
a = open("a.csv", "rb").read()
b = open("b.csv", "rb").read()
def header_end(x):
    i = 3 if x.startswith(b"\xef\xbb\xbf") else 0
    m = re.compile(rb"\r\n|\n|\r").search(x, i)
    return m.end()
open("b.csv", "wb").write(a[:header_end(a)] + b[header_end(b):])
EOF
  expect_exit 0 "$CSVBLOOM" build -q -o m.bloom --key key --capacity 500 --fpr 0.01 m.csv
  fpr=$(fpr_of m.bloom)
  expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" -o present.csv m.bloom a.csv b.csv
  expect_exit 0 python3 "$ORACLE" check present present.csv a.csv b.csv --members m.csv --fpr "$fpr"
  echo "seed $seed present: $(cat "$WORK/out")"
  expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" --absent -o absent.csv m.bloom a.csv b.csv
  expect_exit 0 python3 "$ORACLE" check absent absent.csv a.csv b.csv --members m.csv --fpr "$fpr"
  # --count: the number of records printed.
  expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" --absent --count m.bloom a.csv b.csv
  want=$(python3 "$ORACLE" check absent absent.csv a.csv b.csv --members m.csv --fpr "$fpr" | sed 's/.*chosen=\([0-9]*\).*/\1/')
  expect_out_equals "$want"
  # The same bytes for every thread split and chunk size.
  for j in 1 2 7; do
    for cs in 16 61 4096; do
      expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" -j$j --chunk-size $cs m.bloom a.csv b.csv
      same_file "$WORK/out" present.csv "seed $seed, select -j$j --chunk-size $cs"
      expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" --absent -j$j --chunk-size $cs m.bloom a.csv b.csv
      same_file "$WORK/out" absent.csv "seed $seed, select --absent -j$j --chunk-size $cs"
    done
  done
  # File order: the output is the header and the per-file outputs concatenated.
  expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" -j3 m.bloom b.csv a.csv
  cp "$WORK/out" ba.csv
  expect_exit 0 python3 "$ORACLE" check present ba.csv b.csv a.csv --members m.csv --fpr "$fpr"
  # gzip inputs: the same rows.
  gzip -nc a.csv >a.csv.gz
  expect_exit 0 "$CSVBLOOM" select "${ropt[@]}" -j2 m.bloom a.csv.gz b.csv
  same_file "$WORK/out" present.csv "seed $seed, a.csv.gz"
done

# Per-file outputs concatenate (headers aside) to the output over both files,
# in either order. Data with a header of one line, so that tail -n +2 drops it.
python3 - <<'EOF'
import random
rng = random.Random(7)
for name in ("x", "y"):
    with open(f"{name}.csv", "w", newline="") as f:
        f.write("id,key,note\n")
        for i in range(3000):
            k = f"m{rng.randrange(400)}" if rng.random() < 0.5 else f"o{rng.randrange(400)}"
            f.write(f"{name}{i},{k},\"a, b\nc\"\r\n")
with open("mx.csv", "w") as f:
    f.write("key\n" + "".join(f"m{i}\n" for i in range(400)))
EOF
expect_exit 0 "$CSVBLOOM" build -q -o mx.bloom --key key --capacity 400 --fpr 0.01 mx.csv
for order in "x y" "y x"; do
  set -- $order
  "$CSVBLOOM" select -j2 --chunk-size 64 mx.bloom "$1.csv" >one.csv
  "$CSVBLOOM" select -j2 --chunk-size 64 mx.bloom "$2.csv" | tail -n +2 >>one.csv
  expect_exit 0 "$CSVBLOOM" select -j7 --chunk-size 16 mx.bloom "$1.csv" "$2.csv"
  same_file "$WORK/out" one.csv "select $order vs per-file outputs"
done

# ---- exit codes: 0 printed, 1 none, 2 error ----
printf 'id,key\n1,m1\n2,zzz\n' >small.csv
expect_exit 0 "$CSVBLOOM" select mx.bloom small.csv
expect_out_equals $'id,key\n1,m1'
printf 'id,key\n1,nothere-1\n2,\n' >none.csv
expect_exit 1 "$CSVBLOOM" select mx.bloom none.csv
expect_out_equals "id,key"
expect_exit 1 "$CSVBLOOM" select --count mx.bloom none.csv
expect_out_equals "0"
expect_exit 0 "$CSVBLOOM" select --absent --count mx.bloom none.csv
expect_out_equals "2"
# Regression select_count_with_output (2026-12-04): --count -o FILE printed the
# count and silently wrote no FILE; the two are now refused together.
expect_exit 2 "$CSVBLOOM" select --count -o counted.csv mx.bloom small.csv
expect_err_contains "--count"
check "[ ! -e counted.csv ]" "select --count -o wrote counted.csv"
# --stats-json: the counts for scripts, written on exit 1 too (none selected).
expect_exit 0 "$CSVBLOOM" select --stats-json st.json -o sel.csv mx.bloom small.csv
check "[ \"\$(json_get st.json 'j[\"output\"], j[\"rows\"], j[\"rows_written\"], j[\"rows_dropped\"], j[\"absent\"], j[\"filter_file\"]')\" = \"('sel.csv', 2, 1, 1, False, 'mx.bloom')\" ]" \
  "select --stats-json: $(json_get st.json 'j')"
expect_exit 1 "$CSVBLOOM" select --count --stats-json st.json mx.bloom none.csv
check "[ \"\$(json_get st.json 'j[\"output\"], j[\"rows_written\"], j[\"empty_keys\"]')\" = '(None, 0, 1)' ]" \
  "select --count --stats-json: $(json_get st.json 'j')"
expect_exit 0 "$CSVBLOOM" select --absent --stats-json - -o sel.csv mx.bloom none.csv  # the JSON alone on stdout
check "[ \"\$(python3 -c 'import json,sys; print(json.load(sys.stdin)[\"rows_written\"])' <"$WORK/out")\" = 2 ]" \
  "select --stats-json - -o: stdout is not the JSON: $(head -c 200 "$WORK/out")"
expect_exit 2 "$CSVBLOOM" select --stats-json - mx.bloom small.csv  # stdout carries the rows
expect_err_contains "carries the rows"
expect_exit 2 "$CSVBLOOM" select --count --stats-json - mx.bloom small.csv
expect_err_contains "carries the count"
expect_exit 2 "$CSVBLOOM" select mx.bloom does-not-exist.csv
expect_err_contains "does-not-exist.csv"

# ---- bad input: exit 2, one message naming the file, -o left alone ----
echo "precious" >keep.csv
cp keep.csv keep.orig
bad_run() {  # bad_run WHAT FILE-TO-NAME ARGS...
  local what=$1 name=$2; shift 2
  expect_exit 2 "$CSVBLOOM" select -o keep.csv "$@"
  expect_err_contains "$name"
  same_file keep.csv keep.orig "select -o after $what"
  no_temp_files .
}
head -c 100 mx.bloom >truncated.bloom
bad_run "a truncated filter" truncated.bloom truncated.bloom small.csv
cp mx.bloom corrupt.bloom
printf '\xff\xff' | dd of=corrupt.bloom bs=1 seek=200 conv=notrunc 2>/dev/null
bad_run "a corrupt filter" corrupt.bloom corrupt.bloom small.csv
printf 'id,key,extra\n3,m2,x\n' >other-header.csv
bad_run "a header that differs" other-header.csv mx.bloom small.csv other-header.csv
expect_err_contains "header differs"
printf 'id,mail\n3,m2\n' >no-key.csv
bad_run "a missing key column" no-key.csv mx.bloom no-key.csv
bad_run "--key count" "mx.bloom" --key id --key key mx.bloom small.csv
# --key renames the column: no-key.csv calls it "mail".
expect_exit 0 "$CSVBLOOM" select --key mail mx.bloom no-key.csv
expect_out_equals $'id,mail\n3,m2'
printf 'id,key\n1,m1\n2,"unterminated\n' >bad-row.csv
bad_run "a bad row" "bad-row.csv" mx.bloom small.csv bad-row.csv

# ---- a closed pipe ends quietly, as grep ----
python3 -c '
import sys
with open("big.csv", "w") as f:
    f.write("id,key\n")
    for i in range(400000):
        f.write(f"{i},m{i % 400}\n")
'
set +e
"$CSVBLOOM" select -j2 mx.bloom big.csv 2>pipe.err | head -1 >pipe.out
codes=("${PIPESTATUS[@]}")
set -e
check "[ \"\$(cat pipe.out)\" = id,key ]" "select | head -1 printed $(head -c 100 pipe.out)"
check "[ ! -s pipe.err ]" "select | head -1 wrote to stderr: $(head -c 300 pipe.err)"
check "[ ${codes[0]} -eq 141 ] || [ ${codes[0]} -eq 0 ]" "select | head -1 exited ${codes[0]}"
finish
