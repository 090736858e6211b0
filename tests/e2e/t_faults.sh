#!/usr/bin/env bash
# A worker process that dies makes the run fail with the worker named; the
# report is still written and no worker process is left behind.
. "$(dirname "$0")/lib.sh"

out="$TMPD/fault.json"
"$PB" run --quiet --repeat 1 --warmup 0 --workload spin --duration 400ms --tasks 8 \
    --runner fork --workers 2 --output "$out" 2>"$TMPD/err" &
pb=$!
# Wait for the workers to appear, then kill one of them.
victim=""
for _ in $(seq 100); do
    victim=$(pgrep -P "$pb" | head -1)
    [ -n "$victim" ] && break
    sleep 0.05
done
sleep 0.3
[ -n "$victim" ] && kill -9 "$victim"
wait "$pb"; rc=$?
eq "killed worker: exit code 1" 1 "$rc"
eq "killed worker: status failed" failed "$(jq_py "$out" 'r["runs"][0]["status"]')"
eq "killed worker: error names the worker and signal" True \
   "$(jq_py "$out" '"worker" in r["runs"][0]["error"] and "signal 9" in r["runs"][0]["error"]')"
sleep 0.2
eq "killed worker: no worker left" "" "$(pgrep -P "$pb" 2>/dev/null)"

# A failing run inside the copy-mode event loop is reported the same way.
out2="$TMPD/fault2.json"
"$PB" run --quiet --repeat 1 --warmup 0 --workload spin --duration 400ms --tasks 8 \
    --runner fork --workers 2 --transfer copy --output "$out2" 2>/dev/null &
pb=$!
victim=""
for _ in $(seq 100); do
    victim=$(pgrep -P "$pb" | tail -1)
    [ -n "$victim" ] && break
    sleep 0.05
done
sleep 0.3
[ -n "$victim" ] && kill -9 "$victim"
wait "$pb"; rc=$?
eq "copy mode killed worker: exit code 1" 1 "$rc"
eq "copy mode killed worker: status failed" failed "$(jq_py "$out2" 'r["runs"][0]["status"]')"
