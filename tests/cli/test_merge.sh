# `csvbloom merge`: shards built with the same parameters merge into exactly
# the bytes of one build over all their inputs; filters that differ in any
# parameter are refused (exit 2) with the difference named.
source "$(dirname "$0")/lib.sh"

python3 - <<'EOF'
import csv
for n in range(4):
    with open(f"shard{n}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "email", "note"])
        for i in range(1500):
            w.writerow([i, f"s{n}-u{i}@example.org", "multi\nline" if i % 7 == 0 else "x, y"])
EOF
common=(--key email --capacity 10000 --fpr 0.001)
expect_exit 0 "$CSVBLOOM" build -q -o all.bloom "${common[@]}" shard0.csv shard1.csv shard2.csv shard3.csv
for n in 0 1 2 3; do
  expect_exit 0 "$CSVBLOOM" build -q -o s$n.bloom "${common[@]}" -j$((n + 1)) shard$n.csv
done

# ---- shards merge into the single build, byte for byte, in any order ----
expect_exit 0 "$CSVBLOOM" merge -o merged.bloom s0.bloom s1.bloom s2.bloom s3.bloom
expect_err_contains "merged 4 filters into merged.bloom"
same_file merged.bloom all.bloom "merge of 4 shards vs one build"
expect_exit 0 "$CSVBLOOM" merge -q -o merged2.bloom s3.bloom s1.bloom s0.bloom s2.bloom
same_file merged2.bloom all.bloom "merge in another order"
check "[ ! -s '$WORK/err' ]" "merge -q printed: $(head -c 200 "$WORK/err")"
# Merging is associative: (s0+s1) + (s2+s3).
expect_exit 0 "$CSVBLOOM" merge -q -o left.bloom s0.bloom s1.bloom
expect_exit 0 "$CSVBLOOM" merge -q -o right.bloom s2.bloom s3.bloom
expect_exit 0 "$CSVBLOOM" merge -q -o nested.bloom left.bloom right.bloom
same_file nested.bloom all.bloom "nested merges"
# One input: a copy. The same input twice: itself, keys counted twice.
expect_exit 0 "$CSVBLOOM" merge -q -o one.bloom s0.bloom
same_file one.bloom s0.bloom "merge of one filter"
expect_exit 0 "$CSVBLOOM" merge -q -o twice.bloom s0.bloom s0.bloom
expect_exit 0 "$CSVBLOOM" info --json twice.bloom
check "[ \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"keys_inserted\"])' '$WORK/out')\" = 3000 ]" \
  "keys_inserted of s0+s0 is not 3000"
# The merged filter answers for every shard.
expect_exit 0 "$CSVBLOOM" query --count merged.bloom s0-u1@example.org s3-u1499@example.org nobody@example.org
expect_out_equals "2"
# Merging into one of the inputs works (it is read before the rename).
cp s0.bloom acc.bloom
expect_exit 0 "$CSVBLOOM" merge -q -o acc.bloom acc.bloom s1.bloom s2.bloom s3.bloom
same_file acc.bloom all.bloom "merge into an input"
no_temp_files .

# Shards sized with --bits/--hashes merge too.
for n in 0 1; do
  expect_exit 0 "$CSVBLOOM" build -q -o b$n.bloom --key email --bits 65536 --hashes 7 shard$n.csv
done
expect_exit 0 "$CSVBLOOM" build -q -o b01.bloom --key email --bits 65536 --hashes 7 shard0.csv shard1.csv
expect_exit 0 "$CSVBLOOM" merge -q -o bm.bloom b0.bloom b1.bloom
same_file bm.bloom b01.bloom "merge of --bits/--hashes shards"

# ---- incompatible filters: exit 2, naming what differs, nothing written ----
# incompatible BASE WORD INPUT BUILD_OPTIONS...: a filter built from INPUT
# with other options can't be merged with BASE; the message names both files
# and contains WORD (file names are numbered so that they can't supply WORD).
n_incompatible=0
incompatible() {
  local base=$1 word=$2 input=$3; shift 3
  n_incompatible=$((n_incompatible + 1))
  local other="x$n_incompatible.bloom" out="out$n_incompatible.bloom"
  expect_exit 0 "$CSVBLOOM" build -q -o "$other" "$@" "$input"
  expect_exit 2 "$CSVBLOOM" merge -q -o "$out" "$base" "$other"
  expect_err_contains "$word"
  expect_err_contains "$other can't be merged with $base"
  check "[ ! -e $out ]" "$out was written"
  refused_pairs+=("$base $other")
}
refused_pairs=()
incompatible s0.bloom "key 'email' vs 'id'" shard1.csv --key id --capacity 10000 --fpr 0.001
incompatible s0.bloom "key 'email' vs 'email+id'" shard1.csv --key email --key id --capacity 10000 --fpr 0.001
incompatible s0.bloom "capacity 10000 vs 20000" shard1.csv --key email --capacity 20000 --fpr 0.001
incompatible s0.bloom "target fpr 0.001 vs 0.01" shard1.csv --key email --capacity 10000 --fpr 0.01
incompatible s0.bloom "seed 0x6373766233303231 vs 0x0000000000003039" shard1.csv "${common[@]}" --seed 12345
incompatible s0.bloom "layout blocked vs classic" shard1.csv "${common[@]}" --layout classic
incompatible s0.bloom "capacity 10000 vs 0" shard1.csv --key email --bits 147456 --hashes 10
incompatible s0.bloom "trim: no vs yes" shard1.csv "${common[@]}" --trim
incompatible s0.bloom "lowercase: no vs yes" shard1.csv "${common[@]}" --lowercase
sed 's/,/;/g' shard1.csv >semi.csv
incompatible s0.bloom "delimiter ',' vs ';'" semi.csv --delimiter ';' "${common[@]}"
tail -n +2 shard1.csv >noheader.csv
expect_exit 0 "$CSVBLOOM" build -q -o idx.bloom --key 2 --capacity 10000 --fpr 0.001 shard1.csv
incompatible idx.bloom "header: yes vs no" noheader.csv --no-header --key 2 --capacity 10000 --fpr 0.001
# With --bits/--hashes, the bits and the hashes must match.
incompatible b0.bloom "bits 65536 vs 131072" shard1.csv --key email --bits 131072 --hashes 7
incompatible b0.bloom "hashes 7 vs 6" shard1.csv --key email --bits 65536 --hashes 6
# Several differences: all of them.
incompatible s0.bloom "trim: no vs yes, lowercase: no vs yes" shard1.csv "${common[@]}" --trim --lowercase
no_temp_files .

# ---- the merge fingerprint is the rule: equal exactly when merge accepts ----
fingerprint() { "$CSVBLOOM" info --json "$1" | python3 -c 'import json, sys; print(json.load(sys.stdin)["merge_fingerprint"])'; }
fp0=$(fingerprint s0.bloom)
for f in s1.bloom s2.bloom s3.bloom all.bloom merged.bloom nested.bloom; do
  check "[ '$(fingerprint $f)' = '$fp0' ]" "$f: merge accepts it with s0.bloom, yet its fingerprint differs"
done
check "[ '$(fingerprint b0.bloom)' = '$(fingerprint b1.bloom)' ]" "b0/b1: mergeable, different fingerprints"
check "[ ${#refused_pairs[@]} -eq 14 ]" "${#refused_pairs[@]} refused pairs recorded, 14 expected"
for pair in "${refused_pairs[@]}"; do
  set -- $pair
  check "[ '$(fingerprint $1)' != '$(fingerprint $2)' ]" "merge refuses $2 with $1, yet their fingerprints match"
done

# ---- a failed merge leaves an existing output as it was ----
cp all.bloom keep.bloom
cp all.bloom keep.orig
expect_exit 2 "$CSVBLOOM" merge -q -o keep.bloom s0.bloom x5.bloom
same_file keep.bloom keep.orig "output after a refused merge"
printf 'garbage' >corrupt.bloom
expect_exit 2 "$CSVBLOOM" merge -q -o keep.bloom s0.bloom corrupt.bloom
expect_err_contains "corrupt.bloom"
same_file keep.bloom keep.orig "output after a merge with a corrupt input"
expect_exit 2 "$CSVBLOOM" merge -q -o keep.bloom s0.bloom nothere.bloom
expect_err_contains "nothere.bloom"
same_file keep.bloom keep.orig "output after a merge with a missing input"
no_temp_files .

# ---- usage ----
expect_exit 2 "$CSVBLOOM" merge -o nothing.bloom
expect_exit 2 "$CSVBLOOM" merge s0.bloom s1.bloom
expect_err_contains "--output"

finish
