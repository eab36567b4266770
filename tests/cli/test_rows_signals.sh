# SIGINT/SIGTERM while select, dedupe or add wait inside the pipeline (their
# input is a FIFO this shell holds open): exit 128+signal, every temp file
# they created removed, existing outputs byte-identical.
#
# Regression dedupe_save_temp_left_on_signal (2026-12-04): the signal handler
# knew one temp file, and dedupe has two (-o and --save); RowOutput, created
# last, registered its own, so an interrupted `dedupe --save S` left
# .S.tmp-PID-* behind (and without -o too: nobody registered the --save one).
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

printf 'id,key\n1,a\n' >seed.csv
expect_exit 0 "$CSVBLOOM" build -q -o f.bloom --key key --capacity 100 seed.csv
cp f.bloom f.orig
echo "old rows" >rows.csv
cp rows.csv rows.orig
cp f.bloom s.bloom
cp s.bloom s.orig

# reading_fifo PID: PID has in.fifo open, so it is inside the pipeline, past
# creating (and protecting) every output's temp file. (The temp files are
# unnamed where O_TMPFILE works, so their names can't be waited for.)
reading_fifo() {
  has_open_file "$1" '*/in.fifo'
}
# interrupt SIG NUM "TEMPS..." ARGS...: runs csvbloom ARGS on in.fifo (kept
# open, so it never ends), waits until it catches SIG and reads in.fifo,
# sends SIG, and checks the exit status, that no temp file of TEMPS is left,
# and the files.
interrupt() {
  local sig=$1 num=$2 temps=$3 pid name
  shift 3
  rm -f in.fifo && mkfifo in.fifo
  exec 3<>in.fifo
  printf 'id,key\n2,b\n' >&3
  env --default-signal=INT,TERM "$CSVBLOOM" "$@" in.fifo 3>&- >/dev/null 2>"$WORK/err" &
  pid=$!
  # shellcheck disable=SC2086
  if wait_catches "$pid" "$num" 60 && until reading_fifo "$pid" || ! kill -0 "$pid" 2>/dev/null; do :; done &&
    reading_fifo "$pid"; then
    pass
  else
    fail "$*: never ready for SIG$sig (temps: $temps): $(head -c 300 "$WORK/err")"
  fi
  kill -s "$sig" "$pid" 2>/dev/null || true
  wait_exit "$pid" 30
  exec 3>&-
  check "[ $EXIT_CODE -eq $((128 + num)) ]" "$* : SIG$sig: exit $EXIT_CODE, want $((128 + num))"
  for name in $temps; do
    check "[ -z \"\$(temps_of . $name $pid)\" ]" "$* : SIG$sig left $(temps_of . "$name" "$pid")"
  done
  same_file f.bloom f.orig "$* : SIG$sig: f.bloom"
  same_file rows.csv rows.orig "$* : SIG$sig: rows.csv"
  same_file s.bloom s.orig "$* : SIG$sig: s.bloom"
}

for spec in INT:2 TERM:15; do
  sig=${spec%%:*} num=${spec##*:}
  interrupt "$sig" "$num" "rows.csv s.bloom" dedupe -q --key key --capacity 100 -o rows.csv --save s.bloom
  interrupt "$sig" "$num" "s.bloom" dedupe -q --key key --capacity 100 --save s.bloom
  interrupt "$sig" "$num" "s.bloom" dedupe -q --filter f.bloom --save s.bloom
  interrupt "$sig" "$num" "rows.csv" select -q -o rows.csv f.bloom
  interrupt "$sig" "$num" "f.bloom" add -q f.bloom
done
no_temp_files .

# Regression dedupe_save_temp_left_on_sigpipe (2026-12-04): a closed pipe ends
# dedupe by SIGPIPE (quietly, 141, as grep), which had no handler, so the
# --save temp file stayed. The output (~4 MiB) outgrows the 1 MiB row buffer
# and the pipe, so a write after head has exited is certain.
python3 -c '
with open("big.csv", "w") as f:
    f.write("id,key\n")
    for i in range(300000):
        f.write(f"{i},k{i}\n")
'
set +e
"$CSVBLOOM" dedupe -q --key key --capacity 300000 --save s.bloom big.csv 2>pipe.err | head -1 >pipe.out
rc=${PIPESTATUS[0]}
set -e
check "[ $rc -eq 141 ]" "dedupe --save | head -1: exit $rc, want 141"
check "[ \"\$(cat pipe.out)\" = id,key ]" "dedupe | head -1 printed $(head -c 100 pipe.out)"
check "[ ! -s pipe.err ]" "dedupe | head -1 wrote to stderr: $(head -c 200 pipe.err)"
same_file s.bloom s.orig "dedupe --save | head: s.bloom"
no_temp_files .
finish
