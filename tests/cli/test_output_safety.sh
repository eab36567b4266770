# Issue 13, "a filter is replaced only by a filter at least as trustworthy" and
# "outputs that can't destroy inputs": with a good filter in place, each
# mistake below exits 2 and leaves every old output byte-identical (and no
# temp file). Each block names the issue's table row or item it covers; every
# one of them failed on the binary of 2026-12-04, commit 7ea6f7b.
source "$(dirname "$0")/lib.sh"

printf 'id,name,email\n1,Ada,ada@example.org\n2,Bob,bob@example.org\n' >airports.csv
: >empty.csv
printf 'id,name\n' >header_only.csv
expect_exit 0 "$CSVBLOOM" build -q -o prod.bloom --key name --capacity 100 airports.csv
cp prod.bloom prod.orig
unchanged() {
  same_file prod.bloom prod.orig "prod.bloom after $1"
  no_temp_files .
}

# ---- row: a 0-byte input where a header is expected ----
expect_exit 2 "$CSVBLOOM" build -q -o prod.bloom --key no_such_column --capacity 10 empty.csv
expect_err_contains "empty.csv"
expect_err_contains "header is expected"
unchanged "a 0-byte input"
expect_exit 2 "$CSVBLOOM" build -q -o prod.bloom --key name --capacity 10 airports.csv empty.csv
expect_err_contains "empty.csv"
unchanged "a 0-byte input among good ones"
# With --no-header an empty file is no error (it adds no keys).
expect_exit 0 "$CSVBLOOM" build -q -o nh.bloom --no-header --key 2 --capacity 10 airports.csv empty.csv

# ---- a build that inserted no key doesn't replace an existing output ----
expect_exit 2 "$CSVBLOOM" build -q -o prod.bloom --key name --capacity 10 header_only.csv
expect_err_contains "no key was inserted"
expect_err_contains "--allow-empty"
unchanged "a build that inserted no key"
expect_exit 0 "$CSVBLOOM" build --no-progress -o fresh.bloom --key name --capacity 10 header_only.csv  # nothing to protect
expect_err_contains "no key was inserted"
cp prod.orig p2.bloom
expect_exit 0 "$CSVBLOOM" build -q -o p2.bloom --allow-empty --key name --capacity 10 header_only.csv
different_file p2.bloom prod.orig "--allow-empty replaces"

# ---- row: --stats-json that can't be written ----
expect_exit 2 "$CSVBLOOM" build -q -o prod.bloom --key email --capacity 10 --stats-json /dev/full airports.csv
expect_err_contains "/dev/full"
unchanged "--stats-json /dev/full"
mkdir -p nodir
expect_exit 2 "$CSVBLOOM" build -q -o prod.bloom --key email --capacity 10 --stats-json missing/s.json airports.csv
expect_err_contains "missing/s.json"
unchanged "--stats-json in a missing directory"
# Both outputs are replaced when all went well; a failing build keeps both.
expect_exit 0 "$CSVBLOOM" build -q -o both.bloom --key email --capacity 10 --stats-json both.json airports.csv
cp both.bloom both.bloom.orig && cp both.json both.json.orig
expect_exit 2 "$CSVBLOOM" build -q -o both.bloom --key nope --capacity 10 --stats-json both.json airports.csv
same_file both.bloom both.bloom.orig "the filter after a failed build with --stats-json"
same_file both.json both.json.orig "the stats after a failed build"

# ---- row: -o naming an input ----
cp airports.csv a.csv
expect_exit 2 "$CSVBLOOM" build -q -o a.csv --key name --capacity 10 a.csv
expect_err_contains "is also an input"
same_file a.csv airports.csv "the input named by -o"
expect_exit 2 "$CSVBLOOM" build -q -o ./a.csv --key name --capacity 10 --force .
expect_err_contains "is also an input"
same_file a.csv airports.csv "the input named by -o, through a directory and --force"
rm a.csv

# ---- overwriting a file that is not a csvbloom filter needs --force ----
echo "precious notes" >notes.txt
cp notes.txt notes.orig
expect_exit 2 "$CSVBLOOM" build -q -o notes.txt --key name --capacity 10 airports.csv
expect_err_contains "--force"
same_file notes.txt notes.orig "a non-filter output without --force"
expect_exit 2 "$CSVBLOOM" merge -q -o notes.txt prod.bloom
same_file notes.txt notes.orig "a non-filter merge output without --force"
expect_exit 0 "$CSVBLOOM" build -q -o notes.txt --force --key name --capacity 100 airports.csv
same_file notes.txt prod.orig "--force replaces it"
: >zero.bloom  # an empty file holds nothing to lose (make's `touch`)
expect_exit 0 "$CSVBLOOM" build -q -o zero.bloom --key name --capacity 100 airports.csv

# ---- -o - writes the filter to stdout ----
expect_exit 0 "$CSVBLOOM" build -q -o - --key name --capacity 100 airports.csv
same_file "$WORK/out" prod.orig "-o - on stdout"
check "[ ! -e ./- ]" "-o - created a file named -"
expect_exit 2 "$CSVBLOOM" build -q -o - --stats-json - --key name --capacity 100 airports.csv

