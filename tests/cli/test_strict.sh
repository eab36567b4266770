# Issue 13, "saturation is an error when asked, and visible always": a filter
# fuller than its target FPR warns even under -q (the one warning a cron job
# must see), --stats-json lists every warning, the distinct-key estimate of a
# saturated filter says "more than N", and --strict turns the warnings (FPR
# over target, skipped bad rows, inputs without data rows) into exit 2 with
# the old output untouched. Each of these failed on 2026-12-04, commit 7ea6f7b.
source "$(dirname "$0")/lib.sh"

# The table's row: 100,000 distinct keys in a directory, --capacity 1000.
mkdir dir
python3 -c '
for part in range(4):
    with open(f"dir/part{part}.csv", "w") as f:
        f.write("id,email\n")
        for i in range(part * 25000, (part + 1) * 25000): f.write(f"{i},user{i}@example.org\n")'
printf 'id,email\n1,old@example.org\n' >old.csv
expect_exit 0 "$CSVBLOOM" build -q -o s.bloom --key email --capacity 1000 old.csv
cp s.bloom s.orig

expect_exit 0 "$CSVBLOOM" build -q -o s.bloom --key email --capacity 1000 dir
expect_err_contains "warning: the estimated FPR"
expect_err_contains "more than --capacity 1,000"
# 100,000 keys in a filter for 1,000: the fill can't tell how many; it must
# not claim ~9,000.
expect_err_matches "holds more than [0-9,]+ distinct keys"
expect_exit 0 "$CSVBLOOM" info s.bloom
expect_out_contains "est. distinct:     more than"
# Its non-members do read as present: the warning was right.
python3 -c '
for i in range(1000): print(f"stranger{i}@example.net")' >strangers.txt
expect_exit 0 "$CSVBLOOM" query --count s.bloom <strangers.txt
check "[ \$(cat \"$WORK/out\") -gt 900 ]" "the saturated filter should answer present to most strangers"

# --stats-json carries the warnings, with or without -q.
cp s.orig s.bloom
expect_exit 0 "$CSVBLOOM" build -q -o s.bloom --key email --capacity 1000 --stats-json s.json dir
check "[ \"\$(json_get s.json 'len(j[\"warnings\"])')\" -ge 1 ]" "--stats-json has no warnings"
check "json_get s.json 'j[\"warnings\"][0]' | grep -q 'estimated FPR'" "the FPR warning is not in --stats-json"
expect_exit 0 "$CSVBLOOM" build -q -o ok.bloom --key email --capacity 200000 --stats-json ok.json dir
check "[ \"\$(json_get ok.json 'j[\"warnings\"]')\" = '[]' ]" "a clean build's warnings are not []"
expect_err_lacks "warning"

# ---- --strict ----
cp s.orig s.bloom
expect_exit 2 "$CSVBLOOM" build -q --strict -o s.bloom --key email --capacity 1000 dir
expect_err_contains "--strict"
expect_err_contains "estimated FPR"
same_file s.bloom s.orig "--strict with an FPR over target"
no_temp_files .
# Skipped bad rows.
printf 'id,email\n1,a@example.org\n2,"never closed\n' >bad.csv
expect_exit 0 "$CSVBLOOM" build -q -o s.bloom --on-error skip --key email --capacity 100 old.csv bad.csv
cp s.orig s.bloom
expect_exit 2 "$CSVBLOOM" build -q --strict -o s.bloom --on-error skip --key email --capacity 100 old.csv bad.csv
expect_err_contains "bad row"
same_file s.bloom s.orig "--strict with skipped bad rows"
# An input without data rows.
printf 'id,email\n' >header_only.csv
expect_exit 0 "$CSVBLOOM" build -q -o s.bloom --key email --capacity 100 old.csv header_only.csv
cp s.orig s.bloom
expect_exit 2 "$CSVBLOOM" build -q --strict -o s.bloom --key email --capacity 100 old.csv header_only.csv
expect_err_contains "header_only.csv: no data rows"
same_file s.bloom s.orig "--strict with an input without data rows"
# A clean build passes --strict.
expect_exit 0 "$CSVBLOOM" build -q --strict -o s.bloom --key email --capacity 200000 dir
different_file s.bloom s.orig "a clean --strict build"
finish
