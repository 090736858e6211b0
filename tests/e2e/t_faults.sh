#!/usr/bin/env bash
# A worker process that dies makes the run fail with the worker named; the
# report is still written and no worker process is left behind, in both
# of the fork runner's transfer modes.
. "$(dirname "$0")/lib.sh"

# kill_a_worker MODE: start a run with long tasks, SIGKILL one of its
# workers mid-run, leave the run's exit code in $rc and its report in $out.
kill_a_worker() {
    out="$TMPD/fault-$1.json"
    "$PB" run --quiet --repeat 1 --warmup 0 --workload spin --duration 400ms --tasks 8 \
        --runner fork --workers 2 --transfer "$1" --output "$out" 2>/dev/null &
    pb=$!
    local victim=$(first_worker "$pb")
    sleep 0.3
    workers=$(run_workers "$pb" | tr '\n' ' ')
    [ -n "$victim" ] && kill -9 "$victim"
    wait "$pb"; rc=$?
}

# Any of the given pids still alive (a reparented worker would be)?
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && echo "$p"; done; }

for mode in shared copy; do
    kill_a_worker "$mode"
    eq "$mode: killed worker: exit code 1" 1 "$rc"
    eq "$mode: killed worker: status failed" failed "$(jq_py "$out" 'r["runs"][0]["status"]')"
    eq "$mode: killed worker: error names the worker and signal" True \
       "$(jq_py "$out" '"worker" in r["runs"][0]["error"] and "signal 9" in r["runs"][0]["error"]')"
    eq "$mode: killed worker: unfinished tasks say why" True \
       "$(jq_py "$out" 'any("error" in t for t in r["runs"][0]["repetitions"][0]["tasks"])')"
    eq "$mode: there were 2 workers" 2 "$(echo $workers | wc -w)"
    eq "$mode: killed worker: no worker left" "" "$(alive $workers)"
done
