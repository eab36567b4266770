# Read failures and odd inputs, end to end:
#  - an input truncated by another process while the build reads it (at
#    random points of the read): "shrank" error, exit 2, never a hang or a
#    crash, old output intact, no temp file;
#  - an input deleted while the build reads it: a clear error naming it;
#  - a FIFO is read as a stream: the regular file's filter (with --capacity;
#    without it the build refuses, as for stdin, since the size is unknown),
#    also listed through --files-from;
#  - character devices: /dev/null is an empty stream (an error where a header
#    is expected, 0 keys without one); /dev/zero is one
#    endless record, stopped by --max-record-bytes in bounded time and memory;
#  - a directory where a filter file is expected (query, merge).
# (Missing, unreadable and directory inputs, listed all at once:
# tests/cli/test_errors.sh and test_inputs.sh.)
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

seed=${FAULT_SEED:-$RANDOM}
echo "FAULT_SEED=$seed"
RANDOM=$seed
rows=1200000
sanitized && rows=400000
make_big_csv big.csv "$rows"
input_bytes=$(stat -c %s big.csv)
printf 'id,email\n1,old@example.org\n' >small.csv
args=(build -q --no-progress --key email --bits $((1 << 22)) --hashes 3)
expect_exit 0 "$CSVBLOOM" "${args[@]}" -o out.bloom small.csv
cp out.bloom old.bloom

# ---- truncated while being read ----
# 1 MiB chunks, two readers: once the build has read (rchar) a random amount
# between 2 MiB and half the file, cut the file to a random shorter length.
landed=0 tries=0
while [ "$landed" -lt 6 ] && [ "$tries" -lt 15 ]; do
  tries=$((tries + 1))
  cp big.csv victim.csv
  at=$(rand_between $((2 << 20)) $((input_bytes / 2)))
  cut_to=$(rand_between 0 $((at + (1 << 20))))
  "$CSVBLOOM" "${args[@]}" -j2 --chunk-size $((1 << 20)) -o out.bloom victim.csv 2>"$WORK/err" &
  pid=$!
  wait_exec "$pid" || true
  wait_io "$pid" rchar "$at" || true
  truncate -s "$cut_to" victim.csv
  wait_exit "$pid" 120
  if [ "$EXIT_CODE" -eq 0 ]; then  # read everything before the cut: not a landed fault
    cp old.bloom out.bloom
    continue
  fi
  landed=$((landed + 1))
  check "[ $EXIT_CODE -eq 2 ]" "truncated at $cut_to after $at bytes read: exit $EXIT_CODE, want 2 (124: hung)"
  expect_err_contains "shrank"
  expect_err_contains "victim.csv"
  no_crash_output
  same_file out.bloom old.bloom "a build whose input shrank"
  no_temp_files .
done
check "[ $landed -ge 5 ]" "only $landed truncations in $tries tries happened during the read"
echo "$landed truncations in $tries tries"

# ---- deleted while being read ----
cp big.csv victim.csv
"$CSVBLOOM" "${args[@]}" -j2 --chunk-size $((1 << 20)) -o out.bloom victim.csv 2>"$WORK/err" &
pid=$!
wait_exec "$pid" || true
wait_io "$pid" rchar $((input_bytes / 4)) || true
rm victim.csv
wait_exit "$pid" 120
if [ "$EXIT_CODE" -eq 0 ]; then
  echo "note: the build had opened every chunk before the delete"
  cp old.bloom out.bloom
else
  check "[ $EXIT_CODE -eq 2 ]" "deleted input: exit $EXIT_CODE, want 2"
  expect_err_contains "victim.csv"
  expect_err_contains "No such file or directory"
  no_crash_output
  same_file out.bloom old.bloom "a build whose input was deleted"
  no_temp_files .
fi

