# `csvbloom build`: the happy paths, the summary it prints, the filter it
# records, and determinism (the same bytes for any thread split, chunk size
# and file order).
source "$(dirname "$0")/lib.sh"
DATA="$SRC/data"

# ---- the quick start on data/ ----
expect_exit 0 "$CSVBLOOM" build -o sample.bloom --key email --fpr 0.001 "$DATA"
expect_err_contains "wrote sample.bloom: 2 files"
expect_err_contains "30 rows, 30 keys inserted (0 bad rows, 0 empty keys)"
expect_err_contains "no --capacity: sizing for"
expect_exit 0 "$CSVBLOOM" query sample.bloom ada@example.org
expect_out_equals "ada@example.org"
expect_exit 1 "$CSVBLOOM" query sample.bloom nobody@example.net
# Every email Python's csv module reads from the samples is found.
python3 - "$DATA/customers.csv" "$DATA/orders.csv" >emails.txt <<'EOF'
import csv, sys
for path in sys.argv[1:]:
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            print(row["email"])
EOF
check "[ \$(wc -l <emails.txt) -eq 30 ]" "expected 30 sample emails"
# (the exit status says whether a key was printed, as grep -v's)
expect_exit 1 "$CSVBLOOM" query --absent sample.bloom <emails.txt
expect_out_equals ""
# The multi-line, comma-holding notes column is data, not keys.
expect_exit 1 "$CSVBLOOM" query sample.bloom "  - Mark I" "priority displays\"" "Thanks!\""

# ---- -q prints nothing on success ----
expect_exit 0 "$CSVBLOOM" build -q -o quiet.bloom --key email --capacity 100 "$DATA/customers.csv"
check "[ ! -s '$WORK/err' ]" "-q printed: $(head -c 200 "$WORK/err")"

# ---- determinism: thread split, chunk size, queue size ----
python3 - <<'EOF'
import csv, random
rng = random.Random(3)
for n in range(3):
    with open(f"part{n}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n" if n == 1 else "\n")
        w.writerow(["id", "email", "notes"])
        for i in range(3000):
            notes = rng.choice(["", "plain", "with, comma", 'say "hi"', "two\nlines", "x" * rng.randint(0, 80)])
            w.writerow([i, f"user{n}-{i}@example.org", notes])
EOF
common=(--key email --capacity 10000 --fpr 0.01)
expect_exit 0 "$CSVBLOOM" build -q -o ref.bloom "${common[@]}" -j1 part0.csv part1.csv part2.csv
for opts in "-j 4" "-j 2" "--readers 3 --workers 0" "--readers 1 --workers 3" "-j 4 --chunk-size 16" \
            "-j 3 --chunk-size 100 --queue-batches 1" "-j 2 --chunk-size 4096 --queue-batches 3" \
            "-j 2 --chunk-size 1K" "-j 2 --chunk-size 1MiB --max-record-bytes 1m"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$CSVBLOOM" build -q -o j.bloom "${common[@]}" $opts part0.csv part1.csv part2.csv
  same_file j.bloom ref.bloom "options $opts"
done
# Size suffixes are powers of 1024: a 2,040-byte record fits in 2K (2,048) but
# not in 2,000 bytes; an unknown suffix is an error naming the option.
python3 -c 'print("id,email\n1," + "x" * 2033 + "\n2,b@x")' >long.csv
expect_exit 0 "$CSVBLOOM" build -q -o long.bloom --key email --capacity 10 --max-record-bytes 2K long.csv
expect_exit 2 "$CSVBLOOM" build -q -o long.bloom --key email --capacity 10 --max-record-bytes 2000 long.csv
expect_err_contains "long.csv:2: record longer than the limit of 2000 bytes"
expect_exit 2 "$CSVBLOOM" build -q -o long.bloom --key email --capacity 10 --chunk-size 4X long.csv
expect_err_contains "--chunk-size"
# File order does not matter.
for order in "part2.csv part0.csv part1.csv" "part1.csv part2.csv part0.csv"; do
  # shellcheck disable=SC2086
  expect_exit 0 "$CSVBLOOM" build -q -o o.bloom "${common[@]}" -j4 $order
  same_file o.bloom ref.bloom "order $order"
