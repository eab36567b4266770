# Corrupted filter files through the CLI: info, query and merge (the corrupt
# file first or second, alternately) must exit 2 with a message containing
# "corrupt" and naming the file, never crash, and merge must leave no output
# and no temp file. The corruptions: every byte of the header and of the
# checksum flipped (XOR 0xFF), 40 random single-bit flips in the payload,
# truncation at every length from 0 to the end of the header (plus a few in
# the payload and just before the end), a zero-length file, and one byte too
# many. (The library-level equivalents, bit by bit: tests/unit/test_format.cpp.)
# query --no-verify skips the payload checksum by design: it accepts payload
# flips (and answers from the damaged bits) but still rejects a bad header size.
source "$(dirname "$0")/lib.sh"
source "$SRC/tests/cli/faults_lib.sh"

printf 'id,email\n' >in.csv
for i in $(seq 1 200); do echo "$i,user$i@example.org"; done >>in.csv
expect_exit 0 "$CSVBLOOM" build -q -o good.bloom --key email --bits 4096 --hashes 4 in.csv
expect_exit 0 "$CSVBLOOM" query good.bloom user7@example.org

mkdir bad
python3 - good.bloom bad <<'EOF'
import random, sys
good = open(sys.argv[1], "rb").read()
out = sys.argv[2]
header = int.from_bytes(good[12:16], "little")
assert header == 128 and len(good) == 128 + 512 + 8, (header, len(good))
def write(name, data):
    open(f"{out}/{name}.bloom", "wb").write(data)
for i in list(range(header)) + list(range(len(good) - 8, len(good))):
    b = bytearray(good); b[i] ^= 0xFF; write(f"flip-{i:04d}", b)
rng = random.Random(1234)
for n in range(40):
    i = rng.randrange(header, len(good) - 8)
    b = bytearray(good); b[i] ^= 1 << rng.randrange(8); write(f"payload-{n:02d}-{i}", b)
for n in list(range(0, header + 9)) + [300, len(good) - 9, len(good) - 8, len(good) - 1]:
    write(f"trunc-{n:04d}", good[:n])
write("extra-byte", good + b"\0")
EOF
count=$(ls bad | wc -l)
echo "$count corrupted files"
check "[ $count -eq 318 ]" "expected 318 corrupted files, got $count"

# rejected CMD...: exit 2, "corrupt" and the file's name on stderr, no crash.
rejected() {
  local file=$1; shift
  expect_exit 2 "$@"
  expect_err_contains "corrupt"
  expect_err_contains "${file##*/}"
  no_crash_output
}
n=0
for f in bad/*.bloom; do
  n=$((n + 1))
  rejected "$f" "$CSVBLOOM" info "$f"
  rejected "$f" "$CSVBLOOM" query "$f" user7@example.org
  # merge: the corrupt file first or second, alternately.
  if [ $((n % 2)) -eq 0 ]; then
    rejected "$f" "$CSVBLOOM" merge -q -o merged.bloom "$f" good.bloom
  else
    rejected "$f" "$CSVBLOOM" merge -q -o merged.bloom good.bloom "$f"
  fi
  check "[ ! -e merged.bloom ]" "merge with $f wrote merged.bloom"
  case $f in
    */payload-*)
      # Accepted without the checksum; the answer comes from the damaged bits.
      set +e
      "$CSVBLOOM" query --no-verify "$f" user7@example.org >/dev/null 2>"$WORK/err"
      rc=$?
      set -e
      check "[ $rc -eq 0 ] || [ $rc -eq 1 ]" "query --no-verify $f: exit $rc, want 0 or 1"
      ;;
    */trunc-*|*/extra-byte.bloom)
      rejected "$f" "$CSVBLOOM" query --no-verify "$f" user7@example.org
      ;;
  esac
done
no_temp_files .
# The good file is untouched by all this and still answers.
expect_exit 0 "$CSVBLOOM" query good.bloom user7@example.org
finish
