# Errors a user can cause: absurd options (exit 2, a short clear message,
# nothing written), bad CSV (exit 2 naming file:line), --on-error skip,
# unusable inputs (all listed, before any work), and --help.
source "$(dirname "$0")/lib.sh"

printf 'id,email\n1,a@example.org\n2,b@example.org\n' >ok.csv

# ---- absurd options ----
# absurd WORD ARGS...: `build ARGS` exits 2 with one short error line that
# mentions WORD, and writes nothing.
absurd() {
  local word=$1; shift
  expect_exit 2 "$CSVBLOOM" build -o absurd.bloom "$@"
  expect_err_contains "$word"
  check "[ \$(grep -c 'error' '$WORK/err') -eq 1 ] && [ \$(head -1 '$WORK/err' | wc -c) -lt 240 ]" \
    "build $*: not one short error line: $(head -c 400 "$WORK/err")"
  check "[ ! -e absurd.bloom ]" "build $* wrote absurd.bloom"
  no_temp_files .
}
absurd "--fpr" --fpr 0 ok.csv
absurd "--fpr" --fpr 1 ok.csv
absurd "--fpr" --fpr 1.5 ok.csv
absurd "--fpr" --fpr -0.01 ok.csv
absurd "--fpr" --fpr nan ok.csv
absurd "--fpr" --fpr inf ok.csv
absurd "--fpr" --fpr 0.01x ok.csv
absurd "--capacity" --capacity 0 ok.csv
absurd "--capacity" --capacity -3 ok.csv
absurd "--capacity" --capacity lots ok.csv
absurd "--threads" -j 0 ok.csv
absurd "--threads" -j 100000 ok.csv
absurd "--readers" --readers 0 ok.csv
absurd "--workers" --workers -1 ok.csv
absurd "--key" --key 0 ok.csv
absurd "--key" --key "" ok.csv
absurd "key column 99 is out of range" --key 99 ok.csv
absurd "no column 'mail'" --key mail ok.csv
absurd "--bits" --bits 1000 ok.csv
absurd "--bits" --bits 0 --hashes 3 ok.csv
absurd "--hashes" --hashes 3 ok.csv
absurd "--hashes" --bits 4096 --hashes 0 ok.csv
absurd "--hashes" --bits 4096 --hashes 33 ok.csv
absurd "--layout" --layout bushy ok.csv
absurd "--on-error" --on-error ignore ok.csv
absurd "--chunk-size" --chunk-size 0 ok.csv
absurd "--max-record-bytes" --max-record-bytes 0 ok.csv
absurd "--delimiter" --delimiter ab ok.csv
absurd "--delimiter" --delimiter '"' ok.csv
absurd "--delimiter" --delimiter $'\n' ok.csv
absurd "--no-header" --no-header --key email ok.csv
absurd "2^46 bits" --capacity 1000000000000000 --fpr 0.000001 ok.csv
absurd "give CSV files"
expect_exit 2 "$CSVBLOOM" build ok.csv
expect_err_contains "--output"
# Standard input read twice: as the list of files and as an input.
absurd "standard input" --capacity 10 --files-from - - </dev/null
# Unknown options and subcommands.
expect_exit 2 "$CSVBLOOM" build -o x.bloom --no-such-flag ok.csv
expect_err_contains "--no-such-flag"
expect_exit 2 "$CSVBLOOM" frobnicate
expect_exit 2 "$CSVBLOOM"
expect_exit 2 "$CSVBLOOM" query --absent
check "[ ! -e x.bloom ]" "x.bloom was written"

# ---- bad CSV: file and line ----
# Line 5 starts the record with the unterminated quote (the header and a
# quoted newline come before it).
printf 'id,email\n1,"a@x\nstill a@x"\n2,b@x\n3,"never closed\n4,d@x\n' >unterminated.csv
expect_exit 2 "$CSVBLOOM" build -o u.bloom --key email --capacity 10 unterminated.csv
expect_err_contains "unterminated.csv:5:"
expect_err_contains "unterminated quote"
check "[ ! -e u.bloom ]" "u.bloom was written"
# The same line whatever the thread count and chunk size.
for opts in "-j1" "-j4 --chunk-size 16" "-j2 --chunk-size 20"; do
  # shellcheck disable=SC2086
  expect_exit 2 "$CSVBLOOM" build -o u.bloom --key email --capacity 10 $opts unterminated.csv
  expect_err_contains "unterminated.csv:5:"
done
printf 'id,email\r\n1,a@x\r\n"2\r\nstill 2",b@x\r\n3\r\n4,d@x,extra\r\n' >ragged.csv
expect_exit 2 "$CSVBLOOM" build -o r.bloom --key email --capacity 10 ragged.csv
expect_err_contains "ragged.csv:5: record has 1 field"
# The header's own quoted newline counts.
printf '"i\nd",email\n1,a@x\n2\n' >header.csv
expect_exit 2 "$CSVBLOOM" build -o h.bloom --key email --capacity 10 header.csv
expect_err_contains "header.csv:4:"
# Bad rows on stdin are named <stdin>.
expect_exit 2 "$CSVBLOOM" build -o s.bloom --key email --capacity 10 - <ragged.csv
expect_err_contains "<stdin>:5:"

# ---- --on-error skip: a summary and the first bad rows ----
expect_exit 0 "$CSVBLOOM" build -o r.bloom --key email --capacity 10 --on-error skip ragged.csv unterminated.csv
expect_err_contains "(3 bad rows, 0 empty keys)"
expect_err_contains "skipped bad row: ragged.csv:5: record has 1 field"
expect_err_contains "skipped bad row: ragged.csv:6: record has 3 fields, the header has 2 (--allow-ragged accepts this)"
expect_err_contains "skipped bad row: unterminated.csv:5: unterminated quote"
check "[ -s r.bloom ]" "r.bloom missing after --on-error skip"
expect_exit 0 "$CSVBLOOM" query r.bloom a@x b@x d@x
expect_out_equals $'a@x\nb@x'
# The same in --stats-json.
expect_exit 0 "$CSVBLOOM" build -q -o r.bloom --key email --capacity 10 --on-error skip --stats-json skip.json \
  ragged.csv unterminated.csv
