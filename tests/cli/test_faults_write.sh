# Write failures: each is a clear error naming the problem, exit 2, the old
# output byte-identical and no temp file left.
#  - a filter's -o naming a device, a symbolic link or a FIFO: refused before
#    any work (the temp file would be renamed over it: as root, `-o /dev/full`
#    would replace /dev/full with a regular file). /dev/full itself is only
#    tried as an unprivileged user; as root a private device node stands in;
#  - rows (select -o, dedupe -o) to /dev/null, /dev/full or a FIFO: written in
#    place, the device or FIFO left as it was; a symbolic link or a directory
#    refused;
#  - stdout that can't be written (query, info, --stats-json - to /dev/full);
#  - a directory the user can't write (as nobody via setpriv when run as
#    root), and a read-only bind mount (EROFS; needs mount namespaces);
#  - `ulimit -f` reached mid-write: SIGXFSZ is ignored, so the write fails
#    with EFBIG and is reported (not a kill by signal, exit 153);
#  - a full file system mid-write (ENOSPC on a 1 MiB tmpfs; needs mount
#    namespaces).
# Cases that need privileges this run lacks print "SKIPPED: ..." and are not
# counted. (A missing or file-as-directory output directory and a 0555
# directory as a normal user: tests/cli/test_atomic_output.sh.)
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

printf 'id,email\n1,a@example.org\n2,b@example.org\n' >in.csv
printf 'id,email\n1,old@example.org\n' >old.csv
"$CSVBLOOM" build -q -o old.bloom --key email --capacity 100 old.csv
skipped=()
skip() { echo "SKIPPED: $*"; skipped+=("$*"); }

# as_nobody CMD...: runs CMD as user nobody (root only; setpriv from util-linux).
as_nobody() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"
}
can_be_nobody=false
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && as_nobody true 2>/dev/null; then
  chmod 755 "$WORK"  # nobody reads the inputs here
  as_nobody test -x "$CSVBLOOM" && as_nobody test -r in.csv && can_be_nobody=true
fi

# ---- outputs that are not regular files ----
# refused_output PATH WORD: build and merge to PATH exit 2 naming PATH and
# WORD, and nothing was created next to it.
refused_output() {
  local path=$1 word=$2 dir
  dir=$(dirname "$path")
  expect_exit 2 "${RUNAS[@]}" "$CSVBLOOM" build -q -o "$path" --key email --capacity 100 in.csv
  expect_err_contains "$path"
  expect_err_contains "$word"
  expect_exit 2 "${RUNAS[@]}" "$CSVBLOOM" merge -q -o "$path" old.bloom
  expect_err_contains "$word"
  check "[ -z \"\$(find '$dir' -maxdepth 1 -name '.$(basename "$path").tmp-*')\" ]" "a temp file was created in $dir"
}
if [ "$(id -u)" -ne 0 ]; then
  RUNAS=()
  refused_output /dev/full "character device"
  check "[ -c /dev/full ]" "/dev/full is no longer a character device"
elif $can_be_nobody; then
  RUNAS=(as_nobody)
  refused_output /dev/full "character device"
  check "[ -c /dev/full ]" "/dev/full is no longer a character device"
else
  skip "-o /dev/full as an unprivileged user (root without setpriv)"
fi
RUNAS=()
mkdir dev
if [ "$(id -u)" -eq 0 ] && mknod dev/full c 1 7 2>/dev/null; then
  refused_output dev/full "character device"
  check "[ -c dev/full ]" "the device node dev/full was replaced"
else
  skip "-o on a device node as root (mknod not permitted)"
fi
ln -s /dev/full dev/link.bloom
refused_output dev/link.bloom "symbolic link"
check "[ -L dev/link.bloom ] && [ -c /dev/full ]" "the symbolic link dev/link.bloom was replaced"
cp old.bloom target.bloom
ln -s "$WORK/target.bloom" dev/to-file.bloom  # a link to a regular file: refused too (the link would be replaced)
refused_output dev/to-file.bloom "symbolic link"
same_file target.bloom old.bloom "the symbolic link's target"
mkfifo dev/out.fifo
refused_output dev/out.fifo "FIFO"

