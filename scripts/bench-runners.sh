#!/usr/bin/env bash
# scripts/bench-runners.sh (make bench-runners): the image workload's wall
# time and speedup for single, pthreads and fork (shared and copy) at 1 and
# 2 workers, measured side by side in one go.  A benchmark, not a test: it
# prints figures and the target, it asserts nothing.
#   SIZE=100MB TASKS=20 COMPLEXITY=1 REPEAT=5 scripts/bench-runners.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PB=build/parbench
SIZE=${SIZE:-100MB} TASKS=${TASKS:-20} COMPLEXITY=${COMPLEXITY:-1} REPEAT=${REPEAT:-5}
out=$(mktemp -d /tmp/parbench-bench-runners.XXXXXX)
common=(--workload image --size "$SIZE" --tasks "$TASKS" --complexity "$COMPLEXITY"
        --repeat "$REPEAT" --warmup 1 --quiet)
echo "image workload: $SIZE in $TASKS tasks, complexity $COMPLEXITY, $REPEAT repetitions (reports in $out)"
n=0
runone() { n=$((n+1)); "$PB" run "${common[@]}" "$@" --output "$out/$(printf %02d $n).json" || true; }
runone --runner single
for w in 1 2; do
    runone --runner pthreads --workers "$w"
    runone --runner fork --workers "$w" --transfer shared
    runone --runner fork --workers "$w" --transfer copy
done
python3 scripts/report_table.py "$out"/*.json
python3 - "$out" <<'PY'
import glob, json, sys
runs = [r for f in sorted(glob.glob(sys.argv[1] + "/*.json")) for r in json.load(open(f))["runs"]]
med = lambda r: r["summary"]["wall_s"]["median"]
single = next(med(r) for r in runs if r["runner"] == "single")
for r in runs:
    if r["workers"] == 2 and r["params"]["transfer"] == "shared":
        sp = single / med(r)
        print("target: %-8s shared, 2 workers: speedup %.2fx (target >= 1.9x): %s"
              % (r["runner"], sp, "PASS" if sp >= 1.9 else "MISS"))
PY
