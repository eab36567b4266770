# The scale-out recipes of docs/SCALE-OUT.md, run locally: each recipe's code
# block is extracted from the document and run as written (settings come from
# the environment), and the merged filter must be byte-identical (cmp) to one
# build over all the inputs.
#  - GNU parallel: HOSTS=: (the local computer) with JOBS=3, i.e. three
#    concurrent builds standing in for three hosts, no ssh; 4 shards, and 40
#    shards for 15 files (no empty shard lists); shards merged in a tree and in
#    reverse order give the same bytes; every shard shows the reference's
#    merge fingerprint; a shard sized differently is refused by merge.
#  - Slurm: the sbatch script run as array tasks 0..4 (concurrently), then the
#    merge script; every file lands in exactly one shard list; a task rerun
#    alone with SHARDS gives the same shard; more tasks than files works.
#  - Kubernetes: the Indexed Job's script run for JOB_COMPLETION_INDEX
#    0..completions-1 with the manifest's env (paths and capacity overridden),
#    then the merge Job's script; SHARDS in the manifest equals completions.
# Needs GNU parallel (Debian package `parallel`; scripts/install-deps --test).
source "$(dirname "$0")/lib.sh"
DOC="$SRC/docs/SCALE-OUT.md"

if ! command -v parallel >/dev/null 2>&1; then
  echo "FAIL: GNU parallel is not installed; this test runs the GNU parallel recipe of docs/SCALE-OUT.md." >&2
  echo "      Install it with: scripts/install-deps --test   (or: apt-get install parallel)" >&2
  exit 1
fi
if ! grep -q "GNU parallel" <<<"$(parallel --version 2>/dev/null)"; then
  echo "FAIL: '$(command -v parallel)' is not GNU parallel (moreutils' parallel?); install the Debian package 'parallel'." >&2
  exit 1
fi

# The recipes call `csvbloom`: the binary under test, first on PATH.
mkdir -p "$WORK/bin"
ln -s "$CSVBLOOM" "$WORK/bin/csvbloom"
export PATH="$WORK/bin:$PATH"

# extract NAME: the fenced code block after "<!-- recipe: NAME ...-->".
extract() {
  awk -v name="$1" '
    state == 0 && (index($0, "<!-- recipe: " name " ") == 1 || $0 == "<!-- recipe: " name " -->") { state = 1; next }
    state == 1 && /^```/ { state = 2; next }
    state == 2 && /^```/ { exit }
    state == 2 { print }' "$DOC"
}
for r in gnu-parallel slurm-shards slurm-merge k8s-shards k8s-merge; do
  extract "$r" > "$WORK/recipe-$r"
  if [ -s "$WORK/recipe-$r" ]; then pass; else fail "no '<!-- recipe: $r -->' code block in docs/SCALE-OUT.md"; fi
done
[ "$FAILS" -eq 0 ] || { finish; exit 1; }

# ---- inputs: 15 files of mixed sizes, keys repeated across files, quoted fields ----
mkdir data
for f in $(seq 1 15); do
  awk -v f="$f" 'BEGIN {
    srand(f); print "id,email,name"
    n = (f % 4 == 0) ? 900 : 40 + f * 13
    for (i = 1; i <= n; i++) {
      k = int(rand() * 3000)              # 3000 distinct keys over all files
      if (i % 7 == 0) printf "%d,\"user%d@example.org\",\"Name, %d\"\n", i, k, k
      else printf "%d,user%d@example.org,Name %d\n", i, k, k
    }
  }' > "data/part-$(printf %02d "$f").csv"
done
find "$WORK/data" -name '*.csv' | sort > files.txt
SIZING=(--key email --capacity 5000 --fpr 0.001)
csvbloom build -q -o ref.bloom "${SIZING[@]}" --files-from files.txt
fingerprint() { csvbloom info --json "$1" | sed -n 's/.*"merge_fingerprint": "\([0-9a-f]*\)".*/\1/p'; }
REF_FP=$(fingerprint ref.bloom)
[ -n "$REF_FP" ] && pass || fail "no merge_fingerprint in 'info --json ref.bloom'"

# ---- GNU parallel ----
run_parallel_recipe() {  # dir shards
  mkdir "$1" && cp files.txt "$1/"
  (cd "$1" && HOSTS=: JOBS=3 SHARDS=$2 KEY=email CAPACITY=5000 FPR=0.001 \
     bash -euo pipefail "$WORK/recipe-gnu-parallel") >"$WORK/$1.log" 2>&1
}
expect_exit 0 run_parallel_recipe gp 4
n=$(ls gp/shard-*.bloom 2>/dev/null | wc -l)
[ "$n" -eq 4 ] && pass || fail "gnu-parallel recipe: $n shards, want 4"
same_file gp/all.bloom ref.bloom "gnu-parallel recipe (4 shards, 3 at a time) vs one build"
for s in gp/shard-*.bloom; do
  fp=$(fingerprint "$s")
  [ "$fp" = "$REF_FP" ] && pass || fail "$s: merge fingerprint $fp, reference $REF_FP"
