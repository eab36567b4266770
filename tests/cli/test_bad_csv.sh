# Bad and hostile CSV through `build`: each case is either a documented
# success (checked by querying the keys it must hold) or a clear error
# naming the problem (exit 2), and never a crash (no "Segmentation",
# "Aborted" or sanitizer report on stderr).
#  - an unterminated quote at end of input, in its variants (the one place
#    csvbloom differs from Python's csv module, which returns the partial
#    field): error at the record's first line, whatever the chunking;
#  - NUL bytes and invalid UTF-8: data like any other byte, never a string end;
#  - a 50 MB record: accepted under the default --max-record-bytes (64 MiB),
#    a bad row over a smaller limit (as data row, as the header, on stdin);
#  - duplicate header names: a name that is ambiguous is refused, the index works;
#  - 100,000 columns and a key in the last one; a 100 KB column name;
#  - random binary bytes: an error or a build, never a crash;
#  - sizes no machine can hold: --capacity 1e15, 10^12 keys (past RAM),
#    --bits 2^47, --fpr 1e-300.
# (Ragged rows, stray quotes, empty and header-only files, missing and
# out-of-range key columns, --fpr 0/1.5/nan, --capacity 0, -j 0:
# tests/cli/test_errors.sh and test_inputs.sh.)
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

B=(build -q --no-progress --key email --bits 1048576 --hashes 4)

# present FILTER KEY...: every key may be in the filter (query exit 0, all printed).
present() {
  local f=$1; shift
  expect_exit 0 "$CSVBLOOM" query --count "$f" "$@"
  expect_out_equals "$#"
}
# absent FILTER KEY...: no key is in it (a 2^20-bit filter holding a handful of keys).
absent() {
  local f=$1; shift
  expect_exit 1 "$CSVBLOOM" query "$f" "$@"
}
# refused WORD ARGS...: build ARGS exits 2, stderr contains WORD, no crash.
refused() {
  local word=$1; shift
  expect_exit 2 "$CSVBLOOM" "$@"
  expect_err_contains "$word"
  no_crash_output
}

# ---- unterminated quote at end of input ----
# Each file: two good rows, then a record whose quote never closes.
printf 'id,email\n1,a@x\n2,b@x\n3,"c@x' >open_eof.csv           # no newline after it
printf 'id,email\n1,a@x\n2,b@x\n3,"' >quote_last_byte.csv        # the quote is the last byte
printf 'id,email\n1,a@x\n2,b@x\n3,"c""' >doubled_at_eof.csv      # a doubled quote, then the end
printf 'id,email\n1,a@x\n2,b@x\n3,"c@x\n4,d@x\n' >open_to_end.csv  # the rest of the file is inside it
for f in open_eof quote_last_byte doubled_at_eof open_to_end; do
  for opts in "-j1" "-j3 --chunk-size 16"; do
    # shellcheck disable=SC2086
    refused "$f.csv:4: unterminated quote" "${B[@]}" -o u.bloom $opts $f.csv
  done
  expect_exit 0 "$CSVBLOOM" "${B[@]}" -o u.bloom --on-error skip --stats-json u.json $f.csv
  check "[ \"\$(json_get u.json 'j[\"rows\"], j[\"bad_rows\"], j[\"keys_inserted\"]')\" = '(3, 1, 2)' ]" \
    "$f.csv --on-error skip: $(head -c 300 u.json)"
  present u.bloom a@x b@x
done
absent u.bloom 'c@x' 'd@x' $'c@x\n4,d@x\n'
# A quoted field closed right at the end is fine.
printf 'id,email\n1,a@x\n2,"b@x"' >closed_eof.csv
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o c.bloom closed_eof.csv
present c.bloom a@x b@x

# ---- NUL bytes ----
printf 'id,email,notes\n1,a\0b,x\0y\n2,\0,z\n3,c@x,\0\0\0\n' >nul.csv
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o nul.bloom --stats-json nul.json nul.csv
no_crash_output
check "[ \"\$(json_get nul.json 'j[\"rows\"], j[\"keys_inserted\"], j[\"empty_keys\"]')\" = '(3, 3, 0)' ]" \
  "NUL keys are keys: $(head -c 300 nul.json)"
present nul.bloom c@x
# "a<NUL>b" is one 3-byte key: the same filter whether quoted or not, and not "a" or "ab".
printf 'email\na\0b\n' >k_plain.csv
printf 'email\n"a\0b"\n' >k_quoted.csv
printf 'email\na\n' >k_a.csv
printf 'email\nab\n' >k_ab.csv
for k in k_plain k_quoted k_a k_ab; do expect_exit 0 "$CSVBLOOM" "${B[@]}" -o $k.bloom $k.csv; done
same_file k_plain.bloom k_quoted.bloom "a<NUL>b quoted and unquoted"
different_file k_plain.bloom k_a.bloom "a<NUL>b vs a (a NUL must not end the key)"
different_file k_plain.bloom k_ab.bloom "a<NUL>b vs ab (a NUL must not be dropped)"
# NUL-separated queries can't hold a NUL; the key file built with it holds it.
absent k_plain.bloom a ab

