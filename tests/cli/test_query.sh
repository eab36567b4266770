# `csvbloom query`: keys from arguments or stdin (lines, CRLF, NUL-separated),
# what it prints (--absent, --count, -s), its exit codes (0: some key may be
# present, 1: none, 2: error), composite keys as one CSV row, and no false
# negatives.
source "$(dirname "$0")/lib.sh"

python3 - <<'EOF'
import csv
with open("keys.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["email", "first", "last"])
    for i in range(2000):
        w.writerow([f"user{i}@example.org", f"First{i}", f"Last, {i}"])
    w.writerow(["ada@example.org", "Ada", "Lovelace"])
    w.writerow(['quote"d@example.org', 'Ada "The Countess"', "Lovelace\nKing"])
EOF
expect_exit 0 "$CSVBLOOM" build -q -o e.bloom --key email --capacity 3000 --fpr 0.0001 keys.csv
expect_exit 0 "$CSVBLOOM" build -q -o n.bloom --key first --key last --capacity 3000 --fpr 0.0001 keys.csv

# ---- exit codes ----
expect_exit 0 "$CSVBLOOM" query e.bloom ada@example.org
expect_out_equals "ada@example.org"
expect_exit 0 "$CSVBLOOM" query e.bloom nobody@example.net ada@example.org
expect_out_equals "ada@example.org"
expect_exit 1 "$CSVBLOOM" query e.bloom nobody@example.net
expect_out_equals ""
expect_exit 2 "$CSVBLOOM" query missing.bloom ada@example.org
expect_err_contains "missing.bloom"
printf 'not a filter at all, but long enough to have a header of sixty-four bytes, and more\n' >junk.bloom
expect_exit 2 "$CSVBLOOM" query junk.bloom ada@example.org
expect_err_contains "junk.bloom"
# A flipped bit in the payload fails the checksum; --no-verify skips it.
cp e.bloom flipped.bloom
python3 - <<'EOF'
data = bytearray(open("flipped.bloom", "rb").read())
data[len(data) // 2] ^= 0x10
open("flipped.bloom", "wb").write(data)
EOF
expect_exit 2 "$CSVBLOOM" query flipped.bloom ada@example.org
expect_err_contains "checksum"
expect_exit 0 "$CSVBLOOM" query --no-verify e.bloom ada@example.org

# ---- no false negatives: every key built in is found ----
python3 -c '
import csv
for row in csv.DictReader(open("keys.csv", newline="")):
    if "\n" not in row["email"]: print(row["email"])' >all.txt
expect_exit 1 "$CSVBLOOM" query --absent --count e.bloom <all.txt  # none selected: 1, as grep -c
expect_out_equals "0"
expect_exit 0 "$CSVBLOOM" query --count e.bloom <all.txt
expect_out_equals "2002"

# ---- stdin: lines, CRLF, no final newline, empty lines ----
printf 'ada@example.org\r\nnobody@x\nuser7@example.org' >mixed.txt
expect_exit 0 "$CSVBLOOM" query e.bloom <mixed.txt
expect_out_equals $'ada@example.org\nuser7@example.org'
expect_exit 0 "$CSVBLOOM" query --absent e.bloom <mixed.txt
expect_out_equals "nobody@x"
expect_exit 1 "$CSVBLOOM" query e.bloom </dev/null
expect_out_equals ""
expect_exit 1 "$CSVBLOOM" query --count e.bloom </dev/null
expect_out_equals "0"
# Blank lines are skipped (build never inserts an empty key), as for
# composite filters (test_query_pipeline.sh).
printf '\n\nada@example.org\n' >blank.txt
expect_exit 1 "$CSVBLOOM" query --count --absent e.bloom <blank.txt
expect_out_equals "0"
expect_exit 0 "$CSVBLOOM" query --count e.bloom <blank.txt
expect_out_equals "1"
# Many keys: more than one read buffer and one answer batch.
python3 -c '
for i in range(200000): print(f"user{i}@example.org" if i % 100 == 0 else f"stranger{i}@example.net")' >many.txt
expect_exit 0 "$CSVBLOOM" query e.bloom <many.txt
check "[ \"\$(grep -c '^user' '$WORK/out')\" = 20 ]" "expected the 20 members among 200000 keys"
check "[ \"\$(wc -l <'$WORK/out')\" -lt 60 ]" "far more false positives than 0.01% of 200000: $(wc -l <"$WORK/out")"

# ---- -0: NUL-separated keys in and out ----
printf 'ada@example.org\0nobody@x\0quote"d@example.org\0' >nul.bin
expect_exit 0 "$CSVBLOOM" query -0 e.bloom <nul.bin
printf 'ada@example.org\0quote"d@example.org\0' >want.bin
same_file "$WORK/out" want.bin "-0 output"
# A key may hold a newline with -0 (the composite key's last name does).
printf 'Ada "The Countess",Lovelace\nKing\0' >nl.bin
expect_exit 2 "$CSVBLOOM" query -0 n.bloom <nl.bin  # unquoted, the newline ends the row
expect_err_contains "more than one row"
printf '"Ada ""The Countess""","Lovelace\nKing"\0' >nlq.bin
expect_exit 0 "$CSVBLOOM" query -0 n.bloom <nlq.bin
same_file "$WORK/out" nlq.bin "-0 composite with a quoted newline"
# Arguments are keys whatever -0 says; the output is NUL-separated.
expect_exit 0 "$CSVBLOOM" query -0 e.bloom ada@example.org
printf 'ada@example.org\0' >want1.bin
same_file "$WORK/out" want1.bin "-0 with an argument"

# ---- --absent, --count, -s ----
expect_exit 0 "$CSVBLOOM" query --absent e.bloom nobody@x other@x  # printed: 0, as grep -v
expect_out_equals $'nobody@x\nother@x'
expect_exit 0 "$CSVBLOOM" query --count e.bloom ada@example.org nobody@x user1@example.org
expect_out_equals "2"
expect_exit 0 "$CSVBLOOM" query --count --absent e.bloom ada@example.org nobody@x user1@example.org
expect_out_equals "1"
expect_exit 1 "$CSVBLOOM" query -c e.bloom nobody@x
expect_out_equals "0"
expect_exit 0 "$CSVBLOOM" query -s e.bloom ada@example.org
expect_out_equals ""
expect_exit 1 "$CSVBLOOM" query --silent e.bloom nobody@x
expect_out_equals ""

# ---- composite keys: one CSV row in the filter's dialect ----
expect_exit 0 "$CSVBLOOM" query n.bloom 'Ada,Lovelace' 'First7,"Last, 7"' '"First8","Last, 8"' 'Lovelace,Ada'
expect_out_equals $'Ada,Lovelace\nFirst7,"Last, 7"\n"First8","Last, 8"'
# A comma inside a field needs quotes, as in the CSV: unquoted it is three fields.
expect_exit 2 "$CSVBLOOM" query n.bloom 'First7,Last, 7'
expect_exit 0 "$CSVBLOOM" query n.bloom '"Ada ""The Countess""","Lovelace
King"'
# Wrong field counts and unbalanced quotes are errors (exit 2), naming the key.
expect_exit 2 "$CSVBLOOM" query n.bloom 'Ada'
expect_err_contains "exactly 2 fields"
expect_err_contains "'Ada'"
expect_exit 2 "$CSVBLOOM" query n.bloom 'Ada,Love,lace'
expect_err_contains "got 3"
expect_exit 2 "$CSVBLOOM" query n.bloom '"Ada,Lovelace'
expect_err_contains "unterminated quote"
printf 'Ada,Lovelace\nFirst3,"Last, 3"\r\nnobody,here\n' >pairs.txt
expect_exit 0 "$CSVBLOOM" query n.bloom <pairs.txt
expect_out_equals $'Ada,Lovelace\nFirst3,"Last, 3"'
# A semicolon filter takes semicolon rows.
printf 'a;b;c\n1;x,y;z\n' >semi.csv
expect_exit 0 "$CSVBLOOM" build -q -o semi.bloom --delimiter ';' --key b --key c --capacity 10 semi.csv
expect_exit 0 "$CSVBLOOM" query semi.bloom 'x,y;z'
expect_exit 2 "$CSVBLOOM" query semi.bloom 'x,y,z'
# A single-column key is never parsed as CSV.
printf 'k\n"a,b"\n"q""q"\n' >single.csv
expect_exit 0 "$CSVBLOOM" build -q -o single.bloom --capacity 10 single.csv
expect_exit 0 "$CSVBLOOM" query single.bloom 'a,b' 'q"q' '"a,b"'
expect_out_equals $'a,b\nq"q'

# ---- usage ----
expect_exit 2 "$CSVBLOOM" query
expect_err_contains "filter"

finish
