# `csvbloom dedupe`: against Python's csv module (tests/tools/rows_oracle.py)
# over nasty CSV: never a second occurrence of a key, every empty-key record,
# every first occurrence but the false drops, whose count matches the
# expected figure dedupe reports (--stats-json); the same bytes for any -j and
# chunk size; --filter/--save carry the seen keys from one run to the next;
# bad input exits 2 naming the file and writes nothing to -o or --save.
source "$(dirname "$0")/lib.sh"
ORACLE="$SRC/tests/tools/rows_oracle.py"

for seed in 11 12 13 14; do
  gopt=()
  ropt=()
  [ $((seed % 2)) -eq 0 ] && { gopt+=(--ragged --no-final-newline); ropt+=(--allow-ragged); }
  python3 "$ORACLE" gen "$seed" a.csv --rows 3000 --others-count 2500 "${gopt[@]}"
  # A small filter at 1%: false drops happen, and are counted.
  expect_exit 0 "$CSVBLOOM" dedupe "${ropt[@]}" -q --key key --capacity 2000 --fpr 0.01 --stats-json s.json -o d.csv a.csv
  expected=$(json_get s.json "j['expected_false_drops']")
  expect_exit 0 python3 "$ORACLE" check dedupe d.csv a.csv --expected "$expected"
  echo "seed $seed dedupe --fpr 0.01: $(cat "$WORK/out") (reported expected $expected)"
  check "[ \"\$(json_get s.json \"j['rows_written'] + j['duplicates_dropped'] == j['rows']\")\" = True ]" \
    "seed $seed: rows_written + duplicates_dropped != rows"
  # The default --fpr (1e-6): no false drop expected in a few thousand keys.
  expect_exit 0 "$CSVBLOOM" dedupe "${ropt[@]}" -q --key key -o d0.csv a.csv
  expect_exit 0 python3 "$ORACLE" check dedupe d0.csv a.csv --fpr 1e-6
  expect_out_contains "FP=0 "
  for j in 1 2 7; do
    for cs in 16 61 4096; do
      expect_exit 0 "$CSVBLOOM" dedupe "${ropt[@]}" -q --key key --capacity 2000 --fpr 0.01 -j$j --chunk-size $cs a.csv
      same_file "$WORK/out" d.csv "seed $seed, dedupe -j$j --chunk-size $cs"
    done
  done
  gzip -nc a.csv >a.csv.gz
  expect_exit 0 "$CSVBLOOM" dedupe "${ropt[@]}" -q --key key --capacity 2000 --fpr 0.01 -j2 a.csv.gz
  same_file "$WORK/out" d.csv "seed $seed, a.csv.gz"
done

# ---- many runs in one batch: the rows are written from the batch itself ----
# (Output::write_lent: more pieces than one writev takes, IOV_MAX = 1024),
# to a file and to a pipe, in order, against awk on plain CSV.
python3 -c '
with open("runs.csv", "w") as f:
    f.write("id,key\n")
    for i in range(30000):
        f.write(f"{i},k{i // 2 if i % 3 else i}\n")
'
awk -F, '!seen[$2]++' runs.csv >runs_want.csv
expect_exit 0 "$CSVBLOOM" dedupe -q --key key -o runs_got.csv runs.csv
same_file runs_got.csv runs_want.csv "dedupe of 30,000 rows in one batch, to a file"
"$CSVBLOOM" dedupe -q --key key -j2 runs.csv | cat >runs_piped.csv
same_file runs_piped.csv runs_want.csv "dedupe of 30,000 rows in one batch, to a pipe"

# ---- --filter and --save: today's run goes on from yesterday's ----
python3 "$ORACLE" gen 21 day1.csv --rows 2000
python3 "$ORACLE" gen 22 day2.csv --rows 2000
python3 - <<'EOF'
# day2 under day1's header (the generator's header line can differ in its line end).
import re
a, b = open("day1.csv", "rb").read(), open("day2.csv", "rb").read()
def header_end(x):
    return re.compile(rb"\r\n|\n|\r").search(x, 3 if x.startswith(b"\xef\xbb\xbf") else 0).end()
