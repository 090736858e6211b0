#!/usr/bin/env bash
# scripts/bench-io.sh (make bench-io): the seed experiment of reference 002,
# offline.  Threads win on I/O-bound work and lose on CPU-bound work:
#   url:   16 URLs on the embedded loopback server at 50 ms latency, with
#          single, pthreads / fork / async at 4, 8 and 16 workers; the ideal
#          wall time is ceil(16 / workers) x 50 ms;
#   prime: the sum of primes below 1,000,000 with single, pthreads 1/2/4 and
#          fork 2..64 (oversubscription makes it slower again).
# A benchmark, not a test: it prints a table and the targets as PASS/MISS
# lines and fails only when a run itself failed.
#   URLS=16 LATENCY=50ms BODY=64KiB LIMIT=1000000 TASKS=64 REPEAT=5 scripts/bench-io.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PB=build/parbench
URLS=${URLS:-16} LATENCY=${LATENCY:-50ms} BODY=${BODY:-64KiB}
LIMIT=${LIMIT:-1000000} TASKS=${TASKS:-64} REPEAT=${REPEAT:-5}
out=$(mktemp -d /tmp/parbench-bench-io.XXXXXX)
echo "url: $URLS URLs, latency $LATENCY, body $BODY; prime: below $LIMIT in $TASKS tasks;" \
     "$REPEAT repetitions after 1 warm-up; $(nproc) CPUs (reports in $out)"

n=0
runone() { # workload runner workers [args...]
    local wl=$1 r=$2 w=$3; shift 3
    n=$((n + 1))
    "$PB" run --workload "$wl" --runner "$r" --workers "$w" --repeat "$REPEAT" \
        --warmup 1 --quiet --output "$out/$(printf %02d $n)-$wl-$r-$w.json" "$@" || true
}
url=(--tasks "$URLS" --latency "$LATENCY" --body "$BODY")
runone url single 1 "${url[@]}"
for r in pthreads fork async; do
    for w in 4 8 16; do runone url "$r" "$w" "${url[@]}"; done
done
prime=(--limit "$LIMIT" --tasks "$TASKS")
runone prime single 1 "${prime[@]}"
for w in 1 2 4; do runone prime pthreads "$w" "${prime[@]}"; done
for w in 2 4 8 16 32 64; do runone prime fork "$w" "${prime[@]}"; done

python3 - "$out" <<'PY'
import glob, json, math, sys
runs = []
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    try:
        runs += json.load(open(f))["runs"]
    except (OSError, ValueError) as e:
        print(f"{f}: unreadable report: {e}")
med = lambda r: r["summary"]["wall_s"]["median"]
bad = [r for r in runs if r["status"] != "ok"]
for r in bad:
    print(f"FAILED RUN: {r['workload']} {r['runner']} {r['workers']}: {r['status']}: {r['error']}")

print()
print("%-6s %-9s %7s %10s %10s %9s" % ("work", "runner", "workers", "median s", "ideal s", "ratio"))
verdicts = []
for r in runs:
    if r["workload"] != "url" or r["status"] != "ok":
        continue
    lat = r["params"]["latency_s"]
    ideal = math.ceil(r["tasks"] / r["workers"]) * lat
    ratio = med(r) / ideal
    print("%-6s %-9s %7d %10.4f %10.4f %8.2fx" % ("url", r["runner"], r["workers"], med(r), ideal, ratio))
    target = {"pthreads": 1.2, "async": 1.2, "fork": 1.5}.get(r["runner"])
    if target:
        verdicts.append("%s: url %-8s %2d workers: %.2fx of ideal (target <= %.1fx)"
                        % ("PASS" if ratio <= target else "MISS", r["runner"], r["workers"], ratio, target))

print()
print("%-6s %-9s %7s %10s %10s" % ("work", "runner", "workers", "median s", "speedup"))
single = [med(r) for r in runs if r["workload"] == "prime" and r["runner"] == "single" and r["status"] == "ok"]
for r in runs:
    if r["workload"] != "prime" or r["status"] != "ok":
        continue
    sp = single[0] / med(r) if single else float("nan")
    print("%-6s %-9s %7d %10.4f %9.2fx" % ("prime", r["runner"], r["workers"], med(r), sp))
    if r["runner"] == "fork" and r["workers"] == 2:
        verdicts.append("%s: prime fork      2 workers: %.2fx faster than single (target >= 1.9x)"
                        % ("PASS" if sp >= 1.9 else "MISS", sp))
print()
print("\n".join(verdicts))
sys.exit(1 if bad else 0)
PY
