# Inputs that mix dialects, and the hints about keys (issue 13): without
# --delimiter, *.tsv files are tab-separated and *.csv files comma-separated,
# file by file (also compressed, and in select); --tsv applies to every file;
# an empty standard input where a header is expected is an error, as an
# empty file is; keys with outer spaces get a --trim hint.
source "$(dirname "$0")/lib.sh"

mkdir mixed
printf 'id,email\n1,comma@example.org\n' > mixed/a.csv
printf 'id\temail\n2\ttab@example.org\n' > mixed/b.tsv
printf 'id\temail\n3\tzipped@example.org\n' | gzip > mixed/c.tsv.gz
expect_exit 0 "$CSVBLOOM" build -q -o m.bloom --key email --capacity 100 mixed
for k in comma@example.org tab@example.org zipped@example.org; do
  expect_exit 0 "$CSVBLOOM" query -s m.bloom "$k"
done
"$CSVBLOOM" info --json m.bloom > info.json
check '[ "$(json_get info.json "j[\"keys_inserted\"]")" = 3 ]' "a directory of .csv, .tsv and .tsv.gz: 3 keys"

# --tsv applies to every file: then the .csv's header has no 'email' column.
expect_exit 2 "$CSVBLOOM" build -q -o t.bloom --key email --capacity 100 --tsv mixed
expect_err_contains "a.csv"

# select reads each input in its own dialect too, and prints rows as they were.
"$CSVBLOOM" build -q -o one.bloom --key email --capacity 100 mixed/a.csv
expect_exit 0 "$CSVBLOOM" select --absent one.bloom mixed/b.tsv
expect_out_equals "$(printf 'id\temail\n2\ttab@example.org')"

# An empty standard input where a header is expected is an error naming it.
expect_exit 2 "$CSVBLOOM" build -q -o e.bloom --key email --capacity 10 - < /dev/null
expect_err_contains "header is expected"
check '[ ! -e e.bloom ]' "empty stdin: no output written"
expect_exit 0 "$CSVBLOOM" build -q -o e.bloom --no-header --key 1 --capacity 10 - < /dev/null

# Keys with leading or trailing spaces: the summary suggests --trim.
printf 'id,org\n1,Acme \n2, Globex\n3,Initech\n' > spaces.csv
expect_exit 0 "$CSVBLOOM" build -o s.bloom --key org --capacity 10 spaces.csv
expect_err_matches "2 keys .*--trim"
expect_exit 0 "$CSVBLOOM" build -o s2.bloom --key org --trim --capacity 10 spaces.csv
expect_err_lacks "--trim"

finish
