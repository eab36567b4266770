# lib.sh: helpers for the black-box CLI tests. Each test script is run by
# ctest as: bash tests/cli/test_X.sh /path/to/csvbloom /path/to/source
set -euo pipefail
CSVBLOOM=${1:?usage: test_X.sh CSVBLOOM_BINARY SOURCE_DIR}
SRC=${2:?usage: test_X.sh CSVBLOOM_BINARY SOURCE_DIR}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/csvbloom-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
FAILS=0
CHECKS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }

# expect_exit CODE CMD...: runs CMD, checks its exit code; stdout/stderr in $WORK/out, $WORK/err
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    fail "exit $got (want $want): $*"
    sed 's/^/    stderr: /' "$WORK/err" | head -5 >&2
  else
    pass
  fi
}

# stderr_has FIXED|REGEX PATTERN: whether the last expect_exit's stderr contains
# the text (FIXED) or matches the extended regex (REGEX). A small stderr is
# matched in bash, without a grep process (a REGEX's ^ and $ are then the
# ends of all of stderr, not of a line): the CLI tests check stderr after
# thousands of commands, and test_faults_corrupt spent over half its time
# starting greps (2026-12-04).
stderr_has() {
  local text=
  IFS= read -r -N 65537 text <"$WORK/err" || true
  if [ ${#text} -gt 65536 ]; then
    if [ "$1" = FIXED ]; then grep -qF -- "$2" "$WORK/err"; else grep -qE -- "$2" "$WORK/err"; fi
    return
  fi
  if [ "$1" = FIXED ]; then [[ $text == *"$2"* ]]; else [[ $text =~ $2 ]]; fi
}
# expect_err_contains TEXT: the last expect_exit's stderr contains TEXT
expect_err_contains() {
  if stderr_has FIXED "$1"; then pass; else fail "stderr lacks '$1': $(head -c 300 "$WORK/err")"; fi
}
expect_out_equals() {
  local got; got=$(cat "$WORK/out")
  if [ "$got" = "$1" ]; then pass; else fail "stdout '$got' != '$1'"; fi
}
same_file() {
  if cmp -s "$1" "$2"; then pass; else fail "$1 and $2 differ${3:+: $3}"; fi
}

expect_out_contains() {
  if grep -qF -- "$1" "$WORK/out"; then pass; else fail "stdout lacks '$1': $(head -c 300 "$WORK/out")"; fi
}
# expect_err_lacks TEXT: the last expect_exit's stderr does not contain TEXT
expect_err_lacks() {
  if stderr_has FIXED "$1"; then fail "stderr has '$1': $(head -c 300 "$WORK/err")"; else pass; fi
}
# expect_err_matches REGEX: the last expect_exit's stderr matches an extended regex
expect_err_matches() {
  if grep -qE -- "$1" "$WORK/err"; then pass; else fail "stderr doesn't match /$1/: $(head -c 300 "$WORK/err")"; fi
}
different_file() {
  if cmp -s "$1" "$2"; then fail "$1 and $2 are identical${3:+: $3}"; else pass; fi
}
# no_temp_files DIR: no ".NAME.tmp-*" left behind by an atomic write in DIR
no_temp_files() {
  local left; left=$(find "$1" -maxdepth 1 -name '.*.tmp-*')
  if [ -z "$left" ]; then pass; else fail "temp files left in $1: $left"; fi
}
# check CONDITION_CMD... / MESSAGE via fail: a one-line assertion, e.g.
#   check "[ -s out.bloom ]" "out.bloom is empty"
check() {
  if eval "$1"; then pass; else fail "$2"; fi
}
# json_get FILE PYEXPR: evaluates PYEXPR with `j` bound to the JSON in FILE
json_get() {
  python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# unprivileged CMD...: runs CMD as an ordinary user, so that file permissions
# apply (root reads and writes anything): as is when not root, else as nobody
# through setpriv (then $WORK is made traversable). Test with
# `unprivileged "$CSVBLOOM" --version` first: it fails when neither works.
unprivileged() {
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  command -v setpriv >/dev/null || return 125
  chmod 755 "$WORK"
  setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

finish() {
  echo "$CHECKS checks, $FAILS failures"
  [ "$FAILS" -eq 0 ]
}

# has_open_file PID PATTERN: one of PID's open files is a path matching the
# glob PATTERN. (No pipe into `grep -q`: under pipefail, grep quitting at the
# first match can make the writer die of SIGPIPE and the check fail.)
has_open_file() {
  local fd target
  for fd in /proc/"$1"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    # shellcheck disable=SC2053
    [[ $target == $2 ]] && return 0
  done
  return 1
}
