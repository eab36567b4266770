# examples/nightly.mk and examples/nightly-cron.sh end to end, on a copy of
# examples/: the standing filter is built once from data/; each day's
# new-rows.csv holds exactly the day's records whose email was never seen
# (history and earlier days: checked against Python's csv module; false
# positives are possible in principle, none with these few keys at 0.1%);
# then the day's files are added, and the filter equals one build over the
# history and every day (cmp). A rerun does nothing; a run whose `add` failed
# resumes with the add; a day without files fails saying so.
source "$(dirname "$0")/lib.sh"
cp -r "$SRC/examples/nightly.mk" "$SRC/examples/nightly-cron.sh" "$SRC/examples/data" "$WORK/"
M=(make --no-print-directory -s -C "$WORK" -f nightly.mk CSVBLOOM="$CSVBLOOM" SEEN_CAPACITY=1000)

mkdir -p incoming/2026-12-03 incoming/2026-12-04
# Day 1: one known customer, two new ones (one of them twice, one quoted with a comma), CRLF.
printf 'id,email,name,country\r\n20,ada@example.org,Ada Lovelace,GB\r\n21,zoe@example.org,"Zoe, Z",AU\r\n22,yuri@example.org,Yuri,RU\r\n23,zoe@example.org,Zoe again,AU\r\n' \
  >incoming/2026-12-03/a.csv
# Day 2: yesterday's new customer again, a new one in a .gz file.
printf 'id,email,name,country\n30,yuri@example.org,Yuri,RU\n31,"max@example.org","Max\nMustermann",DE\n' \
  | gzip -n >incoming/2026-12-04/b.csv.gz
printf 'id,email,name,country\n32,grace@example.org,Grace Hopper,US\n' >incoming/2026-12-04/c.csv

# new_rows_oracle DAY SEEN_FILES...: the day's records whose email no earlier file has.
new_rows_oracle() {
  python3 - "$@" <<'EOF'
import csv, gzip, io, sys
def records(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    return list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
day, earlier = sys.argv[1], sys.argv[2:]
seen = {r["email"] for p in earlier for r in records(p)}
import glob
for p in sorted(glob.glob(f"incoming/{day}/*.csv*")):
    for r in records(p):
        if r["email"] not in seen:
            print(r["id"])
EOF
}
ids_of() { python3 -c 'import csv,sys; [print(r["id"]) for r in csv.DictReader(open(sys.argv[1], newline=""))]' "$1"; }

# ---- day 1 ----
expect_exit 0 "${M[@]}" DAY=2026-12-03
check "[ -f seen.bloom ] && [ -f new-rows/2026-12-03.csv ] && [ -f new-rows/.2026-12-03.added ]" \
  "day 1 left no filter, new rows or stamp"
want=$(new_rows_oracle 2026-12-03 data/customers-eu.csv data/customers-us.csv)
got=$(ids_of new-rows/2026-12-03.csv)
check "[ \"$got\" = \"$want\" ]" "day 1 new rows: got '$got', want '$want'"
check "[ \"\$(head -1 new-rows/2026-12-03.csv)\" = \$'id,email,name,country\\r' ]" "day 1 header"
check "grep -q '\"Zoe, Z\"' new-rows/2026-12-03.csv" "day 1 rows are not the input's bytes"
"$CSVBLOOM" query -s seen.bloom zoe@example.org && pass || fail "day 1's keys were not added"
# A rerun does nothing: the filter and the new rows stay as they are.
ino=$(stat -c %i seen.bloom)
cp new-rows/2026-12-03.csv day1.orig
expect_exit 0 "${M[@]}" DAY=2026-12-03
check "[ $ino = \$(stat -c %i seen.bloom) ]" "a rerun of day 1 rewrote the filter"
same_file new-rows/2026-12-03.csv day1.orig "a rerun of day 1"

# ---- day 2, through the cron script, with `add` failing once ----
# A csvbloom whose `add` fails (as a full disk would): the new rows are
# written, the filter and the stamp are not.
printf '#!/bin/sh\n[ "$1" = add ] && { echo "simulated failure" >&2; exit 2; }\nexec "%s" "$@"\n' "$CSVBLOOM" >fail-add.sh
chmod +x fail-add.sh
cp seen.bloom seen.before
expect_exit 2 make --no-print-directory -s -C "$WORK" -f nightly.mk CSVBLOOM="$WORK/fail-add.sh" DAY=2026-12-04 SEEN_CAPACITY=1000
check "[ -f new-rows/2026-12-04.csv ] && [ ! -f new-rows/.2026-12-04.added ]" "a failed add left a stamp"
same_file seen.bloom seen.before "a failed add changed the filter"
# The cron script: make in DIR for the given day (CSVBLOOM from the environment via make's ?=).
expect_exit 0 env CSVBLOOM="$CSVBLOOM" sh "$WORK/nightly-cron.sh" "$WORK" 2026-12-04
want=$(new_rows_oracle 2026-12-04 data/customers-eu.csv data/customers-us.csv incoming/2026-12-03/a.csv)
got=$(ids_of new-rows/2026-12-04.csv)
check "[ \"$got\" = \"$want\" ]" "day 2 new rows: got '$got', want '$want'"
# The standing filter is one build over the history and both days.
expect_exit 0 "$CSVBLOOM" build -q -o all.bloom --key email --capacity 1000 --fpr 0.001 \
  data incoming/2026-12-03/a.csv incoming/2026-12-04/b.csv.gz incoming/2026-12-04/c.csv
same_file seen.bloom all.bloom "the nightly filter vs one build"

# A day without files fails, saying so, and writes nothing.
mkdir -p incoming/2026-12-05
expect_exit 2 "${M[@]}" DAY=2026-12-05
expect_err_contains "no incoming/2026-12-05/*.csv files for the nightly job"
check "[ ! -e new-rows/2026-12-05.csv ]" "an empty day wrote new-rows.csv"
# A failing cron run says which day and how to rerun.
expect_exit 2 env CSVBLOOM="$CSVBLOOM" sh "$WORK/nightly-cron.sh" "$WORK" 2026-12-05
expect_err_contains "nightly job for 2026-12-05 failed"
finish