# "-" is standard output for every filter output that can take it (merge -o,
# dedupe --save with the rows in -o), and refused where it can't be (add -o,
# --save with the rows on stdout): until 2026-12-05 (commit 234760c) all
# three wrote a file called "-" and exited 0.
expect_exit 0 "$CSVBLOOM" merge -q -o - prod.bloom
same_file "$WORK/out" prod.orig "merge -o - on stdout"
printf 'id,name,email\n1,Ada,a@x\n2,Ada,b@x\n' >dupnames.csv
"$CSVBLOOM" dedupe -q --key name --capacity 10 --save saved.bloom -o rows.csv dupnames.csv
expect_exit 0 "$CSVBLOOM" dedupe -q --key name --capacity 10 --save - -o rows2.csv dupnames.csv
same_file "$WORK/out" saved.bloom "dedupe --save - on stdout"
same_file rows2.csv rows.csv "dedupe's rows with --save -"
expect_exit 2 "$CSVBLOOM" dedupe -q --key name --capacity 10 --save - dupnames.csv
expect_err_contains "carries the rows"
expect_exit 2 "$CSVBLOOM" dedupe -q --key name --capacity 10 --save - --stats-json - -o rows3.csv dupnames.csv
expect_err_contains "--save - already writes the filter"
expect_exit 2 "$CSVBLOOM" add -q -o - prod.bloom airports.csv
expect_err_contains "./- for a file called '-'"
unchanged "add -o -"
check "[ ! -e ./- ] && [ ! -e rows3.csv ]" "a file called - (or rows3.csv) was written"

# ---- a replaced output keeps its permission bits ----
cp prod.orig perm.bloom && chmod 640 perm.bloom
expect_exit 0 "$CSVBLOOM" build -q -o perm.bloom --key email --capacity 100 airports.csv
check "[ \"\$(stat -c %a perm.bloom)\" = 640 ]" "chmod 640 filter came back $(stat -c %a perm.bloom)"
chmod 600 perm.bloom
expect_exit 0 "$CSVBLOOM" merge -q -o perm.bloom perm.bloom
check "[ \"\$(stat -c %a perm.bloom)\" = 600 ]" "merge: chmod 600 filter came back $(stat -c %a perm.bloom)"

# ---- no output over an input it would destroy, or over another output ----
# (each line but one exited 0 and lost a file on the binary of 2026-12-05,
# commit 234760c)
cp airports.csv in.csv && cp airports.csv in.orig
clash() {  # clash MESSAGE ARGS...: exit 2 naming the clash; inputs, filter and no other file touched
  local msg=$1
  shift
  rm -f new.out new.json
  cp in.orig in.csv && cp prod.orig prod.bloom  # each line on its own, whatever the one before did
  expect_exit 2 "$CSVBLOOM" "$@"
  expect_err_contains "$msg"
  same_file in.csv in.orig "in.csv after: $*"
  unchanged "$*"
  check "[ ! -e new.out ] && [ ! -e new.json ]" "an output was written by: $*"
}
clash "is also an input" dedupe -q --key name --save in.csv in.csv
clash "is also an input" dedupe -q --key name --stats-json ./in.csv in.csv
clash "is also --output" dedupe -q --key name --save new.out -o ./new.out in.csv
clash "is also --output" dedupe -q --key name --stats-json new.out -o new.out in.csv
clash "is also --save" dedupe -q --key name --stats-json new.out --save new.out in.csv
clash "is also --filter" dedupe -q --filter prod.bloom -o prod.bloom in.csv
clash "is also --filter" dedupe -q --filter prod.bloom --stats-json prod.bloom in.csv
clash "is also --output" build -q --key name --capacity 10 --stats-json new.out -o new.out in.csv
clash "is also an input" build -q --key name --capacity 10 --stats-json in.csv -o new.out in.csv
clash "is also the filter" select -o prod.bloom prod.bloom in.csv
clash "is also the filter" add -q --stats-json prod.bloom prod.bloom in.csv
clash "is also an input" add -q --stats-json in.csv prod.bloom in.csv
clash "is also --output" add -q -o new.out --stats-json new.out prod.bloom in.csv
cp in.orig in.csv && cp prod.orig prod.bloom
# What stays allowed: rows in place (every input is read before the rename),
# --save over --filter, add and merge in place.
expect_exit 0 "$CSVBLOOM" dedupe -q --key name -o in.csv in.csv
same_file in.csv in.orig "dedupe in place of a file without duplicates"
cp prod.bloom seen.bloom
expect_exit 0 "$CSVBLOOM" dedupe -q --filter seen.bloom --save seen.bloom -o new.out in.csv
expect_exit 0 "$CSVBLOOM" select -q -o in.csv prod.bloom in.csv
same_file in.csv in.orig "select in place of rows that are all in the filter"

# ---- issue 12: a missing output directory names the output given ----
expect_exit 2 "$CSVBLOOM" build -q -o some/missing/dir/f.bloom --key name --capacity 10 airports.csv
expect_err_contains "some/missing/dir/f.bloom"
finish
