# The CSV layer against Python's csv module (tests/tools/csv_oracle.py):
# random nasty CSV vs a clean rewrite of the keys Python reads from it must
# give byte-identical filters, for any thread count and chunk size (chunks
# down to 16 bytes put chunk boundaries inside quoted fields, CRLFs and
# multi-line records).
source "$(dirname "$0")/lib.sh"
ORACLE="$SRC/tests/tools/csv_oracle.py"
for seed in $(seq 1 40); do
  delim=","
  [ $((seed % 5)) -eq 0 ] && delim=";"
  [ $((seed % 7)) -eq 0 ] && delim=$'\t'
  # Wide rows give long record tails after the key (the 16- and 32-byte block scans).
  cols=4
  [ $((seed % 3)) -eq 0 ] && cols=14
  python3 "$ORACLE" "$seed" messy.csv clean.csv --delimiter "$delim" --rows $((50 + seed * 7)) --cols $cols >/dev/null
  dopt=(--delimiter "$delim")
  [ "$delim" = $'\t' ] && dopt=(--tsv)
  "$CSVBLOOM" build -q -o clean.bloom --key col1 --bits 1048576 --hashes 8 "${dopt[@]}" clean.csv
  for j in 1 2 4; do
    for cs in 16 61 4096; do
      "$CSVBLOOM" build -q -o messy.bloom --key col1 --bits 1048576 --hashes 8 "${dopt[@]}" -j $j --chunk-size $cs messy.csv
      same_file messy.bloom clean.bloom "seed $seed, -j $j, --chunk-size $cs"
    done
  done
done
finish