# ---- invalid UTF-8: bytes, never decoded ----
printf 'email\n\xff\xfe\n\xc3(\n\xc0\xaf\n\x80\nok@x\n"\xed\xa0\x80"\n' >utf8.csv
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o utf8.bloom utf8.csv
no_crash_output
present utf8.bloom $'\xff\xfe' $'\xc3(' $'\xc0\xaf' $'\x80' ok@x $'\xed\xa0\x80'
absent utf8.bloom $'\xff' $'\xfe\xff' '?' $'\xef\xbf\xbd'
# --lowercase folds ASCII only: an invalid or non-ASCII byte is left alone.
printf 'email\nAB\xc3\x89\xff\n' >fold.csv
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o fold.bloom --lowercase fold.csv
present fold.bloom $'ab\xc3\x89\xff' $'AB\xc3\x89\xff'
absent fold.bloom $'ab\xc3\xa9\xff'

# ---- a 50 MB record ----
big_field() { head -c $((50 << 20)) /dev/zero | tr '\0' 'x'; }
{ printf 'id,email,blob\n1,before@x,small\n2,long@x,'; big_field; printf '\n3,after@x,small\n'; } >long.csv
# Under the default limit (64 MiB): a row like any other.
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o long.bloom -j2 long.csv
present long.bloom before@x long@x after@x
# Over --max-record-bytes: a bad row named by file and line ...
refused "long.csv:3: record longer than the limit of 10000000 bytes (--max-record-bytes)" \
  "${B[@]}" -o long.bloom --max-record-bytes 10000000 long.csv
present long.bloom before@x long@x after@x  # (the old output is kept)
# ... skipped with --on-error skip, the rows around it kept ...
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o skip.bloom --max-record-bytes 10000000 --on-error skip --stats-json skip.json long.csv
check "[ \"\$(json_get skip.json 'j[\"bad_rows\"]')\" = 1 ]" "one bad row: $(head -c 300 skip.json)"
present skip.bloom before@x after@x
absent skip.bloom long@x
# ... on stdin too (the stream path) ...
expect_exit 2 "$CSVBLOOM" "${B[@]}" -o stdin.bloom --max-record-bytes 10000000 - <long.csv
expect_err_contains "<stdin>:3: record longer than the limit"
no_crash_output
# ... and as the header, reported before any work.
{ printf 'email,'; big_field; printf '\nx@x,1\n'; } >long_header.csv
refused "record limit" "${B[@]}" -o lh.bloom --max-record-bytes 10000000 long_header.csv
check "[ ! -e lh.bloom ]" "lh.bloom written"
rm -f long.csv long_header.csv

# ---- duplicate header names ----
printf 'id,email,email\n1,first@x,second@x\n' >dup.csv
refused "column 'email' appears 2 times in the header (columns 2 and 3): select it by index" \
  "${B[@]}" -o dup.bloom dup.csv
expect_exit 0 "$CSVBLOOM" build -q -o dup.bloom --key 3 --bits 1048576 --hashes 4 dup.csv
present dup.bloom second@x
absent dup.bloom first@x
# A duplicate name that is not the key is harmless.
printf 'email,x,x\nk@x,1,2\n' >dup_other.csv
expect_exit 0 "$CSVBLOOM" "${B[@]}" -o dup2.bloom dup_other.csv
present dup2.bloom k@x

# ---- very wide rows, very long names ----
python3 -c '
n = 100000
print(",".join("c%d" % i for i in range(1, n + 1)))
for r in range(3):
    print(",".join("r%d-%d" % (r, i) for i in range(1, n + 1)))
' >wide.csv
expect_exit 0 "$CSVBLOOM" build -q -o wide.bloom --key 100000 --bits 1048576 --hashes 4 -j2 --chunk-size 4096 wide.csv
present wide.bloom r0-100000 r1-100000 r2-100000
expect_exit 0 "$CSVBLOOM" build -q -o wide2.bloom --key c99999 --key c1 --bits 1048576 --hashes 4 wide.csv
present wide2.bloom r2-99999,r2-1
long_name=$(head -c 100000 /dev/zero | tr '\0' 'n')
{ printf 'id,%s\n1,v@x\n' "$long_name"; } >long_name.csv
expect_exit 0 "$CSVBLOOM" build -q -o ln.bloom --key "$long_name" --bits 1048576 --hashes 4 long_name.csv
present ln.bloom v@x
expect_exit 0 "$CSVBLOOM" info ln.bloom

# ---- random binary bytes ----
python3 -c '
import random, sys
r = random.Random(99)
sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(2_000_000)))
' >random.bin
for opts in "--no-header --key 1" "--key 1 --on-error skip" "--no-header --key 3 --on-error skip --allow-ragged -j3 --chunk-size 1000"; do
  set +e
  # shellcheck disable=SC2086
  "$CSVBLOOM" build -q -o rnd.bloom --bits 1048576 --hashes 4 $opts random.bin >/dev/null 2>"$WORK/err"
  rc=$?
  set -e
  check "[ $rc -eq 0 ] || [ $rc -eq 2 ]" "random bytes ($opts): exit $rc"
  no_crash_output
done

# ---- sizes no machine can hold ----
printf 'id,email\n1,a@x\n' >ok.csv
refused "--capacity" build -q -o s.bloom --key email --capacity 1e15 ok.csv
refused "2^46" build -q -o s.bloom --key email --capacity 100000000000000 --fpr 0.01 ok.csv
refused "of RAM and swap" build -q -o s.bloom --key email --capacity 1000000000000 ok.csv
refused "2^46" build -q -o s.bloom --key email --bits $((1 << 47)) --hashes 3 ok.csv
refused "2^46" build -q -o s.bloom --key email --capacity 1000 --fpr 1e-300 ok.csv
check "[ ! -e s.bloom ]" "s.bloom written"
no_temp_files .
finish
