#!/bin/sh
# examples/nightly-cron.sh: the nightly job (nightly.mk) as cron runs it.
#
#   crontab: 30 1 * * * /srv/csvbloom/nightly-cron.sh /srv/csvbloom
#
# In DIR (a copy of examples/ with data/ holding the history and incoming/DAY/
# the day's files): one run at a time (flock: a slow night does not race the
# next), `make -f nightly.mk` for yesterday's files by default (DAY=...
# overrides), and on failure a line on stderr, which cron mails. Rerunning
# after a failure resumes where it stopped (nightly.mk's two targets).
set -eu
dir=${1:?usage: nightly-cron.sh DIR [DAY]}
day=${2:-$(date -d yesterday +%F)}
cd "$dir"
rc=0
flock -n .nightly.lock make --no-print-directory -s -f nightly.mk DAY="$day" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "csvbloom nightly job for $day failed in $dir (exit $rc); rerun: $0 $dir $day" >&2
  exit "$rc"
fi
