# bash completion for csvbloom(1)                              -*- shell-script -*-
#
# Installed as share/bash-completion/completions/csvbloom, where the
# bash-completion package loads it the first time `csvbloom <TAB>` is typed;
# without that package, `source` it from ~/.bashrc. Self-contained: it uses
# none of bash-completion's helpers.
#
# Completes subcommands, each subcommand's options, the values of the options
# that take a fixed set (--layout, --on-error, --delimiter), header names for
# --key (read from the first CSV file already on the line), *.bloom files
# where a filter is expected (select's and add's first argument, dedupe's
# --filter/--save) and any file or directory for CSV inputs and row outputs.
# The option lists mirror `csvbloom SUBCOMMAND --help`;
# tests/cli/test_docs_sync.sh fails when they drift apart.

_csvbloom_subcommand_options() {
  case $1 in
    build)
      echo "-h --help -o --output --files-from -0 --null -k --key --no-header -d --delimiter --tsv"
      echo "--trim --lowercase -n --capacity -p --fpr --bits --hashes --layout --seed"
      echo "--on-error --allow-ragged --max-record-bytes -j --threads --readers --workers"
      echo "--chunk-size --queue-batches --stats-json --strict --allow-empty -f --force"
      echo "--no-progress -q --quiet -v --verbose" ;;
    query) echo "-h --help -0 --null --absent -c --count -s --silent --no-verify --line-buffered --on-error -d --delimiter" ;;
    info) echo "-h --help --json" ;;
    merge) echo "-h --help -o --output -f --force -q --quiet -v --verbose" ;;
    select|dedupe|add)
      case $1 in
        select) echo "--absent -c --count -o --output --no-verify --stats-json" ;;
        dedupe) echo "-o --output --filter --save --trim --lowercase -n --capacity -p --fpr --stats-json" ;;
        add) echo "-o --output -f --force --stats-json" ;;
      esac
      echo "-h --help --files-from -0 --null -k --key --no-header -d --delimiter --tsv --on-error --allow-ragged"
      echo "--max-record-bytes -j --threads --readers --workers --chunk-size --queue-batches"
      echo "--no-progress -q --quiet -v --verbose" ;;
  esac
}

# Options followed by a value (so that value is not a positional argument).
_csvbloom_takes_value() {
  case $1 in
    -o|--output|--files-from|-k|--key|-d|--delimiter|-n|--capacity|-p|--fpr|--bits|--hashes|\
    --layout|--seed|--on-error|--max-record-bytes|-j|--threads|--readers|--workers|\
    --chunk-size|--queue-batches|--stats-json|--filter|--save) return 0 ;;
  esac
  return 1
}

# COMPREPLY = files (and directories) matching $1, a glob like '*.bloom', or all.
_csvbloom_files() {
  local cur=$1 glob=${2:-}
  compopt -o filenames 2>/dev/null
  if [[ -n $glob ]]; then
    mapfile -t COMPREPLY < <(compgen -d -- "$cur"; compgen -f -X "!$glob" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

# The header names of the first *.csv / *.tsv file named on the command line.
_csvbloom_headers() {
  local w file="" delim=,
  local i
  for ((i = 2; i < ${#COMP_WORDS[@]}; i++)); do
    w=${COMP_WORDS[i]}
    [[ $w == --tsv ]] && delim=$'\t'
    if [[ -z $file && -f $w && -r $w && ( $w == *.csv || $w == *.tsv ) ]]; then file=$w; fi
  done
  [[ -n $file ]] || return 0
  [[ $file == *.tsv ]] && delim=$'\t'
  head -n 1 -- "$file" 2>/dev/null | tr -d '\r' | tr "$delim" '\n' | sed -e 's/^"\(.*\)"$/\1/'
}

_csvbloom() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev="" cword=$COMP_CWORD
  ((cword > 0)) && prev=${COMP_WORDS[cword - 1]}
  # "--layout=cl": bash splits at '=' (COMP_WORDBREAKS), giving "--layout" "=" "cl".
  if [[ $cur == = ]]; then
    cur=""
  elif [[ $prev == = ]] && ((cword > 1)); then
    prev=${COMP_WORDS[cword - 2]}
  fi
  COMPREPLY=()

  # The subcommand: the first word after `csvbloom` that is not an option.
  local sub="" i
  for ((i = 1; i < cword; i++)); do
    case ${COMP_WORDS[i]} in
      build|query|info|merge|select|dedupe|add) sub=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $sub ]]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "-h --help --version" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "build query info merge select dedupe add" -- "$cur")
    fi
    return 0
  fi

  # The value of an option.
  case $prev in
    -o|--output)  # a filter, but select and dedupe write rows
      case $sub in
        select|dedupe) _csvbloom_files "$cur" ;;
        *) _csvbloom_files "$cur" '*.bloom' ;;
      esac
      return 0 ;;
    --filter|--save) _csvbloom_files "$cur" '*.bloom'; return 0 ;;
    --stats-json) _csvbloom_files "$cur"; return 0 ;;
    --files-from) _csvbloom_files "$cur"; return 0 ;;
    --layout) mapfile -t COMPREPLY < <(compgen -W "blocked classic" -- "$cur"); return 0 ;;
    --on-error) mapfile -t COMPREPLY < <(compgen -W "fail skip" -- "$cur"); return 0 ;;
    -d|--delimiter)
      local d
      for d in , tab '\;' '\|'; do [[ $d == "$cur"* ]] && COMPREPLY+=("$d"); done
      return 0 ;;
    -k|--key)  # header names, quoted for the shell
      local h
      while IFS= read -r h; do
        [[ -n $h && $h == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$h")")
      done < <(_csvbloom_headers)
      return 0 ;;
    -n|--capacity|-p|--fpr|--bits|--hashes|--seed|--max-record-bytes|-j|--threads|--readers|\
    --workers|--chunk-size|--queue-batches)
      return 0 ;;  # a number: nothing to offer
  esac

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_csvbloom_subcommand_options "$sub")" -- "$cur")
    return 0
  fi

  # A positional argument: count the ones before it.
  local npos=0 past_sub=0 w
  for ((i = 1; i < cword; i++)); do
    w=${COMP_WORDS[i]}
    if ((!past_sub)); then [[ $w == "$sub" ]] && past_sub=1; continue; fi
    if [[ $w == = ]]; then continue; fi
    if [[ $w == -* ]]; then
      _csvbloom_takes_value "$w" && [[ ${COMP_WORDS[i + 1]:-} != = ]] && ((i++))
      continue
    fi
    [[ ${COMP_WORDS[i - 1]} == = ]] && continue  # the value of --opt=value
    npos=$((npos + 1))
  done
  case $sub in
    build) _csvbloom_files "$cur" ;;                          # CSV files, directories, -
    query) ((npos == 0)) && _csvbloom_files "$cur" '*.bloom' ;; # then keys: nothing to offer
    info) _csvbloom_files "$cur" '*.bloom' ;;
    merge) _csvbloom_files "$cur" '*.bloom' ;;
    select|add)  # the filter, then CSV inputs
      if ((npos == 0)); then _csvbloom_files "$cur" '*.bloom'; else _csvbloom_files "$cur"; fi ;;
    dedupe) _csvbloom_files "$cur" ;;
  esac
  return 0
}

complete -F _csvbloom csvbloom