# ---- a FIFO is a stream ----
# The writer opens the FIFO read-write (1<>), so it never blocks in open and
# never gets SIGPIPE; the build sees end of input when it exits. (part.csv is
# far larger than a pipe's buffer, so the writer can't finish before the
# build's reader has opened the FIFO.)
head -n 20001 big.csv >part.csv
expect_exit 0 "$CSVBLOOM" "${args[@]}" -o regular.bloom part.csv
mkfifo in.fifo
cat part.csv 1<>in.fifo &
writer=$!
expect_exit 0 "$CSVBLOOM" "${args[@]}" -o fifo.bloom -j2 in.fifo
wait "$writer"
same_file fifo.bloom regular.bloom "the FIFO's filter"
# Listed in --files-from, among regular files.
head -n 1 big.csv >header.csv
sed -n '20002,25001p;25001q' big.csv >>header.csv
cat header.csv 1<>in.fifo &
writer=$!
printf '%s\n' part.csv in.fifo >list.txt
expect_exit 0 "$CSVBLOOM" "${args[@]}" -o mixed.bloom --files-from list.txt
wait "$writer"
expect_exit 0 "$CSVBLOOM" "${args[@]}" -o mixed_regular.bloom part.csv header.csv
same_file mixed.bloom mixed_regular.bloom "a FIFO listed in --files-from"
# A writer already blocked in open(O_WRONLY) (`cat file >fifo &` started
# first) must survive: planning stats inputs and never opens a FIFO, so the
# one open is the pipeline's reader (src/core/io/input_plan.cpp). An earlier
# version opened and closed every input while planning, which released such a
# writer into SIGPIPE and lost rows or hung the build. Five rounds, the writer
# seen waiting in the kernel (wait_for_partner) before the build starts.
rows_part=$(( $(wc -l <part.csv) - 1 ))
for probe_round in 1 2 3 4 5; do
  rm -f probe.json
  cat part.csv >in.fifo 2>/dev/null &
  writer=$!
  for _ in $(seq 1 2000); do
    [ "$(cat "/proc/$writer/wchan" 2>/dev/null)" = wait_for_partner ] && break
  done
  set +e
  timeout 20 "$CSVBLOOM" "${args[@]}" -o probe.bloom --stats-json probe.json in.fifo 2>/dev/null
  build_rc=$?
  wait "$writer" 2>/dev/null
  writer_rc=$?
  set -e
  got_rows=$( [ -s probe.json ] && json_get probe.json 'j["rows"]' || echo none)
  check "[ $build_rc -eq 0 ] && [ $writer_rc -eq 0 ] && [ \"$got_rows\" = \"$rows_part\" ]" \
    "FIFO writer started first (round $probe_round): writer exit $writer_rc, build exit $build_rc (124: hung), rows $got_rows of $rows_part"
done
# Without --capacity the size is unknown, as for stdin: refused before reading.
expect_exit 2 "$CSVBLOOM" build -q -o sized.bloom --key email in.fifo
expect_err_contains "--capacity"
expect_err_contains "in.fifo"
check "[ ! -e sized.bloom ]" "sized.bloom written"
# dedupe sizes its filter the same way, and refuses the same way (it once
# refused only '-', and would have waited on the FIFO for a writer).
expect_exit 2 "$CSVBLOOM" dedupe -q -o sized.csv --key email in.fifo
expect_err_contains "--capacity"
expect_err_contains "in.fifo"
check "[ ! -e sized.csv ]" "sized.csv written"

# ---- character devices ----
# An empty stream where a header is expected is an error naming it (issue 13);
# without a header it adds nothing.
expect_exit 2 "$CSVBLOOM" build -q -o null.bloom --capacity 10 /dev/null
expect_err_contains "/dev/null: is empty, but a header is expected"
expect_exit 0 "$CSVBLOOM" build -q -o null.bloom --no-header --key 1 --capacity 10 --allow-empty --stats-json null.json /dev/null
check "[ \"\$(json_get null.json 'j[\"rows\"], j[\"keys_inserted\"]')\" = '(0, 0)' ]" "/dev/null: $(head -c 300 null.json)"
expect_exit 2 "$CSVBLOOM" build -q -o null.bloom /dev/null
expect_err_contains "--capacity"
# /dev/zero: one record of NULs that never ends. The record limit stops it.
set +e
timeout 120 "$CSVBLOOM" build -q -o zero.bloom --capacity 10 --max-record-bytes 1000000 /dev/zero >/dev/null 2>"$WORK/err"
rc=$?
set -e
check "[ $rc -eq 2 ]" "/dev/zero: exit $rc, want 2 (124: did not stop)"
expect_err_contains "record limit"
no_crash_output

# ---- a directory where a filter is expected ----
mkdir adir
expect_exit 2 "$CSVBLOOM" query adir somekey
expect_err_contains "not a regular file"
expect_exit 2 "$CSVBLOOM" merge -q -o merged.bloom old.bloom adir
expect_err_contains "not a regular file"
check "[ ! -e merged.bloom ]" "merged.bloom written"
no_temp_files .
finish
