# SIGINT, SIGTERM and SIGHUP at random moments of a build (while it reads its
# input, and while it writes the filter): it exits with 128+signal (130, 143,
# 129) within 30 s, removes its temp file itself, and the previous output is
# byte-identical. A signal that arrives before the handler is installed (at
# start-up) kills with the same status and also keeps the old output; the
# next successful build then leaves no temp file of any dead process.
# (tests/cli/test_atomic_output.sh covers a build blocked on a FIFO.)
#
# Moments as in test_faults_kill.sh: once the handler is installed (SigCgt in
# /proc/PID/status), wait until the process has read (rchar) or written
# (wchar) a random number of bytes, then send the signal. The signal is left
# at its default disposition for the child (env --default-signal): a shell
# without job control would otherwise start it with SIGINT ignored.
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

seed=${FAULT_SEED:-$RANDOM}
echo "FAULT_SEED=$seed"
RANDOM=$seed
BITS=$((1 << 29))
build_args=(build -q --no-progress --key email --bits "$BITS" --hashes 3 -j2)
rows=1200000
sanitized && rows=400000
make_big_csv big.csv "$rows"
input_bytes=$(stat -c %s big.csv)
filter_bytes=$((BITS / 8))

printf 'id,email\n1,old@example.org\n' >small.csv
expect_exit 0 "$CSVBLOOM" "${build_args[@]}" -o out.bloom small.csv
cp out.bloom old.bloom
mkdir ref
expect_exit 0 "$CSVBLOOM" "${build_args[@]}" -o ref/new.bloom big.csv

start_build() {
  env --default-signal=INT,TERM,HUP "$CSVBLOOM" "${build_args[@]}" -o out.bloom big.csv 2>"$WORK/err" &
  pid=$!
  wait_exec "$pid" || fail "the build never started"
}

for spec in INT:2 TERM:15 HUP:1; do
  sig=${spec%%:*} num=${spec##*:}
  want=$((128 + num))

  # At start-up, before any handler: the default action, same status.
  start_build
  kill -s "$sig" "$pid" 2>/dev/null || true
  wait_exit "$pid" 30
  check "[ $EXIT_CODE -eq $want ] || [ $EXIT_CODE -eq 0 ]" "SIG$sig at start-up: exit $EXIT_CODE, want $want"
  if [ "$EXIT_CODE" -eq 0 ]; then cp old.bloom out.bloom; else same_file out.bloom old.bloom "SIG$sig at start-up"; fi

  # In full flight: twice while reading, twice while writing.
  landed=0 tries=0
  while [ "$landed" -lt 4 ] && [ "$tries" -lt 12 ]; do
    tries=$((tries + 1))
    if [ $((tries % 2)) -eq 1 ]; then
      phase=read field=rchar at=$(rand_between $((1 << 20)) $((input_bytes * 9 / 10)))
    else
      phase=write field=wchar at=$(rand_between 0 $((filter_bytes * 9 / 10)))
    fi
    start_build
    if ! wait_catches "$pid" "$num" 120; then
      wait_exit "$pid" 30
      fail "SIG$sig: the build (exit $EXIT_CODE) never installed its handler: $(head -c 300 "$WORK/err")"
      continue
    fi
    wait_io "$pid" "$field" "$at" || true
    kill -s "$sig" "$pid" 2>/dev/null || true
    wait_exit "$pid" 30
    if [ "$EXIT_CODE" -eq 0 ]; then  # finished first: not a landed signal
      same_file out.bloom ref/new.bloom "SIG$sig try $tries finished: out.bloom"
      cp old.bloom out.bloom
      continue
    fi
    landed=$((landed + 1))
    check "[ $EXIT_CODE -ne 124 ]" "SIG$sig ($phase phase, $field $at): no exit within 30 s"
    check "[ $EXIT_CODE -eq $want ]" "SIG$sig ($phase phase, $field $at): exit $EXIT_CODE, want $want"
    check "[ -z \"\$(temps_of . out.bloom $pid)\" ]" "SIG$sig ($phase phase): its temp file is left: $(temps_of . out.bloom "$pid")"
    same_file out.bloom old.bloom "after SIG$sig ($phase phase, $field $at)"
    check "! grep -qE 'Segmentation|Sanitizer|runtime error' '$WORK/err'" "SIG$sig: $(head -c 300 "$WORK/err")"
  done
  check "[ $landed -eq 4 ]" "SIG$sig landed during the build $landed times in $tries tries"
  echo "SIG$sig: $landed signals in $tries tries"
done

expect_exit 0 "$CSVBLOOM" "${build_args[@]}" -o out.bloom small.csv
left=$(dead_temps . | wc -l)
check "[ $left -eq 0 ]" "temp files of dead builds left after a successful build: $(dead_temps . | head -3)"
finish
