#!/usr/bin/env bash
# scripts/bench-metg.sh (make bench-metg): METG(50%), Task Bench's minimum
# effective task granularity, of pthreads, fork (shared), mpi static and
# mpi dynamic at 2 workers, each beside its target with MET or MISS, into
# one report and (when `parbench plot` draws metg reports) a chart.
# A benchmark, not a test: it asserts nothing and exits 0 unless parbench
# refused its input.
#   WORKERS=2 REPEAT=5 START=4ms MIN=100ns WORK=100ms scripts/bench-metg.sh
# RESULTS=DIR puts the results/<time>-metg/ folder elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
PB=build/parbench
WORKERS=${WORKERS:-2} REPEAT=${REPEAT:-5} START=${START:-4ms} MIN=${MIN:-100ns} WORK=${WORK:-100ms}
dir=${RESULTS:-results}/$(date -u +%Y%m%dT%H%M%SZ)-metg
mkdir -p "$dir"
common=(--workers "$WORKERS" --repeat "$REPEAT" --start "$START" --min "$MIN" --work "$WORK")
mpi=mpi
"$PB" list | grep -E '^ *mpi ' | grep -q unavailable && mpi=""
echo "METG(50%) of the spin workload at $WORKERS workers on $(nproc) CPUs," \
     "$START down to $MIN, $REPEAT repetitions per point"
# Two sweeps (mpi static is the only static entry wanted), one report.
"$PB" metg --runner "pthreads,fork${mpi:+,mpi}" --transfer shared,local \
    "${common[@]}" --output "$dir/dynamic.json"
[ $? = 2 ] && exit 2
if [ -n "$mpi" ]; then
    "$PB" metg --runner mpi --schedule static "${common[@]}" --output "$dir/static.json"
    [ $? = 2 ] && exit 2
fi
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
parts = [json.load(open(os.path.join(d, f))) for f in ("dynamic.json", "static.json")
         if os.path.exists(os.path.join(d, f))]
doc = parts[0]
for p in parts[1:]:
    doc["metg"] += p["metg"]
tmp = os.path.join(d, "metg.json.tmp")
json.dump(doc, open(tmp, "w"), indent=2)
os.replace(tmp, os.path.join(d, "metg.json"))
for f in ("dynamic.json", "static.json"):
    if os.path.exists(os.path.join(d, f)):
        os.remove(os.path.join(d, f))

def us(s):
    for f, unit in ((1e9, "ns"), (1e6, "us"), (1e3, "ms")):
        if s * f < 999.5:
            return "%.3g %s" % (s * f, unit)
    return "%.3g s" % s

targets = [("pthreads", "dynamic", 1e-6), ("fork", "dynamic", 5e-6),
           ("mpi", "static", 10e-6), ("mpi", "dynamic", 50e-6)]
print()
print("%-26s %-14s %-12s %s" % ("entry", "METG(50%)", "target", ""))
for runner, sched, target in targets:
    e = next((e for e in doc["metg"] if e["runner"] == runner
              and e["params"].get("schedule") == sched), None)
    name = "%s %s" % (runner, sched) if runner == "mpi" else runner
    if e is None:
        print("%-26s %-14s <= %-9s MISS (not run)" % (name, "-", us(target)))
        continue
    m, pts = e["metg50_s"], e["points"]
    if e["status"] != "ok" and m is None:
        shown, met = "failed", False
    elif m is not None:
        shown, met = us(m), m <= target
    elif pts and pts[-1]["efficiency"] >= 0.5:
        # Efficient down to the floor: METG is below the last point.
        shown, met = "< " + us(pts[-1]["task_s"]), pts[-1]["task_s"] <= target
    else:
        shown, met = "> " + us(pts[0]["task_s"]) if pts else "-", False
    print("%-26s %-14s <= %-9s %s%s" % (name, shown, us(target), "MET" if met else "MISS",
          "" if e["status"] == "ok" else " (%s)" % e["error"]))
PY
echo
echo "report:  $dir/metg.json"
if "$PB" plot "$dir/metg.json" --out "$dir/charts" --format png 2>"$dir/plot.err"; then
    echo "charts:  $(ls "$dir"/charts/*.png 2>/dev/null | tr '\n' ' ')"
else
    echo "charts:  none ($(head -1 "$dir/plot.err"))"
fi
rm -f "$dir/plot.err"
exit 0
