#!/usr/bin/env bash
# `make bench` at smoke scale: the default matrix's shape, every workload
# and runner of it, end to end, into a valid report (and charts when
# gnuplot is there).  Figures are not checked: this is not a benchmark.
. "$(dirname "$0")/lib.sh"

ok "make bench SCALE=smoke" env RESULTS="$TMPD/results" SCALE=smoke bash "$ROOT/scripts/bench.sh"
rep=$(ls "$TMPD"/results/*-smoke/report.json 2>/dev/null | head -1)
ok "smoke report exists" test -f "$rep"
eq "smoke report: every cell ran ok" "['ok']" "$(jq_py "$rep" 'sorted(set(x["status"] for x in r["runs"]))')"
eq "smoke report: one run per cell" True "$(jq_py "$rep" 'len(r["runs"]) == r["matrix"]["cells"]')"
eq "smoke report: workloads of the reference experiments" "['image', 'prime', 'pyramid', 'url']" \
   "$(jq_py "$rep" 'sorted(set(x["workload"] for x in r["runs"]))')"
eq "smoke report: image checksums agree across the C runners" 1 \
   "$(jq_py "$rep" 'len(set(x["result"]["checksum"] for x in r["runs"] if x["workload"]=="image" and x["tasks"]==10 and not x["runner"].startswith("exec:")))')"
# The Python peers beside them (left out, and listed, where their modules
# are missing): OpenCV's outputs agree with parbench's within tolerance.
if "$PB" list | grep -qE '^ +exec:python-mp-fork +[^[]'; then
    eq "smoke report: the Python peers beside the C runners, image within tolerance" True \
       "$(jq_py "$rep" 'any(x["runner"].startswith("exec:python") for x in r["runs"]) and all(p["agreement"] >= 0.97 for x in r["runs"] if x["runner"].startswith("exec:") and x["workload"] == "image" for p in x["repetitions"])')"
else
    skip "smoke report: the Python peers" "exec:python-mp-fork is unavailable here"
fi
eq "smoke report: pyramid checksums agree across strategies, caches, workers" 1 \
   "$(jq_py "$rep" 'len(set(x["result"]["checksum"] for x in r["runs"] if x["workload"]=="pyramid"))')"
metg=$(ls "$TMPD"/results/*-smoke/metg.json 2>/dev/null | head -1)
ok "smoke metg report exists" test -f "$metg"
eq "smoke metg: every entry ok, with points" True "$(jq_py "$metg" 'len(r["metg"]) >= 2 and all(e["status"] == "ok" and e["points"] for e in r["metg"])')"
