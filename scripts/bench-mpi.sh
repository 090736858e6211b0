#!/usr/bin/env bash
# scripts/bench-mpi.sh (make bench-mpi): the mpi runner against fork and
# pthreads on the image workload, at 1 and 2 workers, both mpi transfer
# modes, measured side by side in one go.  Prints wall time, speedup over
# single, per-task overhead and start-up time, and the target line
# "mpi (local) within 10% of fork (shared) at 2 workers" as PASS or MISS.
# Then task dependencies: the pyramid workload (level and dataflow, page
# cache warm) at 2 workers on pthreads, fork (shared, copy) and mpi (local,
# copy), with the median wall time, the ratio to pthreads, the workers'
# wait for inputs and the critical path.
# A benchmark, not a test: it asserts nothing and always exits 0.
#   SIZE=100MB TASKS=10 COMPLEXITY=2 REPEAT=5 PYR_IMAGES=32 PYR_SIDE=1024 \
#   scripts/bench-mpi.sh
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

# ---- task dependencies: the pyramid ------------------------------------------
PYR_IMAGES=${PYR_IMAGES:-32} PYR_SIDE=${PYR_SIDE:-1024}
pout=$(mktemp -d /tmp/parbench-bench-mpi-deps.XXXXXX)
echo
echo "pyramid: $PYR_IMAGES images of ${PYR_SIDE}x$PYR_SIDE, 16-bit TIFF in ${TMPDIR:-/tmp}," \
     "page cache warm, 2 workers, $REPEAT repetitions (reports in $pout)"
n=0
for st in level dataflow; do
    for r in "pthreads" "fork --transfer shared" "fork --transfer copy" \
             "mpi --transfer local" "mpi --transfer copy"; do
        n=$((n + 1))
        "$PB" run --workload pyramid --images "$PYR_IMAGES" --side "$PYR_SIDE" --strategy "$st" \
            --repeat "$REPEAT" --warmup 1 --quiet --workers 2 --runner $r \
            --output "$pout/$(printf %02d $n).json" || echo "  (run failed: $st $r)"
    done
done
python3 - "$pout" <<'PY'
import glob, json, sys
runs = [r for f in sorted(glob.glob(sys.argv[1] + "/*.json"))
        for r in json.load(open(f))["runs"] if r["status"] == "ok"]
mid = lambda xs: sorted(xs)[len(xs) // 2]
med = lambda r, k: mid([p[k] for p in r["repetitions"] if p.get(k) is not None] or [0])
print("%-9s %-9s %-8s %9s %11s %13s %15s" % ("strategy", "runner", "transfer", "median s",
      "/ pthreads", "input wait s", "critical path s"))
for r in runs:
    st = r["params"]["strategy"]
    base = next((med(x, "wall_s") for x in runs if x["runner"] == "pthreads"
                 and x["params"]["strategy"] == st), None)
    print("%-9s %-9s %-8s %9.4f %10.2fx %13.4f %15.4f" % (
        st, r["runner"], r["params"]["transfer"], med(r, "wall_s"),
        med(r, "wall_s") / base if base else float("nan"),
        med(r, "input_wait_s"), med(r, "critical_path_s")))
PY
