#!/usr/bin/env bash
# scripts/bench-pyramid.sh (make bench-pyramid): reference 003's question,
# measured.  The thumbnail pyramid's strategies (level: a barrier per
# level; dataflow: each image as soon as its inputs exist; batch: K images
# per task, every level in memory) side by side at 1 and 2 workers
# (pthreads), with the page cache warm and cold, with ratios (2 workers
# over 1, each strategy over level), the CPU utilisation, the share of
# task time spent reading and writing and the bytes read from the device;
# then the three I/O modes (read, mmap, io_uring) at 2 workers, the
# improvements the reference proposed.  A benchmark, not a test: it prints
# tables, and fails only when a run itself failed.
#   IMAGES=64 SIDE=1024 DEPTH=16 BATCH=8 REPEAT=9 scripts/bench-pyramid.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PB=build/parbench
IMAGES=${IMAGES:-64} SIDE=${SIDE:-1024} DEPTH=${DEPTH:-16} BATCH=${BATCH:-8}
REPEAT=${REPEAT:-9}
out=$(mktemp -d /tmp/parbench-bench-pyramid.XXXXXX)
fs=$(stat -f -c %T "${TMPDIR:-/tmp}")
echo "pyramid: $IMAGES images of ${SIDE}x$SIDE at $DEPTH bits, TIFF, in ${TMPDIR:-/tmp} ($fs);" \
     "$REPEAT repetitions after 1 warm-up; pthreads; $(nproc) CPUs (reports in $out)"
[ "$fs" = tmpfs ] && echo "(tmpfs: no device behind the page cache, so cold is warm here)"
cat >"$out/matrix.json" <<JSON
{"name": "bench-pyramid", "defaults": {"repeat": $REPEAT, "warmup": 1},
 "experiments": [
  {"name": "strategies",
   "set": {"workload": "pyramid", "runner": "pthreads", "images": $IMAGES,
           "side": $SIDE, "depth": $DEPTH, "batch": $BATCH},
   "grid": {"strategy": ["level", "dataflow", "batch"], "cache": ["warm", "cold"],
            "workers": [1, 2]}},
  {"name": "io",
   "set": {"workload": "pyramid", "runner": "pthreads", "images": $IMAGES,
           "side": $SIDE, "depth": $DEPTH, "batch": $BATCH, "workers": 2,
           "strategy": "dataflow"},
   "grid": {"io": ["read", "mmap", "uring"], "cache": ["warm", "cold"]}}]}
JSON
status=0
"$PB" matrix "$out/matrix.json" --quiet --output "$out/report.json" || status=1

python3 - "$out/report.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
runs = {}
for x in r["runs"]:
    p = x["params"]
    key = (x["cell"]["experiment"], p["strategy"], p["io"], p["cache"], x["workers"])
    runs[key] = x

def med(x, f):
    v = [f(rep) for rep in x["repetitions"]]
    v = [a for a in v if a is not None]
    return statistics.median(v) if v else float("nan")

def wall(x):
    return med(x, lambda rep: rep["wall_s"]) if x and x["status"] == "ok" else float("nan")

def fmt(v, unit="s"):
    return "    -   " if v != v else ("%7.3f%s" % (v, unit))

def ratio(a, b):
    return "   -  " if a != a or b != b or b == 0 else "%5.2fx" % (a / b)

sums = set(x["result"]["checksum"] for x in r["runs"] if x["status"] == "ok")
bad = [x for x in r["runs"] if x["status"] != "ok"]
print()
print("wall time, median of repetitions (2w/1w: 2 workers over 1; vs level: this strategy's time over level's)")
print("%-9s | %-8s %-8s %-6s | %-8s %-8s %-6s | %-24s | %-24s" % (
    "strategy", "warm 1w", "warm 2w", "2w/1w", "cold 1w", "cold 2w", "2w/1w",
    "vs level: warm 1w, 2w", "vs level: cold 1w, 2w"))
for s in ("level", "dataflow", "batch"):
    t = {(c, w): wall(runs.get(("strategies", s, "read", c, w))) for c in ("warm", "cold") for w in (1, 2)}
    l = {(c, w): wall(runs.get(("strategies", "level", "read", c, w))) for c in ("warm", "cold") for w in (1, 2)}
    print("%-9s | %s %s %s | %s %s %s | %s %s            | %s %s" % (
        s, fmt(t["warm", 1]), fmt(t["warm", 2]), ratio(t["warm", 2], t["warm", 1]),
        fmt(t["cold", 1]), fmt(t["cold", 2]), ratio(t["cold", 2], t["cold", 1]),
        ratio(t["warm", 1], l["warm", 1]), ratio(t["warm", 2], l["warm", 2]),
        ratio(t["cold", 1], l["cold", 1]), ratio(t["cold", 2], l["cold", 2])))
print()
print("where the time goes (medians): CPU = (user+sys) / (wall x workers); read/compute/write: shares of task time;")
print("blocked: time off the CPU in reads and writes, share of task time; device: MB read from the device, and per")
print("second of wall time; critical path: the longest chain of task times (what unlimited workers could reach)")
print("%-9s %-5s %2s | %5s | %5s %7s %5s | %7s | %9s %9s | %8s" % (
    "strategy", "cache", "w", "CPU", "read", "compute", "write", "blocked", "device", "MB/s", "crit.path"))
def row(name, x):
    if not x or x["status"] != "ok":
        print("%-20s (run failed: %s)" % (name, x and x["error"])); return
    rd = med(x, lambda rep: rep["io"]["read_s"]); cp = med(x, lambda rep: rep["io"]["compute_s"])
    wr = med(x, lambda rep: rep["io"]["write_s"]); bl = med(x, lambda rep: rep["io"]["io_blocked_s"])
    tot = rd + cp + wr
    dev = med(x, lambda rep: rep["io"]["device_read_bytes"]) / 1e6
    print("%s | %4.0f%% | %4.0f%% %6.0f%% %4.0f%% | %6.0f%% | %6.1f MB %9.0f | %7.3fs" % (
        name, 100 * med(x, lambda rep: rep["cpu_utilization"]), 100 * rd / tot, 100 * cp / tot,
        100 * wr / tot, 100 * bl / tot, dev, dev / wall(x),
        med(x, lambda rep: rep["critical_path_s"])))
for c in ("warm", "cold"):
    for s in ("level", "dataflow", "batch"):
        for w in (1, 2):
            row("%-9s %-5s %2d" % (s, c, w), runs.get(("strategies", s, "read", c, w)))
print()
print("I/O modes, dataflow at 2 workers (vs read: this mode's time over read's)")
print("%-6s | %-8s %-7s | %-8s %-7s" % ("io", "warm", "vs read", "cold", "vs read"))
for io in ("read", "mmap", "uring"):
    t = {c: wall(runs.get(("io", "dataflow", io, c, 2))) for c in ("warm", "cold")}
    b = {c: wall(runs.get(("io", "dataflow", "read", c, 2))) for c in ("warm", "cold")}
    print("%-6s | %s %s | %s %s" % (io, fmt(t["warm"]), ratio(t["warm"], b["warm"]),
                                    fmt(t["cold"]), ratio(t["cold"], b["cold"])))
print()
print("checksums: %s" % ("all %d runs agree (%s)" % (len(r["runs"]) - len(bad), sums.pop()) if len(sums) == 1
                         else "DIFFER: %s" % sorted(sums)))
for x in bad:
    print("FAILED: %s %s: %s" % (x["cell"]["key"], x["status"], x["error"]))
PY
exit $status
