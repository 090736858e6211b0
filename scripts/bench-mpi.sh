#!/usr/bin/env bash
# scripts/bench-mpi.sh (make bench-mpi): the mpi runner against fork and
# pthreads on the image workload, at 1 and 2 workers, both mpi transfer
# modes, measured side by side in one go.  Prints wall time, speedup over
# single, per-task overhead and start-up time, and the target line
# "mpi (local) within 10% of fork (shared) at 2 workers" as PASS or MISS.
# A benchmark, not a test: it asserts nothing and always exits 0.
#   SIZE=100MB TASKS=10 COMPLEXITY=2 REPEAT=5 scripts/bench-mpi.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-image-common.sh
bench_image_start bench-mpi 10
runone --runner single
for w in 1 2; do
    runone --runner pthreads --workers "$w"
    runone --runner fork --workers "$w" --transfer shared
    runone --runner mpi --workers "$w" --transfer local
    runone --runner mpi --workers "$w" --transfer copy
done
PB=$PB scripts/export-table.sh "$out"/*.json
python3 - "$out" <<'PY'
import glob, json, sys
runs = [r for f in sorted(glob.glob(sys.argv[1] + "/*.json"))
        for r in json.load(open(f))["runs"] if r["status"] == "ok"]
med = lambda r: r["summary"]["wall_s"]["median"]
spawn = lambda r: sorted(p["spawn_s"] for p in r["repetitions"])[len(r["repetitions"]) // 2]
single = next((med(r) for r in runs if r["runner"] == "single"), None)
if single is None:
    sys.exit("no single-runner baseline: nothing to compare")
print()
print("%-9s %-7s %7s %9s %8s %14s %9s" % ("runner", "transfer", "workers", "median s",
      "speedup", "overhead/task", "spawn s"))
for r in runs:
    w, t = r["workers"], r["tasks"]
    # What the run cost beyond a perfect split of the single runner's time,
    # per task: dispatch, data movement, collection, waiting.
    over = (med(r) - single / w) * w / t
    print("%-9s %-7s %7d %9.4f %7.2fx %11.2f ms %9.4f" % (
        r["runner"], r["params"]["transfer"], w, med(r), single / med(r),
        1e3 * over, spawn(r)))
get = lambda runner, tr: next((r for r in runs if r["runner"] == runner and r["workers"] == 2
                               and r["params"]["transfer"] == tr), None)
mpi, fork = get("mpi", "local"), get("fork", "shared")
print()
if mpi and fork:
    ratio = med(mpi) / med(fork)
    print("target: mpi (local) within 10%% of fork (shared) at 2 workers: "
          "%.4f s vs %.4f s = %.2fx: %s" % (med(mpi), med(fork), ratio,
                                           "PASS" if ratio <= 1.10 else "MISS"))
else:
    print("target: mpi (local) within 10% of fork (shared) at 2 workers: MISS (a run failed)")
PY