open("day2.csv", "wb").write(a[:header_end(a)] + b[header_end(b):])
EOF
expect_exit 0 "$CSVBLOOM" dedupe -q --key key --capacity 10000 -o both.csv day1.csv day2.csv
expect_exit 0 "$CSVBLOOM" dedupe -q --key key --capacity 10000 --save seen.bloom -o d1.csv day1.csv
cp seen.bloom seen.orig
expect_exit 0 "$CSVBLOOM" dedupe -q --filter seen.bloom -o d2.csv day2.csv
same_file seen.bloom seen.orig "--filter without --save modified the filter"
expect_exit 0 python3 "$ORACLE" check dedupe both.csv day1.csv day2.csv --fpr 1e-6
expect_exit 0 python3 "$ORACLE" check dedupe d1.csv day1.csv --fpr 1e-6
# Chained, the two runs print what one run over both days prints: d2 holds
# day2's records whose key neither day1 nor an earlier day2 record had.
expect_exit 0 python3 - <<'EOF'
import re
def body(name):
    x = open(name, "rb").read()
    return x[re.compile(rb"\r\n|\n|\r").search(x, 0).end():]
assert body("d1.csv") + body("d2.csv") == body("both.csv"), "chained runs differ from one run"
EOF
expect_exit 0 "$CSVBLOOM" dedupe -q --filter seen.bloom --save seen.bloom -o d2b.csv day2.csv
same_file d2b.csv d2.csv "--save SEEN: the same rows"
different_file seen.bloom seen.orig "--save SEEN did not update it"
expect_exit 0 "$CSVBLOOM" dedupe -q --key key --capacity 10000 --save all.bloom -o all-rows.csv day1.csv day2.csv
same_file seen.bloom all.bloom "two runs chained vs one run: the saved filters"
# Flags the filter fixes are refused with --filter.
expect_exit 2 "$CSVBLOOM" dedupe --filter seen.bloom --capacity 5 day2.csv
expect_err_contains "--capacity"

# ---- empty keys are all kept; the header once ----
printf 'id,key\n1,a\n2,\n3,a\n4,""\n' >e1.csv
printf 'id,key\r\n5,\r\n6,b\r\n7,a' >e2.csv
expect_exit 0 "$CSVBLOOM" dedupe -q --key key e1.csv e2.csv
printf 'id,key\n1,a\n2,\n4,""\n5,\r\n6,b\r\n' >want.csv
same_file "$WORK/out" want.csv "empty keys, header once"
expect_exit 0 "$CSVBLOOM" dedupe -q --key key --capacity 100 e1.csv - <e2.csv
same_file "$WORK/out" want.csv "stdin input"

# ---- bad input: exit 2, one message naming the file, nothing written ----
echo precious >keep.csv
cp keep.csv keep.orig
cp seen.bloom save.bloom
cp save.bloom save.orig
bad_run() {  # bad_run WHAT NAME ARGS...
  local what=$1 name=$2; shift 2
  expect_exit 2 "$CSVBLOOM" dedupe -o keep.csv --save save.bloom "$@"
  expect_err_contains "$name"
  same_file keep.csv keep.orig "dedupe -o after $what"
  same_file save.bloom save.orig "dedupe --save after $what"
  no_temp_files .
}
head -c 100 seen.bloom >truncated.bloom
bad_run "a truncated filter" truncated.bloom --filter truncated.bloom day2.csv
cp seen.bloom corrupt.bloom
printf '\xff\xff' | dd of=corrupt.bloom bs=1 seek=200 conv=notrunc 2>/dev/null
bad_run "a corrupt filter" corrupt.bloom --filter corrupt.bloom day2.csv
printf 'id,key,more\n9,z,z\n' >other-header.csv
bad_run "a header that differs" other-header.csv --key key e1.csv other-header.csv
printf 'id,mail\n9,z\n' >no-key.csv
bad_run "a missing key column" no-key.csv --key key no-key.csv
bad_run "--key count" seen.bloom --filter seen.bloom --key a --key b day2.csv
printf 'id,key\n1,a\n2,"open\n' >bad-row.csv
bad_run "a bad row" bad-row.csv --key key e1.csv bad-row.csv
finish
