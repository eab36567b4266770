# `csvbloom info`: the text report and --json (every field the README
# documents, with the values the build recorded), and errors on bad files.
source "$(dirname "$0")/lib.sh"

python3 -c '
print("id,email,name")
for i in range(1000): print(f"{i},user{i}@example.org,N{i}")' >in.csv
expect_exit 0 "$CSVBLOOM" build -q -o f.bloom --key email --capacity 2000 --fpr 0.001 in.csv

# ---- text ----
expect_exit 0 "$CSVBLOOM" info f.bloom
for field in "file:" "layout:            blocked" "bits:" "hashes:" "hash:              xxh3-128, seed 0x6373766233303231" \
             "keys inserted:     1,000" "key:               email (delimiter ',', header, normalisation: none)" \
             "sized for:         2,000 keys at FPR 0.001" "fill ratio:" "est. distinct:" "est. FPR:" "merge fingerprint:"; do
  expect_out_contains "$field"
done

# ---- --json: parses, has the documented fields, with the recorded values ----
expect_exit 0 "$CSVBLOOM" info --json f.bloom
cp "$WORK/out" f.json
python3 - f.json f.bloom <<'EOF' && pass || fail "info --json f.bloom: $(head -c 400 f.json)"
import json, os, sys
j = json.load(open(sys.argv[1]))
documented = ["file", "file_bytes", "format_version", "layout", "bits", "bytes", "hashes", "hash_algorithm", "seed",
              "keys_inserted", "capacity", "target_fpr", "key", "set_bits", "fill_ratio",
              "estimated_distinct_keys", "estimated_fpr", "merge_fingerprint"]
missing = [k for k in documented if k not in j]
assert not missing, f"missing {missing}"
assert set(j["key"]) >= {"columns", "delimiter", "has_header", "trim", "lowercase"}, j["key"]
assert j["file"] == sys.argv[2]
assert j["file_bytes"] == os.path.getsize(sys.argv[2])
assert j["format_version"] == 1
assert j["layout"] == "blocked" and j["bits"] % 512 == 0 and j["bytes"] * 8 == j["bits"]
assert 1 <= j["hashes"] <= 32
assert j["hash_algorithm"] == "xxh3-128" and j["seed"] == "0x6373766233303231"
assert j["keys_inserted"] == 1000 and j["capacity"] == 2000 and j["target_fpr"] == 0.001
assert j["key"] == {"columns": [{"name": "email"}], "delimiter": ",", "has_header": True, "trim": False,
                    "lowercase": False}, j["key"]
assert 0 < j["set_bits"] <= j["bits"] and abs(j["fill_ratio"] - j["set_bits"] / j["bits"]) < 1e-12
# 1000 distinct keys: the estimate from the fill is close (a few percent).
assert abs(j["estimated_distinct_keys"] - 1000) < 50, j["estimated_distinct_keys"]
assert 0 < j["estimated_fpr"] < 0.001, j["estimated_fpr"]
assert len(j["merge_fingerprint"]) == 16 and int(j["merge_fingerprint"], 16) >= 0
EOF

# The text and the JSON agree on the fingerprint.
fp=$(json_get f.json 'j["merge_fingerprint"]')
expect_exit 0 "$CSVBLOOM" info f.bloom
expect_out_contains "merge fingerprint: $fp"
expect_out_contains "(filters are compatible, and merge, exactly when this matches)"
# The fingerprint covers the sizing record, as merge does: another --capacity
# or --fpr (same bits and hashes or not) gives another fingerprint.
expect_exit 0 "$CSVBLOOM" build -q -o cap.bloom --key email --capacity 2001 --fpr 0.001 in.csv
expect_exit 0 "$CSVBLOOM" info --json cap.bloom
cp "$WORK/out" cap.json
check "[ '$(json_get cap.json 'j["bits"]')' = '$(json_get f.json 'j["bits"]')' ]" "capacity 2001 changed the bits (test premise)"
check "[ '$(json_get cap.json 'j["merge_fingerprint"]')' != '$fp' ]" "capacity 2000 and 2001: same merge fingerprint"
expect_exit 0 "$CSVBLOOM" build -q -o same.bloom --key email --capacity 2000 --fpr 0.001 in.csv
expect_exit 0 "$CSVBLOOM" info --json same.bloom
cp "$WORK/out" same.json
check "[ '$(json_get same.json 'j["merge_fingerprint"]')' = '$fp' ]" "the same build, another fingerprint"

# ---- other key specs and layouts ----
printf 'a;b;c\n1;2;3\n' >semi.csv
expect_exit 0 "$CSVBLOOM" build -q -o k.bloom --delimiter ';' --key 3 --key a --trim --lowercase --layout classic \
  --bits 6400 --hashes 3 --seed 7 semi.csv
expect_exit 0 "$CSVBLOOM" info --json k.bloom
cp "$WORK/out" k.json
python3 - k.json <<'EOF' && pass || fail "info --json k.bloom: $(head -c 400 k.json)"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["layout"] == "classic" and j["bits"] == 6400 and j["hashes"] == 3, j
assert j["seed"] == "0x0000000000000007", j["seed"]
assert j["capacity"] == 0 and j["target_fpr"] == 0, (j["capacity"], j["target_fpr"])
assert j["key"] == {"columns": [{"index": 3}, {"name": "a"}], "delimiter": ";", "has_header": True, "trim": True,
                    "lowercase": True}, j["key"]
assert j["keys_inserted"] == 1
EOF
expect_exit 0 "$CSVBLOOM" info k.bloom
expect_out_contains "key:               #3+a (delimiter ';', header, normalisation: trim, lowercase)"
expect_out_contains "sized for:         explicit --bits/--hashes"
expect_out_contains "layout:            classic"

printf 'x\ty\n' >nh.tsv
expect_exit 0 "$CSVBLOOM" build -q -o nh.bloom --tsv --no-header --capacity 10 nh.tsv
expect_exit 0 "$CSVBLOOM" info --json nh.bloom
cp "$WORK/out" nh.json
check "[ \"\$(json_get nh.json 'j[\"key\"]')\" = \"{'columns': [{'index': 1}], 'delimiter': '\\\\t', 'has_header': False, 'trim': False, 'lowercase': False}\" ]" \
  "nh.bloom key: $(json_get nh.json 'j["key"]')"
expect_exit 0 "$CSVBLOOM" info nh.bloom
expect_out_contains "key:               #1 (delimiter '\\t', no header, normalisation: none)"

# An empty filter (no keys): fill 0, FPR 0.
printf 'email\n' >empty.csv
expect_exit 0 "$CSVBLOOM" build -q -o empty.bloom --capacity 10 empty.csv
expect_exit 0 "$CSVBLOOM" info --json empty.bloom
cp "$WORK/out" empty.json
check "[ \"\$(json_get empty.json 'j[\"keys_inserted\"], j[\"set_bits\"], float(j[\"estimated_fpr\"])')\" = '(0, 0, 0.0)' ]" \
  "empty.bloom: $(head -c 300 empty.json)"

# ---- errors ----
expect_exit 2 "$CSVBLOOM" info nothere.bloom
expect_err_contains "nothere.bloom"
: >zero.bloom
expect_exit 2 "$CSVBLOOM" info zero.bloom
expect_err_contains "zero.bloom"
head -c 100 f.bloom >truncated.bloom
expect_exit 2 "$CSVBLOOM" info --json truncated.bloom
expect_err_contains "truncated.bloom"
expect_out_equals ""
expect_exit 2 "$CSVBLOOM" info .
expect_exit 2 "$CSVBLOOM" info

finish
