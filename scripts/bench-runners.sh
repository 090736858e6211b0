#!/usr/bin/env bash
# scripts/bench-runners.sh (make bench-runners): the image workload under
# every CPU runner at 1 and 2 workers, measured side by side in one go:
# wall time, speedup over single, the gap at 1 worker (parbench's own cost,
# not the model's), start-up (spawn_s) and end-to-end time, per-repetition
# and persistent pools.  A benchmark, not a test: it prints figures and the
# targets of issue 9 as MET/MISS and always exits 0.
#   SIZE=100MB TASKS=20 COMPLEXITY=2 REPEAT=5 scripts/bench-runners.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-image-common.sh
bench_image_start bench-runners 20
mpi=no
"$PB" list 2>/dev/null | grep -q '^ *mpi .*unavailable' || mpi=yes
runone --runner single
for w in 1 2; do
    runone --runner pthreads --workers "$w"
    runone --runner fork --workers "$w" --transfer shared
    runone --runner fork --workers "$w" --transfer shared --pool persistent
    runone --runner fork --workers "$w" --transfer copy
    if [ "$mpi" = yes ]; then
        runone --runner mpi --workers "$w" --transfer local
        runone --runner mpi --workers "$w" --transfer local --schedule static
        runone --runner mpi --workers "$w" --transfer copy
    fi
done
python3 - "$out" <<'PY'
import glob, json, sys
runs = [r for f in sorted(glob.glob(sys.argv[1] + "/*.json"))
        for r in json.load(open(f))["runs"] if r["status"] == "ok"]
def med(xs):
    xs = sorted(xs); n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2
wall = lambda r: r["summary"]["wall_s"]["median"]
def e2e(r):
    """A one-shot job: start-up + timed region + stop."""
    p = r.get("pool", {})
    extra = p.get("spawn_s", 0) + p.get("stop_s", 0) if p.get("mode") == "persistent" else 0
    return med([x["end_to_end_s"] for x in r["repetitions"]]) + extra
def spawn(r):
    p = r.get("pool", {})
    return p["spawn_s"] if p.get("mode") == "persistent" else med([x["spawn_s"] for x in r["repetitions"]])
def name(r):
    s = r["runner"]
    if r["runner"] in ("fork", "mpi"):
        s += " " + r["params"]["transfer"]
    if r["runner"] == "mpi":
        s += " " + r["params"]["schedule"]
    if r["params"].get("pool") == "persistent":
        s += " persistent"
    return s
single = next((wall(r) for r in runs if r["runner"] == "single"), None)
if single is None:
    sys.exit("no single-runner baseline: nothing to compare")
print()
print("%-28s %7s %9s %8s %9s %9s %10s" % ("runner", "workers", "wall s", "speedup",
      "vs single", "spawn s", "end-to-end"))
for r in runs:
    w = r["workers"]
    # At 1 worker any gap to single is the harness's cost (dispatch, data
    # movement, collection), not parallelism's.
    gap = "%+8.1f%%" % (100 * (wall(r) / single - 1)) if w == 1 else ""
    print("%-28s %7d %9.4f %7.2fx %9s %9.4f %10.4f" % (name(r), w, wall(r), single / wall(r),
          gap, spawn(r), e2e(r)))
print()
def get(runner, w, **par):
    return next((r for r in runs if r["runner"] == runner and r["workers"] == w and
                 r["params"].get("pool", "per-repetition") == "per-repetition" and
                 all(r["params"].get(k) == v for k, v in par.items())), None)
targets = [("pthreads", {}), ("fork", {"transfer": "shared"}),
           ("mpi", {"transfer": "local", "schedule": "dynamic"}),
           ("mpi", {"transfer": "local", "schedule": "static"})]
for runner, par in targets:
    r = get(runner, 2, **par)
    label = runner + "".join(" " + v for v in par.values())
    if r is None:
        print("target: %-22s at 2 workers >= 1.9x single: not measured" % label)
        continue
    sp = single / wall(r)
    print("target: %-22s at 2 workers >= 1.9x single: %.2fx: %s" % (label, sp,
          "MET" if sp >= 1.9 else "MISS"))
r = get("fork", 1, transfer="shared")
if r:
    ratio = wall(r) / single
    print("target: fork shared at 1 worker within 10%% of single: %.4f s vs %.4f s = %.3f: %s"
          % (wall(r), single, ratio, "MET" if ratio <= 1.10 else "MISS"))
PY