check "[ \"\$(json_get skip.json '[(b[\"file\"], b[\"line\"]) for b in j[\"first_bad_rows\"]], j[\"bad_rows\"], j[\"rows\"]')\" = \"([('ragged.csv', 5), ('ragged.csv', 6), ('unterminated.csv', 5)], 3, 7)\" ]" \
  "skip.json: $(head -c 400 skip.json)"
# More than ten bad rows: the first ten and the total.
python3 -c '
print("id,email")
for i in range(25): print(f"{i},k{i}@x" if i % 2 else f"{i}")' >many_bad.csv
expect_exit 0 "$CSVBLOOM" build -o m.bloom --key email --capacity 100 --on-error skip -j3 --chunk-size 16 many_bad.csv
check "[ \$(grep -c 'skipped bad row' '$WORK/err') -eq 10 ]" "not ten bad rows reported: $(cat "$WORK/err")"
expect_err_contains "skipped bad row: many_bad.csv:2:"
expect_err_contains "skipped bad row: many_bad.csv:20:"
expect_err_contains "13 bad rows skipped in all"
expect_err_contains "25 rows, 12 keys inserted (13 bad rows, 0 empty keys)"
# --allow-ragged keeps rows with extra fields.
expect_exit 0 "$CSVBLOOM" build -q -o ar.bloom --key email --capacity 10 --allow-ragged --on-error skip ragged.csv
expect_exit 0 "$CSVBLOOM" query --count ar.bloom a@x b@x d@x
expect_out_equals "3"

# ---- unusable inputs: every one listed, before any work ----
printf 'id,mail\n1,x\n' >nocol.csv
mkdir -p adir/sub
cp nocol.csv adir/sub/nocol2.csv  # directories expand to the CSV files below them
expect_exit 2 "$CSVBLOOM" build -o in.bloom --key email --capacity 10 missing1.csv ok.csv adir nocol.csv missing2.csv
expect_err_contains "4 inputs can't be used"
expect_err_contains "missing1.csv: No such file or directory"
expect_err_contains "missing2.csv: No such file or directory"
expect_err_contains "adir/sub/nocol2.csv: no column 'email'"
expect_err_contains "nocol.csv: no column 'email' in the header (columns: id, mail)"
expect_err_lacks "ok.csv"
check "[ ! -e in.bloom ]" "in.bloom was written"
no_temp_files .
# ... also when the build would size the filter from the inputs (no --capacity).
expect_exit 2 "$CSVBLOOM" build -o in.bloom --key email missing1.csv ok.csv missing2.csv
expect_err_contains "missing1.csv"
expect_err_contains "missing2.csv"
# Unreadable files (as an ordinary user: root reads anything).
if unprivileged "$CSVBLOOM" --version >/dev/null 2>&1; then
  mkdir -p pub && chmod 1777 pub
  cp ok.csv secret.csv && chmod 000 secret.csv
  expect_exit 2 unprivileged "$CSVBLOOM" build -o pub/in.bloom --key email --capacity 10 secret.csv missing1.csv ok.csv
  expect_err_contains "2 inputs can't be used"
  expect_err_contains "secret.csv: Permission denied"
  expect_err_contains "missing1.csv"
  check "[ ! -e pub/in.bloom ]" "pub/in.bloom was written"
  no_temp_files pub
  expect_exit 2 unprivileged "$CSVBLOOM" build -o pub/in.bloom --key email secret.csv  # sizing from the inputs
  expect_err_contains "secret.csv: Permission denied"
  expect_exit 0 "$CSVBLOOM" build -q -o secret.bloom --key email --capacity 10 ok.csv
  chmod 000 secret.bloom
  expect_exit 2 unprivileged "$CSVBLOOM" query secret.bloom a@example.org
  expect_err_contains "secret.bloom"
  expect_err_contains "Permission denied"
  expect_exit 2 unprivileged "$CSVBLOOM" info secret.bloom
  expect_err_contains "Permission denied"
else
  echo "note: can't run as an ordinary user: unreadable-input checks skipped"
fi
expect_exit 2 "$CSVBLOOM" build -o in.bloom --key email --capacity 10 --files-from no-such-list.txt
expect_err_contains "no-such-list.txt"

# ---- --help: exit 0, every option mentioned ----
expect_exit 0 "$CSVBLOOM" --help
for sub in build query info merge; do expect_out_contains "$sub"; done
expect_exit 0 "$CSVBLOOM" build --help
for opt in --output --files-from --key --no-header --delimiter --tsv --trim --lowercase --capacity --fpr --bits \
           --hashes --layout --seed --on-error --allow-ragged --max-record-bytes --threads --readers --workers \
           --chunk-size --queue-batches --stats-json --no-progress --quiet --verbose; do
  expect_out_contains "$opt"
done
expect_exit 0 "$CSVBLOOM" query --help
for opt in --null --absent --count --silent --no-verify "Exit status"; do expect_out_contains "$opt"; done
expect_exit 0 "$CSVBLOOM" info --help
expect_out_contains "--json"
expect_exit 0 "$CSVBLOOM" merge --help
for opt in --output --quiet; do expect_out_contains "$opt"; done
expect_exit 0 "$CSVBLOOM" --version
expect_out_contains "csvbloom "

finish
