# faults_lib.sh: helpers shared by the fault-injection tests (test_faults_*.sh),
# sourced after lib.sh. Faults are injected at "random moments" that are
# defined by what the build has done, never by the clock: a poll loop over
# /proc/PID/io waits until the build has read (rchar) or written (wchar) a
# chosen number of bytes, then strikes. Every wait is bounded.

# sanitized: the binary is an ASan or TSan build (slower: tests use smaller inputs).
sanitized() {
  [[ $(ldd "$CSVBLOOM" 2>/dev/null) =~ lib(a|t)san ]] || [[ $(nm -D "$CSVBLOOM" 2>/dev/null) =~ __[at]san_init ]]
}

# make_big_csv FILE ROWS: a CSV of ROWS rows (~70 bytes each) keyed by email,
# with a quoted field holding a delimiter.
make_big_csv() {
  awk -v rows="$2" 'BEGIN {
    print "id,email,name,notes"
    for (i = 1; i <= rows; i++) printf "%d,user%d@example.org,Name %d,\"note, with comma %d\"\n", i, i, i, i * 7
  }' >"$1"
}

# io_field PID FIELD: sets IO_VALUE to FIELD (rchar, wchar, ...) of
# /proc/PID/io; fails once the process is gone. Bash builtins only, no
# command substitution: the poll loop forks nothing.
io_field() {
  local key value
  IO_VALUE=
  while read -r key value; do
    if [ "$key" = "$2:" ]; then
      IO_VALUE=$value
      return 0
    fi
  done <"/proc/$1/io" 2>/dev/null
  return 1
}

# wait_io PID FIELD BYTES [SECONDS]: polls until /proc/PID/io's FIELD reaches
# BYTES. Returns 0 when it did, 1 when the process ended first or SECONDS
# (default 300) passed.
wait_io() {
  local pid=$1 field=$2 want=$3 deadline=$((SECONDS + ${4:-300}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    io_field "$pid" "$field" || return 1
    [ -n "$IO_VALUE" ] && [ "$IO_VALUE" -ge "$want" ] && return 0
  done
  return 1
}

# wait_exec PID [SECONDS]: polls until the background child PID is running
# $CSVBLOOM. Until then it is a fork of this shell, and a signal sent to it
# would run this shell's handlers (lib.sh's EXIT trap deletes $WORK).
wait_exec() {
  local deadline=$((SECONDS + ${2:-60}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "/proc/$1/exe" -ef "$CSVBLOOM" ] && return 0
    [ -d "/proc/$1" ] || return 1
  done
  return 1
}

# catches PID SIGNUM: the process has a handler for SIGNUM (SigCgt in /proc).
catches() {
  local key mask
  while read -r key mask; do
    if [ "$key" = "SigCgt:" ]; then
      (( (16#$mask >> ($2 - 1)) & 1 ))
      return
    fi
  done <"/proc/$1/status" 2>/dev/null
  return 1
}

# wait_catches PID SIGNUM [SECONDS]: polls until PID catches SIGNUM.
wait_catches() {
  local deadline=$((SECONDS + ${3:-300}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    catches "$1" "$2" && return 0
    [ -d "/proc/$1" ] || return 1
  done
  return 1
}

# wait_exit PID SECONDS: waits for a child to exit, at most SECONDS; sets
# EXIT_CODE (124 when it did not exit in time: it is then killed).
wait_exit() {
  if timeout "$2" tail --pid="$1" -s 0.05 -f /dev/null 2>/dev/null; then
    set +e
    { wait "$1"; } 2>/dev/null  # (no "Killed" job notice from bash)
    EXIT_CODE=$?
    set -e
  else
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    EXIT_CODE=124
  fi
}

# rand_between LO HI: a number in [LO, HI] from bash's RANDOM (seeded by the
# test, so runs are repeatable), even when HI - LO exceeds 32767.
rand_between() {
  local lo=$1 hi=$2 r
  r=$(( (RANDOM << 30) | (RANDOM << 15) | RANDOM ))
  echo $(( lo + r % (hi - lo + 1) ))
}

# temps_of DIR NAME PID: the temp files of process PID for output NAME in DIR.
temps_of() {
  find "$1" -maxdepth 1 -name ".$2.tmp-$3-*" 2>/dev/null
}

# dead_temps DIR: temp files in DIR whose writer process no longer exists
# (those a successful build must clean up; a live pid's are not its to judge).
dead_temps() {
  local f pid
  for f in "$1"/.*.tmp-*; do
    [ -e "$f" ] || continue
    pid=${f##*.tmp-}
    pid=${pid%%-*}
    kill -0 "$pid" 2>/dev/null || echo "$f"
  done
}

# no_crash_output: the last expect_exit's stderr has no sign of a crash or a
# sanitizer report.
no_crash_output() {
  if stderr_has REGEX 'Segmentation|Aborted|core dumped|Sanitizer|runtime error:|terminate called'; then
    fail "crash output: $(grep -m3 -E 'Segmentation|Aborted|core dumped|Sanitizer|runtime error:|terminate called' "$WORK/err")"
  else
    pass
  fi
}
