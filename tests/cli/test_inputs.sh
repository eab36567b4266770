# Where inputs come from and what odd files are read as: edge-case files
# (BOM, CRLF, lone CR, no final newline, blank lines, empty and header-only
# files, per-file header order) against Python's csv module; directories
# (recursive, sorted, CSV/TSV only); --files-from (a file or stdin); stdin.
source "$(dirname "$0")/lib.sh"

# ---- edge-case files vs a clean rewrite of the keys Python reads ----
mkdir -p edge
python3 - <<'EOF'
import csv, io
files = {
    "bom.csv": b"\xef\xbb\xbfid,email\r\n1,bom@example.org\r\n",
    "crlf.csv": b"id,email\r\n1,crlf1@example.org\r\n2,\"crlf\r\n2@example.org\"\r\n",
    "lone_cr.csv": b"id,email\r1,cr1@example.org\r2,cr2@example.org\r",
    "no_final_newline.csv": b"id,email\n1,last@example.org",
    "no_final_newline_quoted.csv": b"id,email\n1,\"lastq@example.org\"",
    "blank_lines.csv": b"\n\nid,email\n\n1,blank1@example.org\n\r\n\n2,blank2@example.org\n\n",
    "empty.csv": b"",
    "header_only.csv": b"id,email\n",
    "bom_only.csv": b"\xef\xbb\xbf",
    "other_order.csv": b"email,id,extra\nother@example.org,1,x\n",
    "messy.csv": b"id,email\n1,\"mes\"\"sy\"tail\n2,stray\"quote@example.org\n3,\"a,b\"\n4,\"\"\n5,\n",
    "multiline_header.csv": b"\"i\nd\",\"em\"\"ail\"\n1,mh@example.org\n",
}
keys = []
for name, data in files.items():
    with open("edge/" + name, "wb") as f:
        f.write(data)
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [r for r in rows if r]
    if not rows:
        continue
    header = rows[0]
    col = header.index("email") if "email" in header else header.index('em"ail')
    keys += [r[col] for r in rows[1:] if r[col]]