done
# Merge order and grouping don't matter.
csvbloom merge -q -o gp/ab.bloom gp/shard-1.bloom gp/shard-2.bloom
csvbloom merge -q -o gp/tree.bloom gp/shard-4.bloom gp/ab.bloom gp/shard-3.bloom
same_file gp/tree.bloom ref.bloom "tree merge ((1,2),4,3)"
csvbloom merge -q -o gp/reverse.bloom $(ls gp/shard-*.bloom | sort -r)
same_file gp/reverse.bloom ref.bloom "reverse-order merge"
# A shard sized differently is refused, naming what differs.
csvbloom build -q -o gp/odd.bloom --key email --capacity 6000 --fpr 0.001 "$(head -n 1 files.txt)"
fp=$(fingerprint gp/odd.bloom)
[ "$fp" != "$REF_FP" ] && pass || fail "a shard with another --capacity has the same merge fingerprint"
expect_exit 2 csvbloom merge -o gp/bad.bloom gp/shard-1.bloom gp/odd.bloom
expect_err_contains "capacity"
[ ! -e gp/bad.bloom ] && pass || fail "a refused merge wrote its output"
# More shards than files: split makes no empty lists.
expect_exit 0 run_parallel_recipe gp40 40
n=$(ls gp40/shard-*.bloom 2>/dev/null | wc -l)
[ "$n" -eq 15 ] && pass || fail "gnu-parallel recipe, SHARDS=40 over 15 files: $n shards, want 15"
same_file gp40/all.bloom ref.bloom "gnu-parallel recipe (40 shards requested)"

# ---- Slurm job array ----
run_slurm_array() {  # out tasks
  local i pids=() rc=0
  for ((i = 0; i < $2; i++)); do
    SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=$2 SLURM_CPUS_PER_TASK=1 LIST=files.txt OUT=$1 \
      KEY=email CAPACITY=5000 FPR=0.001 bash "$WORK/recipe-slurm-shards" >>"$WORK/$1.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [ "$rc" -eq 0 ] && OUT=$1 bash "$WORK/recipe-slurm-merge" >>"$WORK/$1.log" 2>&1
}
expect_exit 0 run_slurm_array slurm 5
same_file slurm/all.bloom ref.bloom "slurm recipe (5 array tasks) vs one build"
if cat slurm/list-* | sort | cmp -s - <(sort files.txt); then pass; else fail "slurm recipe: shard lists don't partition files.txt"; fi
cp slurm/shard-2.bloom shard-2.before
rm slurm/shard-2.bloom
expect_exit 0 env SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=1 SHARDS=5 LIST=files.txt OUT=slurm \
  KEY=email CAPACITY=5000 FPR=0.001 bash "$WORK/recipe-slurm-shards"
same_file slurm/shard-2.bloom shard-2.before "slurm task 2 rerun alone with SHARDS=5"
expect_exit 0 run_slurm_array slurm20 20
same_file slurm20/all.bloom ref.bloom "slurm recipe (20 tasks, 15 files)"

# ---- Kubernetes Indexed Job ----
# Pulls each Job's script, env and completions out of the manifest (with PyYAML
# when present, which also validates the YAML; else by the manifest's layout).
cat > k8s_extract.py <<'EOF'
import re, sys
src, prefix = open(sys.argv[1]).read(), sys.argv[2]
try:
    import yaml
    job = yaml.safe_load(src)
    assert job["kind"] == "Job", "not a Job"
    c = job["spec"]["template"]["spec"]["containers"][0]
    assert c["command"] == ["/bin/bash", "-c"], "command is not bash -c"
    script, env = c["args"][0], {e["name"]: str(e["value"]) for e in c.get("env", [])}
    completions = job["spec"].get("completions", 1)
    if "completionMode" in job["spec"]:
        assert job["spec"]["completionMode"] == "Indexed"
except ImportError:
    m = re.search(r"^(\s*)- \|\n((?:\1  .*\n|\s*\n)+)", src, re.M)
    script = "\n".join(l[len(m.group(1)) + 2:] for l in m.group(2).splitlines()) + "\n"
    env = dict(re.findall(r'\{name: (\w+), value: "?([^"}]*?)"?\}', src))
    mc = re.search(r"^\s*completions: (\d+)", src, re.M)
    completions = int(mc.group(1)) if mc else 1
open(prefix + ".sh", "w").write(script)
with open(prefix + ".env", "w") as f:
    for k, v in env.items():
        f.write(f"{k}={v}\n")
print(completions)
EOF
k8s_env() {  # file.env -> "K=V" arguments for env(1)
  local line; K8S_ENV=()
  while IFS= read -r line; do K8S_ENV+=("$line"); done < "$1"
}
completions=$(python3 k8s_extract.py "$WORK/recipe-k8s-shards" k8s-shards)
python3 k8s_extract.py "$WORK/recipe-k8s-merge" k8s-merge >/dev/null
k8s_env k8s-shards.env
shards_env=$(sed -n 's/^SHARDS=//p' k8s-shards.env)
[ -n "$completions" ] && [ "$shards_env" = "$completions" ] && pass \
  || fail "k8s manifest: env SHARDS=$shards_env but completions: $completions"
run_k8s() {
  local i pids=() rc=0
  for ((i = 0; i < completions; i++)); do
    env "${K8S_ENV[@]}" JOB_COMPLETION_INDEX=$i LIST=files.txt OUT=k8s CAPACITY=5000 THREADS=2 \
      bash -c "$(cat k8s-shards.sh)" >>"$WORK/k8s.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  k8s_env k8s-merge.env
  [ "$rc" -eq 0 ] && env "${K8S_ENV[@]}" OUT=k8s bash -c "$(cat k8s-merge.sh)" >>"$WORK/k8s.log" 2>&1
}
expect_exit 0 run_k8s
same_file k8s/all.bloom ref.bloom "k8s recipe ($completions indexes, 15 files) vs one build"

if [ "$FAILS" -ne 0 ]; then
  for log in gp gp40 slurm slurm20 k8s; do
    [ -s "$WORK/$log.log" ] && sed "s/^/    $log: /" "$WORK/$log.log" | tail -n 15 >&2
  done
fi
finish
