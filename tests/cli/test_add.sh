# `csvbloom add`: a filter plus new files is byte-identical to one build over
# the old and new files with the same explicit parameters (plain, gzip, any
# -j and chunk size); -o leaves FILTER alone; a filling filter warns; bad
# input exits 2 naming the file and leaves FILTER (and -o) as they were.
source "$(dirname "$0")/lib.sh"
ORACLE="$SRC/tests/tools/rows_oracle.py"
python3 "$ORACLE" gen 31 a.csv --rows 3000
python3 "$ORACLE" gen 32 b.csv --rows 3000 --cols 4 --no-final-newline
python3 "$ORACLE" gen 33 c.csv --rows 1000
params=(--key key --capacity 20000 --fpr 0.001)
expect_exit 0 "$CSVBLOOM" build -q -o all.bloom "${params[@]}" a.csv b.csv c.csv
expect_exit 0 "$CSVBLOOM" build -q -o base.bloom "${params[@]}" a.csv
cp base.bloom base.orig

# -o: FILTER untouched, OUT the one build.
expect_exit 0 "$CSVBLOOM" add -q -o out.bloom base.bloom b.csv c.csv
same_file out.bloom all.bloom "add -o vs one build"
same_file base.bloom base.orig "add -o modified FILTER"
# In place, in two steps, with other thread splits and chunk sizes.
cp base.bloom acc.bloom
expect_exit 0 "$CSVBLOOM" add -q -j7 --chunk-size 16 acc.bloom b.csv
expect_exit 0 "$CSVBLOOM" add -q -j1 acc.bloom c.csv
same_file acc.bloom all.bloom "add twice in place vs one build"
no_temp_files .
# gzip inputs, and a directory.
gzip -nc b.csv >b.csv.gz
gzip -nc c.csv >c.csv.gz
expect_exit 0 "$CSVBLOOM" add -q -j2 -o gz.bloom base.bloom b.csv.gz c.csv.gz
same_file gz.bloom all.bloom "add of .gz inputs vs one build"
expect_exit 0 "$CSVBLOOM" build -q -o allgz.bloom "${params[@]}" a.csv b.csv.gz c.csv.gz
same_file allgz.bloom all.bloom "build over .gz inputs"
# The summary goes to stderr; --stats-json names the target.
expect_exit 0 "$CSVBLOOM" add -o s.bloom --stats-json s.json base.bloom b.csv
check "[ \"\$(json_get s.json \"j['output']\")\" = s.bloom ]" "--stats-json output is not s.bloom"
# --key renames: inputs that call the column "mail".
sed '1s/key/mail/' c.csv >c-mail.csv
expect_exit 0 "$CSVBLOOM" build -q -o ab.bloom "${params[@]}" a.csv b.csv
expect_exit 0 "$CSVBLOOM" add -q -o renamed.bloom --key mail ab.bloom c-mail.csv
same_file renamed.bloom all.bloom "add --key mail"

# ---- a filter filling past its target warns ----
expect_exit 0 "$CSVBLOOM" build -q -o tiny.bloom --key key --capacity 100 --fpr 0.01 c.csv
expect_exit 0 "$CSVBLOOM" add tiny.bloom a.csv b.csv
expect_err_contains "exceeds the filter's target"
expect_err_contains "rebuild it larger"

# ---- bad input: exit 2, one message naming the file, FILTER and -o untouched ----
cp base.bloom keep.bloom  # a filter: -o may replace it, and must not on failure
cp keep.bloom keep.orig
bad_add() {  # bad_add WHAT NAME ARGS...
  local what=$1 name=$2; shift 2
  expect_exit 2 "$CSVBLOOM" add "$@"
  expect_err_contains "$name"
  same_file base.bloom base.orig "FILTER after add with $what"
  same_file keep.bloom keep.orig "-o after add with $what"
  no_temp_files .
}
head -c 100 base.bloom >truncated.bloom
bad_add "a truncated filter" truncated.bloom -o keep.bloom truncated.bloom b.csv
cp base.bloom corrupt.bloom
printf '\xff\xff' | dd of=corrupt.bloom bs=1 seek=200 conv=notrunc 2>/dev/null
bad_add "a corrupt filter" corrupt.bloom -o keep.bloom corrupt.bloom b.csv
printf 'id,mail\n1,x\n' >no-key.csv
bad_add "a missing key column (in place)" no-key.csv base.bloom b.csv no-key.csv
bad_add "a missing key column (-o)" no-key.csv -o keep.bloom base.bloom no-key.csv
bad_add "--key count" base.bloom -o keep.bloom --key a --key b base.bloom b.csv
# -o naming a file that is not a filter needs --force, as for build.
echo precious >precious.txt
cp precious.txt precious.orig
expect_exit 2 "$CSVBLOOM" add -o precious.txt base.bloom b.csv
expect_err_contains "--force"
same_file precious.txt precious.orig "-o that is not a filter, without --force"
expect_exit 0 "$CSVBLOOM" add -q --force -o precious.txt base.bloom b.csv
expect_exit 0 "$CSVBLOOM" info precious.txt
printf 'id,key\n1,x\n2,"open\n' >bad-row.csv
bad_add "a bad row" bad-row.csv base.bloom b.csv bad-row.csv
bad_add "a missing input" nope.csv base.bloom nope.csv
finish
