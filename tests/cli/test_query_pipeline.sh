# Issue 13, "query as a pipeline citizen": exit codes as grep's (0 when a key
# was printed, with --absent too; 1 when none; 2 on error), --line-buffered
# answers each line as it arrives, a composite key that does not parse is
# reported with its line number (--on-error skip goes on), blank lines are
# skipped for single and composite filters alike, and --delimiter reads
# composite keys typed in another dialect. Each row failed on 2026-12-04,
# commit 7ea6f7b.
source "$(dirname "$0")/lib.sh"

printf 'first,last,email\nAda,Lovelace,ada@example.org\nAlan,Turing,alan@example.org\n' >people.csv
expect_exit 0 "$CSVBLOOM" build -q -o good.bloom --key email --capacity 1000 --fpr 0.0001 people.csv
expect_exit 0 "$CSVBLOOM" build -q -o pair.bloom --key first --key last --capacity 1000 --fpr 0.0001 people.csv

# ---- row: printf 'x\ny\n' | query --absent good.bloom prints both, exits 0 ----
expect_exit 0 bash -c "printf 'x\ny\n' | '$CSVBLOOM' query --absent good.bloom"
expect_out_equals $'x\ny'
expect_exit 1 bash -c "printf 'ada@example.org\n' | '$CSVBLOOM' query --absent good.bloom"
expect_out_equals ""
expect_exit 1 "$CSVBLOOM" query good.bloom nobody@example.org
expect_exit 0 "$CSVBLOOM" query good.bloom nobody@example.org ada@example.org
expect_exit 2 "$CSVBLOOM" query missing.bloom x

# ---- row: composite filter, a trailing blank line ----
printf 'Ada,Lovelace\nAlan,Turing\n\n' >pairs.txt
expect_exit 0 "$CSVBLOOM" query pair.bloom <pairs.txt
expect_out_equals $'Ada,Lovelace\nAlan,Turing'
# Blank lines the same for a single-column filter: skipped, not answered.
printf 'ada@example.org\n\n\n' >single.txt
expect_exit 1 "$CSVBLOOM" query --absent good.bloom <single.txt
expect_out_equals ""
expect_exit 0 "$CSVBLOOM" query --count good.bloom <single.txt
expect_out_equals "1"
# A line that does not parse: its line number; --on-error skip goes on.
printf 'Ada,Lovelace\nonly-one-field\nAlan,Turing\n' >odd.txt
expect_exit 2 "$CSVBLOOM" query pair.bloom <odd.txt
expect_err_contains "line 2"
expect_exit 0 "$CSVBLOOM" query --on-error skip pair.bloom <odd.txt
expect_out_equals $'Ada,Lovelace\nAlan,Turing'
expect_err_contains "line 2"
expect_err_contains "skipped 1 key"
expect_exit 2 "$CSVBLOOM" query pair.bloom Ada,Lovelace nope
expect_err_contains "argument 2"

# ---- --delimiter: composite keys typed in another dialect ----
printf 'Ada\tLovelace\nGrace\tHopper\n' >tabbed.txt
expect_exit 0 "$CSVBLOOM" query --delimiter '\t' pair.bloom <tabbed.txt
expect_out_equals "Ada	Lovelace"
expect_exit 2 "$CSVBLOOM" query --delimiter ';' good.bloom x  # single column: nothing to split
expect_err_contains "composite"

# ---- row: tail -f keys | query F answers each line as it arrives ----
# The writer sends one key, then waits (bounded) for its answer to appear
# before sending the next and closing: without --line-buffered the answer
# only comes at end of input, so the wait fails.
mkfifo in.fifo
"$CSVBLOOM" query --line-buffered good.bloom <in.fifo >answers.txt &
qpid=$!
exec 3<>in.fifo  # read-write: never blocks, even if the query died
printf 'ada@example.org\n' >&3
got=no
for i in $(seq 1 300); do  # a state to reach, checked every 0.05 s, at most 15 s
  if grep -qx 'ada@example.org' answers.txt 2>/dev/null; then got=yes; break; fi
  kill -0 "$qpid" 2>/dev/null || break
  sleep 0.05
done
printf 'alan@example.org\n' >&3
exec 3>&-
wait "$qpid" || true
check "[ $got = yes ]" "--line-buffered: no answer before stdin ended"
check "[ \"\$(cat answers.txt)\" = \"\$(printf 'ada@example.org\nalan@example.org')\" ]" "answers: $(cat answers.txt)"
finish