# ---- rows to a device or FIFO: written in place ----
# select -o and dedupe -o write to an existing character device or FIFO
# directly (`-o /dev/null` times a pipeline); a symbolic link or a directory
# is still refused, and so is dedupe --save (a filter) on a device.
printf 'id,email\n1,a@example.org\n2,b@example.org\n3,a@example.org\n' >dup.csv
"$CSVBLOOM" build -q -o rows.bloom --key email --capacity 100 in.csv
"$CSVBLOOM" select -q rows.bloom dup.csv >want-select.csv
"$CSVBLOOM" dedupe -q --key email dup.csv >want-dedupe.csv
check "[ \$(wc -l <want-select.csv) -eq 4 ] && [ \$(wc -l <want-dedupe.csv) -eq 3 ]" "select/dedupe to stdout: not the rows expected"
for cmd in "select -q rows.bloom" "dedupe -q --key email"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$CSVBLOOM" $cmd -o /dev/null dup.csv
  check "[ ! -s '$WORK/out' ]" "$cmd -o /dev/null printed rows on stdout"
  check "[ -c /dev/null ]" "$cmd -o /dev/null: /dev/null is no longer a character device"
  check "[ -z \"\$(find /dev -maxdepth 1 -name '.null.tmp-*')\" ]" "$cmd -o /dev/null made a temp file in /dev"
  # shellcheck disable=SC2086
  expect_exit 2 "$CSVBLOOM" $cmd -o /dev/full dup.csv
  expect_err_contains "/dev/full"
  expect_err_contains "No space left on device"
  check "[ -c /dev/full ]" "$cmd -o /dev/full: /dev/full is no longer a character device"
  # A FIFO: the rows reach its reader, byte for byte. (If the command fails
  # before opening the FIFO, the reader is still blocked in open: kill it.)
  mkfifo dev/rows.fifo
  cat dev/rows.fifo >got.csv &
  reader=$!
  set +e
  # shellcheck disable=SC2086
  "$CSVBLOOM" $cmd -o dev/rows.fifo dup.csv 2>"$WORK/err"
  rc=$?
  set -e
  [ "$rc" -eq 0 ] || kill "$reader" 2>/dev/null || true
  wait "$reader" || true
  check "[ $rc -eq 0 ]" "$cmd -o dev/rows.fifo: exit $rc, want 0: $(head -c 300 "$WORK/err")"
  same_file got.csv "want-${cmd%% *}.csv" "$cmd -o FIFO"
  check "[ -p dev/rows.fifo ]" "$cmd -o dev/rows.fifo: no longer a FIFO"
  rm -f dev/rows.fifo got.csv
  no_temp_files dev
  # shellcheck disable=SC2086
  expect_exit 2 "$CSVBLOOM" $cmd -o dev/link.bloom dup.csv
  expect_err_contains "symbolic link"
  check "[ -L dev/link.bloom ]" "$cmd -o dev/link.bloom: the symbolic link was replaced"
  # shellcheck disable=SC2086
  expect_exit 2 "$CSVBLOOM" $cmd -o dev dup.csv
  expect_err_contains "a directory"
done
expect_exit 2 "$CSVBLOOM" dedupe -q --key email --save /dev/null -o /dev/null dup.csv
expect_err_contains "character device"

# ---- stdout that can't be written ----
expect_exit 0 "$CSVBLOOM" build -q -o out.bloom --key email --capacity 100 in.csv
for cmd in "query out.bloom a@example.org" "query --count out.bloom a@example.org" "info out.bloom" "info --json out.bloom"; do
  set +e
  # shellcheck disable=SC2086
  "$CSVBLOOM" $cmd >/dev/full 2>"$WORK/err"
  rc=$?
  set -e
  check "[ $rc -eq 2 ]" "$cmd >/dev/full: exit $rc, want 2"
  expect_err_contains "No space left on device"
done
set +e
"$CSVBLOOM" build -q -o new.bloom --key email --capacity 100 --stats-json - in.csv >/dev/full 2>"$WORK/err"
rc=$?
set -e
check "[ $rc -eq 2 ]" "build --stats-json - >/dev/full: exit $rc, want 2"
expect_err_contains "standard output"
# Nothing is renamed into place until every output is written (issue 13):
# the filter of a build whose --stats-json - failed is not kept.
check "[ ! -e new.bloom ]" "a build whose --stats-json - failed left new.bloom"
no_temp_files .

