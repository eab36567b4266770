# docs/FORMAT.md's worked example against the binary, so that the page can't
# drift from what `csvbloom build` writes:
#  - the "## Example" section's sh block is run as written (csvbloom being the
#    binary under test), and its output must equal the documented header dump
#    and sha256 (the two plain ``` blocks that follow it), byte for byte;
#  - the figures its prose states (size, bits, hashes, checksum bytes, key0's
#    hash and bit positions) are checked against the file and `info`;
#  - the key-byte rules the page states for `query` (trim applied to the keys
#    asked, empty lines hashed rather than skipped).
# When the format or the sizing changes, re-run the commands, paste their
# output into docs/FORMAT.md and update the figures here and there together.
source "$(dirname "$0")/lib.sh"
DOC="$SRC/docs/FORMAT.md"

# The Example section, and its fenced blocks in order.
section=$(awk '/^## Example$/ { on = 1; next } on && /^## / { exit } on' "$DOC")
[ -n "$section" ] && pass || fail "docs/FORMAT.md has no '## Example' section"
commands=$(printf '%s\n' "$section" | awk '/^```sh$/ { on = 1; next } on && /^```$/ { exit } on')
expected=$(printf '%s\n' "$section" | awk '/^```sh$/ { sh = 1; next } sh && /^```$/ { sh = 0; done_sh = 1; next }
                                             done_sh && /^```$/ { on = !on; next } on')
[ -n "$commands" ] && pass || fail "no sh block in FORMAT.md's example"
[ -n "$expected" ] && pass || fail "no output blocks in FORMAT.md's example"
printf '%s\n' "$commands" | grep -q '^csvbloom build ' && pass || fail "the example's commands have no 'csvbloom build' line"

csvbloom() { "$CSVBLOOM" "$@"; }
got=$(eval "$commands")
if [ "$got" = "$expected" ]; then pass; else
  fail "FORMAT.md's example output differs from what its commands print now:"
  diff <(printf '%s\n' "$expected") <(printf '%s\n' "$got") | head -20 >&2
fi

# The figures in the prose.
[ "$(stat -c %s example.bloom)" = 1416 ] && pass || fail "example.bloom is $(stat -c %s example.bloom) bytes, FORMAT.md says 1416"
grep -qF '`example.bloom` is 1416 bytes (128 + 10240 / 8 + 8): blocked, 10240 bits' "$DOC" && pass ||
  fail "FORMAT.md's example prose no longer states 1416 bytes / 10240 bits"
"$CSVBLOOM" info example.bloom >info.txt
grep -Eq '^bits: +10,240 ' info.txt && pass || fail "info: bits are not 10,240: $(grep '^bits' info.txt)"
grep -Eq '^hashes: +7$' info.txt && pass || fail "info: hashes are not 7: $(grep '^hashes' info.txt)"
grep -Eq '^sized for: +1,000 keys at FPR 0.01$' info.txt && pass || fail "info: $(grep '^sized' info.txt)"
grep -Eq 'seed 0x6373766233303231$' info.txt && pass || fail "info: $(grep 'seed' info.txt)"
checksum=$(tail -c 8 example.bloom | od -An -tx1 | tr -s ' ' | sed 's/^ //; s/ $//')
[ "$checksum" = "b2 a8 93 5e 3f 16 17 be" ] && pass || fail "checksum bytes are '$checksum'"
grep -qF "$checksum" "$DOC" && pass || fail "FORMAT.md does not state the checksum bytes '$checksum'"
# key0's filter bits (block 7): each is bit b % 8 of payload byte b / 8, after 128 header bytes.
for b in 3962 3976 3738 3719 3670 3779 3833; do
  byte=$(od -An -tu1 -j $((128 + b / 8)) -N 1 example.bloom | tr -d ' ')
  [ $(((byte >> (b % 8)) & 1)) = 1 ] && pass || fail "key0's bit $b is not set"
done
grep -qF '3962, 3976, 3738, 3719, 3670, 3779, 3833' "$DOC" && pass || fail "FORMAT.md no longer lists key0's bits"

# query: the filter's trim applies to the keys asked; blank lines are skipped
# (no key to ask), so two blank lines and key1 leave nothing absent.
expect_exit 0 "$CSVBLOOM" query -s example.bloom '  key7	'
printf '\n\nkey1\nnot-a-key\n' | "$CSVBLOOM" query --count --absent example.bloom >out.txt || true
[ "$(cat out.txt)" = 1 ] && pass || fail "query --absent --count on two blank lines, key1 and not-a-key printed '$(cat out.txt)', not 1"
# build: a row with an empty key is not inserted and not counted.
printf 'id\nkey1\n\n""\n  \nkey2\n' >empty.csv
"$CSVBLOOM" build -q -o empty.bloom --key id --trim --capacity 10 empty.csv
[ "$(od -An -tu8 -j 40 -N 8 empty.bloom | tr -d ' ')" = 2 ] && pass || fail "keys_inserted counts empty keys"
finish
