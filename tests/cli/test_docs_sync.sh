# The man page (docs/csvbloom.1) and the bash completion
# (completions/csvbloom.bash) against the binary's own --help:
#  - every subcommand in `csvbloom --help` has a section in the man page and is
#    offered by the completion, and the completion offers no other;
#  - every option in `csvbloom SUB --help` appears in that subcommand's man
#    section and in the completion's list for SUB, and the completion lists
#    no option that SUB doesn't have;
#  - the man page's .TH names the version `csvbloom --version` prints, and
#    groff reports no warnings;
#  - the completion function itself, driven like bash drives it, completes
#    subcommands, options, --layout/--on-error values (also after '='),
#    header names for --key, *.bloom files where a filter is expected.
# When a flag is added to the CLI, add it to docs/csvbloom.1 and to
# completions/csvbloom.bash.
source "$(dirname "$0")/lib.sh"
MAN="$SRC/docs/csvbloom.1"
COMPLETION="$SRC/completions/csvbloom.bash"

# options_of HELP_TEXT: the flags in the "Options:" section, one per line.
options_of() {
  awk '/^Options:/ { on = 1; next } /^[A-Z][a-z]*:/ { on = 0 } /^$/ { on = 0 }
       on && $1 ~ /^-/ { n = split($1, f, ","); for (i = 1; i <= n; i++) print f[i] }'
}
subcommands=$("$CSVBLOOM" --help | awk '/^Subcommands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }')
[ -n "$subcommands" ] && pass || fail "no subcommands in csvbloom --help"

# shellcheck source=/dev/null
source "$COMPLETION"

# man_section SUB: the man page text from '.SS "csvbloom SUB' to the next .SS/.SH.
man_section() {
  awk -v name="$1" 'index($0, ".SS \"csvbloom " name " ") == 1 { on = 1; next } on && /^\.S[SH]/ { exit } on' "$MAN"
}

for sub in $subcommands; do
  sec=$(man_section "$sub")
  [ -n "$sec" ] && pass || fail "docs/csvbloom.1 has no '.SS \"csvbloom $sub ...' section"
  help_opts=$("$CSVBLOOM" "$sub" --help | options_of)
  comp_opts=$(_csvbloom_subcommand_options "$sub" | tr ' ' '\n' | sed '/^$/d')
  for opt in $help_opts; do
    if [ "$opt" != -h ] && [ "$opt" != --help ]; then
      # In roff --no-header is \-\-no\-header, followed by a font change,
      # or by anything but a letter, digit or backslash (\-\-no is not it).
      pattern="${opt//-/\\\\-}"'(\\f|[^a-z0-9\\]|$)'
      if grep -qE -- "$pattern" <<<"$sec"; then pass
      else fail "docs/csvbloom.1: '$sub' section lacks $opt"; fi
    fi
    grep -qxF -- "$opt" <<<"$comp_opts" && pass || fail "completions/csvbloom.bash: '$sub' lacks $opt"
  done
  for opt in $comp_opts; do
    grep -qxF -- "$opt" <<<"$help_opts" && pass || fail "completions/csvbloom.bash offers $opt, which '$sub' doesn't have"
  done
done

# Version and formatting.
version=$("$CSVBLOOM" --version | awk '{print $2}')
grep -q "^\.TH CSVBLOOM 1 .*\"csvbloom $version\"" "$MAN" && pass \
  || fail "docs/csvbloom.1: .TH does not name csvbloom $version ($(grep '^\.TH' "$MAN"))"
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww -z "$MAN" 2>groff.err
  [ ! -s groff.err ] && pass || fail "groff warnings in docs/csvbloom.1: $(head -n 3 groff.err)"
fi

# ---- the completion function, driven like bash does ----
# complete_line WORD...: the last word is the one being completed; prints COMPREPLY sorted.
complete_line() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _csvbloom 2>/dev/null
  printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}
expect_completion() {  # "want" WORD...
  local want=$1 got; shift
  got=$(complete_line "$@")
  [ "$got" = "$want" ] && pass || fail "completing '$*': got '$got', want '$want'"
}
printf 'id,email,first name\n1,a@b.c,Ada\n' > people.csv
mkdir sub
: > a.bloom; : > b.bloom; : > notes.txt
subs_sorted=$(printf '%s\n' $subcommands | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
expect_completion "$subs_sorted" csvbloom ""
expect_completion "--help --version -h" csvbloom -
expect_completion "query" csvbloom q
expect_completion "--layout" csvbloom build --lay
expect_completion "blocked classic" csvbloom build --layout ""
expect_completion "classic" csvbloom build --layout = c
expect_completion "fail skip" csvbloom build -o x.bloom --on-error ""
expect_completion "email first\\ name id" csvbloom build people.csv -k ""
expect_completion "email" csvbloom build people.csv --key = e
expect_completion "" csvbloom build --capacity ""
expect_completion "--json" csvbloom info --j
expect_completion "a.bloom b.bloom sub" csvbloom info ""
expect_completion "a.bloom b.bloom sub" csvbloom info a.bloom ""  # info takes several filters
expect_completion "a.bloom b.bloom sub" csvbloom query -s ""
expect_completion "" csvbloom query -s a.bloom ""
expect_completion "a.bloom b.bloom sub" csvbloom merge -o all.bloom a.bloom ""
expect_completion "people.csv" csvbloom build -o x.bloom p
expect_completion "--no-header --no-progress" csvbloom build --no-
expect_completion "--no-header --no-progress" csvbloom build -q people.csv --no-
# select and add: a filter, then CSV inputs; dedupe: CSV inputs, filters after --filter/--save.
expect_completion "a.bloom b.bloom sub" csvbloom select --absent ""
expect_completion "people.csv" csvbloom select a.bloom p
expect_completion "people.csv" csvbloom add -j 2 a.bloom p
expect_completion "a.bloom b.bloom sub" csvbloom dedupe --filter ""
expect_completion "notes.txt" csvbloom dedupe -o n
expect_completion "--absent" csvbloom select --ab
expect_completion "email first\\ name id" csvbloom dedupe people.csv --key ""

finish
