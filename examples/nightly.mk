# examples/nightly.mk: the nightly job on a standing filter of everything seen.
#
#   make -f nightly.mk DAY=2026-12-04      incoming/2026-12-04/: new rows, then add
#   make -f nightly.mk clean DAY=...       forget that day's run (not the filter)
#
# Each night's files (*.csv, *.csv.gz, *.csv.zst) arrive in $(INCOMING)/$(DAY)/.
# The job is two steps, each a target, so that a rerun after a failure does
# only what is left:
#  1. $(NEW_ROWS)/$(DAY).csv: `select --absent` of the day's files
#     against the standing filter: the rows whose key was never seen before
#     (exit 1, no such row, is an answer: the file then holds the header only);
#  2. $(NEW_ROWS)/.$(DAY).added: `add` of the day's files to the filter
#     (replaced atomically), then the stamp.
# Step 2 runs after step 1 has written its file, so the new rows are always
# taken against the filter as it was before the day's keys. Once both are
# done, `make` does nothing for that day (a second `add` would change only the
# filter's key count, but a second `select --absent` would find no new rows).
# The standing filter is made once, from the history in $(DATA_DIR)/, with an
# explicit capacity and FPR: `add` keeps them, so the filter equals one
# `build` over the history and every day added (test_examples_nightly.sh
# checks that with cmp). When `add` warns that the FPR passes the target,
# rebuild larger: make -f nightly.mk clean-filter SEEN_CAPACITY=...
# (the rebuild takes only the history, so add the days again, or build over all).

CSVBLOOM      ?= $(firstword $(wildcard ../build/csvbloom) csvbloom)
DATA_DIR      ?= data
INCOMING      ?= incoming
DAY           ?= $(shell date +%F)
SEEN          ?= seen.bloom
KEY           ?= email
FPR           ?= 0.001
SEEN_CAPACITY ?= 1000000
NEW_ROWS      ?= new-rows

DAY_DIR := $(INCOMING)/$(DAY)
DAY_CSV := $(sort $(wildcard $(DAY_DIR)/*.csv $(DAY_DIR)/*.csv.gz $(DAY_DIR)/*.csv.zst))

.PHONY: nightly clean clean-filter
nightly: $(NEW_ROWS)/.$(DAY).added

$(SEEN):
	$(CSVBLOOM) build -q -o $@ --key $(KEY) --capacity $(SEEN_CAPACITY) --fpr $(FPR) $(DATA_DIR)

# select exits 1 when no row is new: that is an answer, not a failure.
$(NEW_ROWS)/$(DAY).csv: | $(SEEN)
	$(if $(DAY_CSV),,$(error no $(DAY_DIR)/*.csv files for the nightly job))
	mkdir -p $(NEW_ROWS)
	$(CSVBLOOM) select --absent -q -o $@ $(SEEN) $(DAY_CSV) || test $$? -eq 1

$(NEW_ROWS)/.$(DAY).added: $(NEW_ROWS)/$(DAY).csv
	$(CSVBLOOM) add -q $(SEEN) $(DAY_CSV)
	touch $@

clean:
	rm -f $(NEW_ROWS)/$(DAY).csv $(NEW_ROWS)/.$(DAY).added

clean-filter:
	rm -f $(SEEN)
