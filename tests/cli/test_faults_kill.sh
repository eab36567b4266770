# kill -9 at random moments of a build: the previous output is byte-identical
# every time, and nothing else is left in the output's directory: the build
# writes through an unnamed temp file (O_TMPFILE) that the kernel frees when
# the process dies (before 2026-12-04 each kill left a named temp file the
# size of the filter). Where $TMPDIR's file system lacks O_TMPFILE the test
# is skipped (exit 77): the named fallback's clean-up is unit-tested.
#
# The build reads a ~80 MB CSV (~27 MB for a sanitizer build) and writes a
# 64 MiB filter, so it spends long
# enough both reading and writing. Each attempt picks a phase and a point in
# it: "read" kills once the process has read (rchar) a random number of bytes
# up to 90% of the input; "write" kills once it has written (wchar) a random
# number of bytes up to 90% of the filter. The points come from bash's RANDOM
# seeded with FAULT_SEED (printed, so a failure can be replayed).
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

seed=${FAULT_SEED:-$RANDOM}
echo "FAULT_SEED=$seed"
RANDOM=$seed
BITS=$((1 << 29))  # 64 MiB of filter to write
build_args=(build -q --no-progress --key email --bits "$BITS" --hashes 3 -j2)

rows=1200000  # ~80 MB
sanitized && rows=400000
make_big_csv big.csv "$rows"
input_bytes=$(stat -c %s big.csv)
filter_bytes=$((BITS / 8))

python3 -c 'import os; os.close(os.open(".", os.O_TMPFILE | os.O_WRONLY, 0o600))' 2>/dev/null || {
  echo "SKIP: no O_TMPFILE on $(df --output=fstype . | tail -1)"
  exit 77
}

# The previous output (alone in outdir/), and what a finished build of big.csv writes.
printf 'id,email\n1,old@example.org\n' >small.csv
mkdir outdir
expect_exit 0 "$CSVBLOOM" "${build_args[@]}" -o outdir/out.bloom small.csv
cp outdir/out.bloom old.bloom
mkdir ref
expect_exit 0 "$CSVBLOOM" "${build_args[@]}" -o ref/new.bloom big.csv
different_file ref/new.bloom old.bloom "the big build's filter"

# only_output: outdir/ holds out.bloom and nothing else.
only_output() {
  local left; left=$(ls -A outdir)
  if [ "$left" = out.bloom ]; then pass; else fail "after $1, outdir/ holds: $(echo $left)"; fi
}

kills=0 attempts=0 read_kills=0 write_kills=0
while [ "$kills" -lt 20 ] && [ "$attempts" -lt 60 ]; do
  attempts=$((attempts + 1))
  if [ $((attempts % 2)) -eq 1 ]; then
    phase=read field=rchar at=$(rand_between $((1 << 20)) $((input_bytes * 9 / 10)))
  else
    phase=write field=wchar at=$(rand_between 0 $((filter_bytes * 9 / 10)))
  fi
  "$CSVBLOOM" "${build_args[@]}" -o outdir/out.bloom big.csv 2>"$WORK/err" &
  pid=$!
  wait_exec "$pid" || true
  reached=0
  wait_io "$pid" "$field" "$at" && reached=1
  kill -9 "$pid" 2>/dev/null || true
  wait_exit "$pid" 60
  if [ "$EXIT_CODE" -eq 0 ]; then
    # Finished before the kill landed: the new filter, whole. Not a kill.
    same_file outdir/out.bloom ref/new.bloom "attempt $attempts finished: out.bloom"
    only_output "attempt $attempts (finished)"
    cp old.bloom outdir/out.bloom
    continue
  fi
  if [ "$EXIT_CODE" -ne 137 ]; then
    fail "attempt $attempts ($phase at $at): exit $EXIT_CODE, want 137 (SIGKILL): $(head -c 300 "$WORK/err")"
    continue
  fi
  only_output "kill -9 at attempt $attempts ($phase phase, $field $at)"
  if cmp -s outdir/out.bloom old.bloom; then
    # Killed before the rename: the old output. A kill "during the build"
    # when the chosen point was reached.
    pass
    if [ "$reached" -eq 1 ]; then
      kills=$((kills + 1))
      if [ "$phase" = read ]; then read_kills=$((read_kills + 1)); else write_kills=$((write_kills + 1)); fi
    fi
  else
    # Killed after the rename: the new filter, whole, never a mixture.
    same_file outdir/out.bloom ref/new.bloom "killed after the rename (attempt $attempts)"
    cp old.bloom outdir/out.bloom
  fi
done
check "[ $kills -eq 20 ]" "only $kills of 20 kills landed during the build in $attempts attempts"
echo "$kills kills in $attempts attempts: $read_kills while reading, $write_kills while writing"
check "[ $read_kills -gt 0 ] && [ $write_kills -gt 0 ]" "kills while reading: $read_kills, while writing: $write_kills"

# A successful build in the same directory still works and leaves only its output.
expect_exit 0 "$CSVBLOOM" "${build_args[@]}" -o outdir/out.bloom small.csv
same_file outdir/out.bloom old.bloom "the rebuild of small.csv"
only_output "the rebuild"
no_temp_files ref
finish
