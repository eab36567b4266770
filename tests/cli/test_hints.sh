# Issue 13, "hints where users go wrong" and "small things": did-you-mean for
# --key names, =2020 for a number the header names, the delimiter suggested
# when the key column is missing from a header holding tabs, ';' or '|', a
# warning for a one-field header that holds one, --capacity with K/M/G, a
# --capacity 1,000x the rows that makes a filter over 1 GiB needs --force,
# plurals, the summary's bytes as the progress line counts them, `info` of
# several filters, --files-from -0. Each failed on 2026-12-04, commit 7ea6f7b.
source "$(dirname "$0")/lib.sh"

printf 'id,Email,2020\n1,a@example.org,x\n' >people.csv
printf 'id;email\n1;a@example.org\n' >semi.csv

# ---- did you mean ----
expect_exit 2 "$CSVBLOOM" build -q -o o.bloom --key email --capacity 10 people.csv
expect_err_contains "did you mean 'Email'?"
expect_exit 2 "$CSVBLOOM" build -q -o o.bloom --key Emial --capacity 10 people.csv
expect_err_contains "did you mean 'Email'?"
expect_exit 2 "$CSVBLOOM" build -q -o o.bloom --key zzzzzz --capacity 10 people.csv
expect_err_lacks "did you mean"
# ---- --key 2020 is an index; the header names a column 2020 ----
expect_exit 2 "$CSVBLOOM" build -q -o o.bloom --key 2020 --capacity 10 people.csv
expect_err_contains "=2020"
expect_exit 0 "$CSVBLOOM" build -q -o o.bloom --key =2020 --capacity 10 people.csv
# ---- the delimiter suggested ----
expect_exit 2 "$CSVBLOOM" build -q -o o.bloom --key email --capacity 10 semi.csv
expect_err_contains "--delimiter ';'"
printf 'id\temail\n1\ta@example.org\n' >tabs.csv
expect_exit 2 "$CSVBLOOM" build -q -o o.bloom --key email --capacity 10 tabs.csv
expect_err_contains "--tsv"
# Without --key: a one-field header holding ';' warns.
expect_exit 0 "$CSVBLOOM" build --no-progress -o o.bloom --capacity 10 semi.csv
expect_err_contains "warning: semi.csv: the first line is one field"
expect_err_contains "--delimiter ';'"
expect_exit 0 "$CSVBLOOM" build --no-progress -o o.bloom --capacity 10 people.csv
expect_err_lacks "one field"

# ---- --capacity takes K, M, G (x1024, as --chunk-size) ----
expect_exit 0 "$CSVBLOOM" build -q -o k.bloom --key id --capacity 1K people.csv
expect_exit 0 "$CSVBLOOM" build -q -o n.bloom --key id --capacity 1024 people.csv
same_file k.bloom n.bloom "--capacity 1K and 1024"
# ---- a --capacity 1,000x the rows, making a filter over 1 GiB, needs --force ----
expect_exit 2 "$CSVBLOOM" build -q -o big.bloom --key id --capacity 1G people.csv
expect_err_contains "--force"
check "[ ! -e big.bloom ]" "big.bloom was written"
# (with --force it would allocate and write over 1 GiB: not run here.)

# ---- plurals, and the summary's bytes as the progress line counts them ----
expect_exit 0 "$CSVBLOOM" build --no-progress -o o.bloom --key id --capacity 10 people.csv
expect_err_contains ": 1 file, "
expect_err_contains ", 1 row, 1 key inserted (0 bad rows, 0 empty keys)"
if command -v gzip >/dev/null; then
  python3 -c '
with open("many.csv", "w") as f:
    f.write("id\n")
    for i in range(20000): f.write(f"{i}\n")'
  gzip -k many.csv
  expect_exit 0 "$CSVBLOOM" build --no-progress -o g.bloom --key id --capacity 20000 many.csv.gz
  expect_err_matches ": 1 file, [0-9.]+ KiB \([0-9.]+ KiB decoded\)"
fi

# ---- info takes several filters ----
expect_exit 0 "$CSVBLOOM" info k.bloom o.bloom
check "[ \$(grep -c '^file:' \"$WORK/out\") -eq 2 ]" "info of two filters: $(head -c 200 "$WORK/out")"
expect_exit 0 "$CSVBLOOM" info --json k.bloom o.bloom
check "[ \"\$(json_get \"$WORK/out\" 'len(j)')\" = 2 ]" "info --json of two filters is not an array of 2"
expect_exit 2 "$CSVBLOOM" info k.bloom missing.bloom
expect_err_contains "missing.bloom"

# ---- --files-from -0 ----
mkdir -p 'odd dir'
printf 'id\n1\n' >'odd dir/a
b.csv'
printf 'id\n2\n' >plain.csv
printf 'odd dir/a\nb.csv\0plain.csv\0' >list0
expect_exit 0 "$CSVBLOOM" build -q -o l.bloom --key id --capacity 10 --files-from list0 -0
expect_exit 0 "$CSVBLOOM" query l.bloom 1 2
expect_out_equals $'1\n2'
expect_exit 0 bash -c "find . -name '*.csv' -path './odd*' -print0 | '$CSVBLOOM' build -q -o l2.bloom --key id --capacity 10 --files-from - -0"
expect_exit 0 "$CSVBLOOM" query l2.bloom 1
expect_exit 2 "$CSVBLOOM" build -q -o l3.bloom --key id --capacity 10 -0 plain.csv
finish
