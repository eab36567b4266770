# examples/Makefile: the filter is rebuilt when, and only when, its inputs or
# settings change. A copy of examples/ (Makefile and data/) is driven with
# CSVBLOOM set to the binary under test; a rebuild is detected by the
# filter's inode (csvbloom writes a temp file and renames it over the old).
#  - the first `make` builds; a second does nothing (`make -q` agrees);
#  - editing a CSV, adding one, removing one, or changing FPR rebuilds, and
#    the filter then answers for the new set of files; `make` right after
#    each rebuild does nothing;
#  - `make query` prints the present and absent keys and exits 0 even when
#    no key is present; with no CSV files, make fails saying so.
source "$(dirname "$0")/lib.sh"
cp -r "$SRC/examples/Makefile" "$SRC/examples/data" "$WORK/"
rm -f "$WORK"/*.bloom "$WORK"/.*.inputs
M=(make --no-print-directory -C "$WORK" CSVBLOOM="$CSVBLOOM")
inode() { stat -c %i "$WORK/customers.bloom" 2>/dev/null || echo none; }
# step NAME EXPECT(rebuild|same): run make and check whether the filter changed.
step() {
  local before after
  before=$(inode)
  expect_exit 0 "${M[@]}" "${@:3}"
  after=$(inode)
  if [ "$2" = rebuild ]; then
    [ "$after" != none ] && [ "$after" != "$before" ] && pass || fail "$1: the filter was not rebuilt"
  else
    [ "$after" = "$before" ] && pass || fail "$1: the filter was rebuilt although nothing changed"
  fi
  if "${M[@]}" -q "${@:3}"; then pass; else fail "$1: make -q says the filter is out of date after make"; fi
}
present() { "$CSVBLOOM" query -s "$WORK/customers.bloom" "$1"; }

step "first make" rebuild
step "second make" same
present ada@example.org && pass || fail "ada@example.org not in the filter"
printf '10,zoe@example.org,Zoe,AU\n' >> "$WORK/data/customers-us.csv"
step "edited CSV" rebuild
present zoe@example.org && pass || fail "a row added to a CSV is not in the filter"
step "after edit" same
printf 'id,email\n1,yuri@example.org\n' > "$WORK/data/extra.csv"
step "added CSV" rebuild
present yuri@example.org && pass || fail "a new CSV's key is not in the filter"
rm "$WORK/data/extra.csv"
step "removed CSV" rebuild
present yuri@example.org && fail "a removed CSV's key is still in the filter" || pass
step "after removal" same
step "FPR changed" rebuild FPR=0.0001
step "same FPR again" same FPR=0.0001
grep -q "FPR 0.0001" <<<"$("$CSVBLOOM" info "$WORK/customers.bloom")" && pass || fail "FPR=0.0001 not used"
step "FPR back to default" rebuild

expect_exit 0 "${M[@]}" query KEYS="ada@example.org nobody@example.net"
grep -qx "ada@example.org" "$WORK/out" && grep -qx "nobody@example.net" "$WORK/out" && pass \
  || fail "make query output: $(cat "$WORK/out")"
expect_exit 0 "${M[@]}" query KEYS="nobody@example.net"
mkdir "$WORK/empty"
expect_exit 2 "${M[@]}" DATA_DIR=empty FILTER=none.bloom
expect_err_contains "no empty/*.csv files"
finish
