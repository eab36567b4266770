# The output is atomic: a failed build or merge (bad CSV, missing input,
# absurd option, unwritable directory, output that is a directory) or an
# interrupted one (SIGTERM, SIGINT) leaves an existing output byte-identical
# and no temp file (.NAME.tmp-*) behind; a successful build replaces it and
# removes the temp files of dead builds.
source "$(dirname "$0")/lib.sh"

printf 'id,email\n1,a@example.org\n2,b@example.org\n' >good.csv
printf 'id,email\n1,c@example.org\n2,"never closed\n3,d@example.org\n' >bad.csv
printf 'id,mail\n1,x\n' >nocol.csv
expect_exit 0 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 good.csv
cp out.bloom out.orig

# unchanged DESCRIPTION: out.bloom is still out.orig and no temp file is left.
unchanged() {
  same_file out.bloom out.orig "out.bloom after $1"
  no_temp_files .
}

# ---- failed builds ----
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 good.csv bad.csv
expect_err_contains "bad.csv:3:"
unchanged "a bad CSV"
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 -j4 --chunk-size 16 bad.csv good.csv
unchanged "a bad CSV, -j4 --chunk-size 16"
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 good.csv missing.csv
expect_err_contains "missing.csv"
unchanged "a missing input"
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email good.csv missing.csv  # sizing from the inputs
unchanged "a missing input, no --capacity"
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 nocol.csv
unchanged "a missing key column"
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email --fpr 0 good.csv
unchanged "--fpr 0"
expect_exit 2 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 - <bad.csv
unchanged "a bad CSV on stdin"

# ---- unwritable places ----
touch plainfile
expect_exit 2 "$CSVBLOOM" build -q -o plainfile/out.bloom --key email --capacity 100 good.csv
expect_err_contains "plainfile"
expect_exit 2 "$CSVBLOOM" build -q -o no/such/dir/out.bloom --key email --capacity 100 good.csv
expect_err_contains "no/such/dir"
mkdir -p outdir/keep
expect_exit 2 "$CSVBLOOM" build -q -o outdir --key email --capacity 100 good.csv
expect_err_contains "outdir"
check "[ -d outdir/keep ]" "outdir was replaced"
no_temp_files .
expect_exit 2 "$CSVBLOOM" merge -q -o outdir out.bloom
check "[ -d outdir/keep ]" "outdir was replaced by merge"
no_temp_files .
# An unwritable directory (as an ordinary user: root writes anywhere).
if unprivileged "$CSVBLOOM" --version >/dev/null 2>&1; then
  mkdir -p locked && cp out.orig locked/out.bloom && chmod 555 locked
  chmod 644 good.csv
  expect_exit 2 unprivileged "$CSVBLOOM" build -q -o locked/out.bloom --key email --capacity 100 good.csv
  expect_err_contains "locked"
  same_file locked/out.bloom out.orig "an output in an unwritable directory"
  no_temp_files locked
  expect_exit 2 unprivileged "$CSVBLOOM" merge -q -o locked/out.bloom out.orig
  same_file locked/out.bloom out.orig "a merge into an unwritable directory"
  no_temp_files locked
  chmod 755 locked
else
  echo "note: can't run as an ordinary user: unwritable-directory checks skipped"
fi

# ---- failed merges ----
printf 'garbage' >corrupt.bloom
expect_exit 2 "$CSVBLOOM" merge -q -o out.bloom out.orig corrupt.bloom
unchanged "a merge with a corrupt input"
expect_exit 0 "$CSVBLOOM" build -q -o other.bloom --key id --capacity 100 good.csv
expect_exit 2 "$CSVBLOOM" merge -q -o out.bloom out.orig other.bloom
unchanged "a refused merge"

# ---- interrupted builds ----
# The build reads a FIFO that this shell holds open (no EOF), so it waits
# inside the pipeline with its temp file created; once its handler for the
# signal is installed (SigCgt in /proc), the signal is sent.
# handler_ready PID SIGNUM: the process catches SIGNUM and its temp file
# exists: named (.out.bloom.tmp-*) or, where O_TMPFILE works, an unnamed one
# in this directory (/proc/PID/fd shows it as "DIR/#INODE (deleted)").
handler_ready() {
  local mask
  mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$mask" ] && (( (16#$mask >> ($2 - 1)) & 1 )) || return 1
  [ -n "$(find . -maxdepth 1 -name '.out.bloom.tmp-*')" ] && return 0
  has_open_file "$1" "$PWD/#*"
}
interrupt() {  # SIGNAL SIGNUM EXIT_CODE
  local sig=$1 num=$2 want=$3 pid rc i
  rm -f in.fifo && mkfifo in.fifo
  exec 3<>in.fifo
  printf 'id,email\n1,e@example.org\n' >&3
  "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 in.fifo 3>&- &
  pid=$!
  for i in $(seq 1 600); do  # wait for a state, at most 30 s
    handler_ready "$pid" "$num" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if handler_ready "$pid" "$num"; then pass; else fail "the build never got ready for SIG$sig"; fi
  kill -s "$sig" "$pid" 2>/dev/null || true
  set +e
  wait "$pid"
  rc=$?
  set -e
  exec 3>&-
  if [ "$rc" -eq "$want" ]; then pass; else fail "SIG$sig: exit $rc, want $want"; fi
  unchanged "SIG$sig"
}
interrupt TERM 15 143
interrupt INT 2 130

# ---- success replaces the output and cleans up dead builds' temp files ----
true &
dead_pid=$!
wait "$dead_pid"
stale=".out.bloom.tmp-$dead_pid-AbC123"
live=".out.bloom.tmp-$$-XyZ789"
printf 'stale' >"$stale"
printf 'live' >"$live"
printf 'id,email\n1,z@example.org\n' >new.csv
expect_exit 0 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 new.csv
different_file out.bloom out.orig "after a successful build"
expect_exit 0 "$CSVBLOOM" query out.bloom z@example.org
expect_exit 1 "$CSVBLOOM" query out.bloom a@example.org
check "[ ! -e '$stale' ]" "the dead build's temp file $stale is still there"
check "[ -e '$live' ]" "the temp file $live of a live process was removed"
rm -f "$live"
no_temp_files .
# The output's mode follows the umask like any new file.
(umask 027 && "$CSVBLOOM" build -q -o masked.bloom --key email --capacity 100 good.csv)
check "[ \"\$(stat -c %a masked.bloom)\" = 640 ]" "masked.bloom has mode $(stat -c %a masked.bloom), want 640"

finish