done
# A different key set gives a different filter (the comparisons above can fail).
expect_exit 0 "$CSVBLOOM" build -q -o two.bloom "${common[@]}" part0.csv part1.csv
different_file two.bloom ref.bloom "two files vs three"

# ---- stdin: same bytes as the file, with --capacity ----
expect_exit 0 "$CSVBLOOM" build -q -o file.bloom "${common[@]}" part1.csv
expect_exit 0 bash -c "\"$CSVBLOOM\" build -q -o stdin.bloom ${common[*]} - <part1.csv"
same_file stdin.bloom file.bloom "stdin vs file"
expect_exit 0 bash -c "cat part1.csv | \"$CSVBLOOM\" build -q -o pipe.bloom ${common[*]} -j4 -"
same_file pipe.bloom file.bloom "pipe vs file"
# Files and stdin together, stdin in the middle.
expect_exit 0 "$CSVBLOOM" build -q -o mixed.bloom "${common[@]}" part0.csv - part2.csv <part1.csv
same_file mixed.bloom ref.bloom "stdin among files"
# stdin's size is unknown: --capacity is required.
expect_exit 2 "$CSVBLOOM" build -q -o nocap.bloom --key email - <part1.csv
expect_err_contains "--capacity"
check "[ ! -e nocap.bloom ]" "nocap.bloom was written"

# ---- sizing: --capacity/--fpr and --bits/--hashes are recorded ----
expect_exit 0 "$CSVBLOOM" build -q -o sized.bloom --key email --capacity 5000 --fpr 0.001 part0.csv
expect_exit 0 "$CSVBLOOM" info --json sized.bloom
cp "$WORK/out" sized.json
check "[ \"\$(json_get sized.json 'j[\"capacity\"], j[\"target_fpr\"], j[\"keys_inserted\"]')\" = '(5000, 0.001, 3000)' ]" \
  "sized.bloom: $(json_get sized.json 'j["capacity"], j["target_fpr"], j["keys_inserted"]')"
expect_exit 0 "$CSVBLOOM" build -q -o explicit.bloom --key email --bits 100000 --hashes 5 --layout classic part0.csv
expect_exit 0 "$CSVBLOOM" info --json explicit.bloom
cp "$WORK/out" explicit.json
check "[ \"\$(json_get explicit.json 'j[\"bits\"], j[\"hashes\"], j[\"layout\"], float(j[\"target_fpr\"])')\" = \"(100032, 5, 'classic', 0.0)\" ]" \
  "explicit.bloom: $(json_get explicit.json 'j["bits"], j["hashes"], j["layout"], j["target_fpr"]')"
# --bits rounds up to a whole 512-bit block for the blocked layout.
expect_exit 0 "$CSVBLOOM" build -q -o blocks.bloom --key email --bits 1000 --hashes 4 part0.csv
expect_exit 0 "$CSVBLOOM" info --json blocks.bloom
cp "$WORK/out" blocks.json
check "[ \"\$(json_get blocks.json 'j[\"bits\"]')\" = 1024 ]" "--bits 1000 gave $(json_get blocks.json 'j["bits"]') bits"
# A seed changes the bits.
expect_exit 0 "$CSVBLOOM" build -q -o seeded.bloom --key email --capacity 5000 --fpr 0.001 --seed 42 part0.csv
different_file seeded.bloom sized.bloom "--seed 42"
expect_exit 0 "$CSVBLOOM" query seeded.bloom user0-17@example.org