with open("clean.csv", "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(["email"])
    for k in keys:
        w.writerow([k])
with open("expected_keys.txt", "w") as f:
    f.write("\n".join(k for k in keys if "\n" not in k and "\r" not in k) + "\n")
EOF
# (multiline_header.csv's key column is named em"ail: build it with its index.)
expect_exit 0 "$CSVBLOOM" build -q -o clean.bloom --key email --capacity 100 clean.csv
# (empty.csv and bom_only.csv hold no header: errors, tested below.)
expect_exit 0 "$CSVBLOOM" build -q -o edge1.bloom --key email --capacity 100 $(ls edge/*.csv | grep -v -e multiline_header -e empty.csv -e bom_only)
expect_exit 0 "$CSVBLOOM" build -q -o edge2.bloom --key 2 --capacity 100 edge/multiline_header.csv
# Every expected key is present, and the name-keyed build equals the clean
# rewrite minus multiline_header's key.
expect_exit 0 "$CSVBLOOM" query --absent --count edge1.bloom <expected_keys.txt
expect_out_equals "1"
expect_exit 0 "$CSVBLOOM" query --absent edge1.bloom <expected_keys.txt
expect_out_equals "mh@example.org"
expect_exit 0 "$CSVBLOOM" query edge2.bloom mh@example.org
grep -v '^"mh@example.org"$' clean.csv >clean1.csv
expect_exit 0 "$CSVBLOOM" build -q -o clean1.bloom --key email --capacity 100 clean1.csv
same_file edge1.bloom clean1.bloom "edge-case files vs the keys Python reads"
different_file edge1.bloom clean.bloom "clean.csv has one key more"
# Strays and text after a closing quote are data, as in Python.
expect_exit 0 "$CSVBLOOM" query edge1.bloom 'mes"sytail' 'stray"quote@example.org' 'a,b'
expect_out_equals $'mes"sytail\nstray"quote@example.org\na,b'
# Same answers with tiny chunks and many threads.
expect_exit 0 "$CSVBLOOM" build -q -o edge1j.bloom --key email --capacity 100 -j4 --chunk-size 16 $(ls edge/*.csv | grep -v -e multiline_header -e empty.csv -e bom_only)
same_file edge1j.bloom edge1.bloom "edge-case files, -j4 --chunk-size 16"
# Empty keys are counted, not inserted.
expect_exit 0 "$CSVBLOOM" build -o m.bloom --key email --capacity 100 edge/messy.csv
expect_err_contains "5 rows, 3 keys inserted (0 bad rows, 2 empty keys)"

# ---- directories: recursive, sorted, only *.csv / *.tsv ----
mkdir -p tree/b/deeper tree/a tree/c
printf 'email\nt1@example.org\n' >tree/b/deeper/z.csv
printf 'email\nt2@example.org\n' >tree/b/a.csv
printf 'email\nt3@example.org\n' >tree/a/m.csv
printf 'email\nt4@example.org\n' >tree/top.csv
printf 'email\nt5@example.org\n' >tree/c/tabs.tsv
printf 'not,a,csv\n"unterminated\n' >tree/c/notes.txt
printf 'garbage' >tree/c/data.csv.bak
expect_exit 0 "$CSVBLOOM" build -v -o tree.bloom --key email --capacity 100 tree
# -v lists the files read, in sorted order.
grep -E '^  tree/' "$WORK/err" | sed -E 's/^  ([^:]*):.*/\1/' >listed.txt
printf 'tree/a/m.csv\ntree/b/a.csv\ntree/b/deeper/z.csv\ntree/c/tabs.tsv\ntree/top.csv\n' >want_listed.txt
same_file listed.txt want_listed.txt "the files a directory expands to"
expect_exit 0 "$CSVBLOOM" query --count tree.bloom t1@example.org t2@example.org t3@example.org t4@example.org
expect_out_equals "4"
# A directory gives the same filter as its files listed by hand, in any order.
expect_exit 0 "$CSVBLOOM" build -q -o csvs.bloom --key email --capacity 100 tree/top.csv tree/b/deeper/z.csv \
  tree/a/m.csv tree/b/a.csv
expect_exit 0 "$CSVBLOOM" build -q -o csvdir.bloom --key email --capacity 100 tree/a tree/b tree/top.csv
same_file csvdir.bloom csvs.bloom "directories vs the files in them"
# A trailing slash changes nothing.
expect_exit 0 "$CSVBLOOM" build -q -o slash.bloom --key email --capacity 100 tree/a/ tree/b/ tree/top.csv
same_file slash.bloom csvs.bloom "directories with a trailing slash"
# An empty directory alone is an error; among other inputs, a warning.
mkdir -p nothing
expect_exit 2 "$CSVBLOOM" build -q -o none.bloom --key email --capacity 100 nothing
expect_err_contains "no input files"
expect_exit 0 "$CSVBLOOM" build -o some.bloom --key email --capacity 100 nothing tree/top.csv
expect_err_contains "nothing: directory holds no"

# ---- --files-from ----
printf 'tree/top.csv\r\n\ntree/b/deeper/z.csv\ntree/a\n' >list.txt
expect_exit 0 "$CSVBLOOM" build -q -o list.bloom --key email --capacity 100 --files-from list.txt tree/b/a.csv
same_file list.bloom csvs.bloom "--files-from list (CRLF, blank line, a directory) plus an argument"
expect_exit 0 "$CSVBLOOM" build -q -o list2.bloom --key email --capacity 100 --files-from - tree/b/a.csv <list.txt
same_file list2.bloom csvs.bloom "--files-from -"
# Paths with spaces are whole lines.
mkdir -p "with space"
cp tree/top.csv "with space/a file.csv"
printf 'with space/a file.csv\n' >spaced.txt
expect_exit 0 "$CSVBLOOM" build -q -o spaced.bloom --key email --capacity 100 --files-from spaced.txt
expect_exit 0 "$CSVBLOOM" query spaced.bloom t4@example.org
# A missing file in the list is reported like any input.
printf 'tree/top.csv\nnot-there.csv\n' >badlist.txt
expect_exit 2 "$CSVBLOOM" build -q -o bl.bloom --key email --capacity 100 --files-from badlist.txt
expect_err_contains "not-there.csv"
# An empty list is an error.
: >empty_list.txt
expect_exit 2 "$CSVBLOOM" build -q -o el.bloom --key email --capacity 100 --files-from empty_list.txt
expect_err_contains "no input files"

# ---- stdin ----
expect_exit 0 "$CSVBLOOM" build -q -o stdin.bloom --key email --capacity 100 - <edge/crlf.csv
expect_exit 0 "$CSVBLOOM" build -q -o crlf.bloom --key email --capacity 100 edge/crlf.csv
same_file stdin.bloom crlf.bloom "stdin vs file"
expect_exit 0 "$CSVBLOOM" build -q -o stdin_bom.bloom --key email --capacity 100 - <edge/bom.csv
expect_exit 0 "$CSVBLOOM" build -q -o bom.bloom --key email --capacity 100 edge/bom.csv
same_file stdin_bom.bloom bom.bloom "BOM on stdin vs file"
# An empty stdin where a header is expected is an error, as an empty file is
# (issue 13); without a header it adds nothing.
expect_exit 2 "$CSVBLOOM" build -q -o stdin_empty.bloom --key email --capacity 100 - </dev/null
expect_err_contains "header is expected"
expect_exit 0 "$CSVBLOOM" build -q -o stdin_empty.bloom --no-header --key 1 --capacity 100 - </dev/null
expect_exit 1 "$CSVBLOOM" query --count stdin_empty.bloom a
expect_out_equals "0"
printf 'id,mail\n1,x\n' >nocol.csv
expect_exit 2 "$CSVBLOOM" build -q -o stdin_nocol.bloom --key email --capacity 100 - <nocol.csv
expect_err_contains "no column 'email'"
expect_exit 2 "$CSVBLOOM" build -q -o twice.bloom --key email --capacity 100 - - <edge/crlf.csv
expect_err_contains "more than once"

finish