# ---- unwritable directories ----
mkdir ro
cp old.bloom ro/out.bloom
if $can_be_nobody; then
  expect_exit 2 as_nobody "$CSVBLOOM" build -q -o ro/out.bloom --key email --capacity 100 in.csv
  expect_err_contains "ro"
  expect_err_contains "not writable"
  same_file ro/out.bloom old.bloom "an output in a directory nobody can't write"
  no_temp_files ro
  expect_exit 2 as_nobody "$CSVBLOOM" merge -q -o ro/out.bloom old.bloom
  expect_err_contains "not writable"
  same_file ro/out.bloom old.bloom "a merge into a directory nobody can't write"
else
  skip "an unwritable directory as user nobody (needs root and setpriv; 0555 as a normal user: test_atomic_output.sh)"
fi
# A read-only bind mount: even root gets EROFS.
if unshare -m --propagation private true 2>/dev/null; then
  unshare -m --propagation private bash -c '
    mount --bind ro ro && mount -o remount,bind,ro ro || exit 99
    "$1" build -q -o ro/out.bloom --key email --capacity 100 in.csv >out 2>err
    echo $? >rc' _ "$CSVBLOOM" && inner=0 || inner=$?
  if [ "$inner" -eq 99 ]; then
    skip "read-only bind mount (mount refused)"
  else
    check "[ \"\$(cat rc)\" = 2 ]" "build into a read-only mount: exit $(cat rc), want 2"
    check "grep -q 'Read-only file system' err" "read-only mount: $(head -c 300 err)"
    same_file ro/out.bloom old.bloom "an output on a read-only mount"
    no_temp_files ro
  fi
else
  skip "read-only bind mount (no mount namespaces)"
fi

# ---- ulimit -f reached mid-write ----
# A 8 MiB filter under a 1 MiB file size limit (ulimit -f counts KiB).
cp old.bloom out.bloom
set +e
(ulimit -f 1024 && exec "$CSVBLOOM" build -q -o out.bloom --key email --bits $((1 << 26)) --hashes 3 in.csv) 2>"$WORK/err"
rc=$?
set -e
check "[ $rc -eq 2 ]" "build past ulimit -f: exit $rc, want 2 (153 = killed by SIGXFSZ)"
expect_err_contains "File too large"
expect_err_contains "out.bloom"
same_file out.bloom old.bloom "a build past ulimit -f"
no_temp_files .
# merge writes the same way.
expect_exit 0 "$CSVBLOOM" build -q -o big.bloom --key email --bits $((1 << 26)) --hashes 3 in.csv
set +e
(ulimit -f 1024 && exec "$CSVBLOOM" merge -q -o out.bloom big.bloom) 2>"$WORK/err"
rc=$?
set -e
check "[ $rc -eq 2 ]" "merge past ulimit -f: exit $rc, want 2"
expect_err_contains "File too large"
same_file out.bloom old.bloom "a merge past ulimit -f"
no_temp_files .

# ---- a full file system mid-write ----
mkdir small
cp old.bloom small/out.bloom
if unshare -m --propagation private true 2>/dev/null; then
  unshare -m --propagation private bash -c '
    mount -t tmpfs -o size=1m tmpfs small || exit 99
    cp old.bloom small/out.bloom
    "$1" build -q -o small/out.bloom --key email --bits $((1 << 26)) --hashes 3 in.csv >out 2>err
    echo $? >rc
    cmp -s small/out.bloom old.bloom && echo same >same
    ls -A small >left' _ "$CSVBLOOM" && inner=0 || inner=$?
  if [ "$inner" -eq 99 ]; then
    skip "ENOSPC on a 1 MiB tmpfs (mount refused)"
  else
    check "[ \"\$(cat rc)\" = 2 ]" "build onto a full file system: exit $(cat rc), want 2"
    check "grep -q 'No space left on device' err" "full file system: $(head -c 300 err)"
    check "[ -e same ]" "the old output on the full file system changed"
    check "[ \"\$(cat left)\" = out.bloom ]" "files left on the full file system: $(cat left)"
  fi
else
  skip "ENOSPC on a 1 MiB tmpfs (no mount namespaces)"
fi

echo "${#skipped[@]} case(s) skipped"
finish