# ---- key options ----
printf 'first,last,email\nAda,Lovelace,  Ada@Example.ORG \n"Grace","Hopper, USN",grace@example.com\n' >people.csv
expect_exit 0 "$CSVBLOOM" build -q -o names.bloom --key first --key last --capacity 10 people.csv
expect_exit 0 "$CSVBLOOM" query names.bloom 'Ada,Lovelace' 'Grace,"Hopper, USN"' 'Lovelace,Ada'
expect_out_equals $'Ada,Lovelace\nGrace,"Hopper, USN"'
# By index, same filter as by name.
expect_exit 0 "$CSVBLOOM" build -q -o names_idx.bloom --key 1 --key 2 --capacity 10 people.csv
expect_exit 0 "$CSVBLOOM" query names_idx.bloom 'Ada,Lovelace'
# --trim and --lowercase are recorded and applied to queries.
expect_exit 0 "$CSVBLOOM" build -q -o norm.bloom --key email --trim --lowercase --capacity 10 people.csv
expect_exit 0 "$CSVBLOOM" query norm.bloom 'ada@example.org' ' ADA@example.org'
expect_out_equals $'ada@example.org\n ADA@example.org'
expect_exit 1 "$CSVBLOOM" query norm.bloom 'ada@example.net'
expect_exit 0 "$CSVBLOOM" build -q -o raw.bloom --key email --capacity 10 people.csv
expect_exit 1 "$CSVBLOOM" query raw.bloom 'ada@example.org'
expect_exit 0 "$CSVBLOOM" query raw.bloom '  Ada@Example.ORG '
# A header that is a number: =NAME forces a name.
printf '2020,2021\nx,y\n' >years.csv
expect_exit 0 "$CSVBLOOM" build -q -o years.bloom --key =2021 --capacity 10 years.csv
expect_exit 0 "$CSVBLOOM" query years.bloom y
expect_exit 1 "$CSVBLOOM" query years.bloom x
# Without --key: the first column.
expect_exit 0 "$CSVBLOOM" build -q -o first.bloom --capacity 10 people.csv
expect_exit 0 "$CSVBLOOM" query first.bloom Ada Grace
expect_out_equals $'Ada\nGrace'

# ---- dialects ----
printf 'id\temail\n1\t"a\tb"\n2\tc,d\n' >t.tsv
expect_exit 0 "$CSVBLOOM" build -q -o tsv.bloom --tsv --key email --capacity 10 t.tsv
expect_exit 0 "$CSVBLOOM" query tsv.bloom $'a\tb' 'c,d'
expect_out_equals $'a\tb\nc,d'
expect_exit 0 "$CSVBLOOM" build -q -o tsv2.bloom --delimiter '\t' --key email --capacity 10 t.tsv
same_file tsv2.bloom tsv.bloom "--delimiter '\\t' vs --tsv"
printf 'id;email\n1;"a;b"\n2;c,d\n' >s.csv
expect_exit 0 "$CSVBLOOM" build -q -o semi.bloom --delimiter ';' --key email --capacity 10 s.csv
expect_exit 0 "$CSVBLOOM" query semi.bloom 'a;b' 'c,d'
expect_out_equals $'a;b\nc,d'
printf 'a@x,1\n"b@x",2\n' >nh.csv
expect_exit 0 "$CSVBLOOM" build -q -o nh.bloom --no-header --key 1 --capacity 10 nh.csv
expect_exit 0 "$CSVBLOOM" query nh.bloom a@x b@x
expect_out_equals $'a@x\nb@x'

# ---- --stats-json ----
expect_exit 0 "$CSVBLOOM" build -q -o st.bloom --key email --capacity 10000 --stats-json stats.json part0.csv part1.csv
check "[ \"\$(json_get stats.json 'j[\"files\"], j[\"rows\"], j[\"keys_inserted\"], j[\"bad_rows\"], j[\"output\"]')\" = \"(2, 6000, 6000, 0, 'st.bloom')\" ]" \
  "stats.json: $(head -c 300 stats.json)"
check "[ \"\$(json_get stats.json 'sorted(j[\"filter\"].keys()) == sorted(json.load(open(\"sized.json\")).keys() - {\"file\", \"file_bytes\", \"format_version\"})')\" = True ]" \
  "stats.json's filter object has other fields than info --json"
expect_exit 0 "$CSVBLOOM" build -q -o st2.bloom --key email --capacity 10000 --stats-json - part0.csv
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out" && pass || fail "--stats-json - is not JSON"

finish
