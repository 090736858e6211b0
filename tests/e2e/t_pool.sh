#!/usr/bin/env bash
# --pool: per-repetition pools start new workers for every repetition (and
# each repetition pays its start-up in spawn_s); a persistent pool runs the
# warm-up and every measured repetition on the same worker processes or
# threads (the pids in the report), with its start-up reported once.
. "$(dirname "$0")/lib.sh"

IMG=(--workload image --size 600KB --tasks 9 --complexity 2 --seed 5)
"$PB" run --quiet --repeat 1 --warmup 0 "${IMG[@]}" --output "$TMPD/ref.json"
ref=$(jq_py "$TMPD/ref.json" 'r["runs"][0]["result"]["checksum"]')

same_pids='(lambda run: all(rep["worker_pids"] == run["pool"]["pids"]
                           for rep in run["repetitions"]))(r["runs"][0])'
shape='(lambda run, n: all([
    run["status"] == "ok", run["params"]["pool"] == "persistent",
    run["pool"]["mode"] == "persistent", run["pool"]["spawn_s"] > 0,
    run["pool"]["stop_s"] >= 0, len(run["pool"]["pids"]) == n,
    all(p > 0 for p in run["pool"]["pids"]), len(set(run["pool"]["pids"])) == n,
    all(rep["spawn_s"] == 0 and rep["stop_s"] == 0 and
        abs(rep["end_to_end_s"] - rep["wall_s"]) < 1e-12 for rep in run["repetitions"])]))(r["runs"][0], N)'
for cfg in "single 1 shared" "pthreads 3 shared" "fork 2 shared" "fork 3 copy"; do
    set -- $cfg
    name="$1-$2-$3"
    extra=(); [ "$1" = fork ] && extra=(--transfer "$3")
    [ "$1" != single ] && extra+=(--workers "$2")
    out="$TMPD/$name.json"
    ok "$name persistent: runs" "$PB" run --quiet --repeat 4 --warmup 1 "${IMG[@]}" \
        --runner "$1" "${extra[@]}" --pool persistent --output "$out"
    eq "$name persistent: checksum as single" "$ref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
    eq "$name persistent: every repetition on the pool's workers" True "$(jq_py "$out" "$same_pids")"
    eq "$name persistent: report shape" True "$(jq_py "$out" "${shape//N/$2}")"
done

# mpi: the same ranks for every repetition, and each hand-out mode reset
# between them (the node counter is never reset: each repetition starts
# further on).
if command -v mpiexec >/dev/null; then
    for sched in dynamic static; do
        for tr in local copy; do
            name="mpi-$sched-$tr"
            out="$TMPD/$name.json"
            ok "$name persistent: runs" "$PB" run --quiet --repeat 3 --warmup 1 "${IMG[@]}" \
                --runner mpi --workers 2 --schedule $sched --transfer $tr --pool persistent \
                --output "$out"
            eq "$name persistent: checksum as single" "$ref" \
               "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
            eq "$name persistent: every repetition on the pool's ranks" True \
               "$(jq_py "$out" "$same_pids")"
            eq "$name persistent: report shape" True "$(jq_py "$out" "${shape//N/2}")"
            eq "$name persistent: every task ran in every repetition" True \
               "$(jq_py "$out" 'all(len(rep["tasks"]) == 9 and all("error" not in t for t in rep["tasks"])
                                    for rep in r["runs"][0]["repetitions"])')"
        done
    done
else
    skip "mpi persistent pool" "mpiexec is not installed"
fi

# Per repetition: new workers each time, start-up in every repetition.
for tr in shared copy; do
    out="$TMPD/per-$tr.json"
    ok "fork per-repetition $tr: runs" "$PB" run --quiet --repeat 3 --warmup 0 "${IMG[@]}" \
        --runner fork --workers 2 --transfer "$tr" --output "$out"
    eq "fork per-repetition $tr: new pids every repetition" True "$(jq_py "$out" '(lambda reps:
        len(set(p for rep in reps for p in rep["worker_pids"])) == 2 * len(reps))(r["runs"][0]["repetitions"])')"
    eq "fork per-repetition $tr: start-up in each repetition, end-to-end adds it" True \
       "$(jq_py "$out" 'all(rep["spawn_s"] > 0 and rep["stop_s"] > 0 and
           abs(rep["end_to_end_s"] - (rep["spawn_s"] + rep["wall_s"] + rep["stop_s"])) < 1e-9
           for rep in r["runs"][0]["repetitions"]) and r["runs"][0]["pool"] == {"mode": "per-repetition"}')"
done

# A persistent pool whose worker dies mid-run: the run fails, names the
# worker, and leaves no process behind.
out="$TMPD/dead.json"
"$PB" run --quiet --repeat 50 --warmup 0 --workload spin --duration 20ms --tasks 8 \
    --runner fork --workers 2 --pool persistent --seed 8181 --output "$out" 2>/dev/null &
pb=$!
victim=$(first_worker "$pb")
sleep 0.5
[ -n "$victim" ] && kill -9 "$victim"
wait "$pb"; rc=$?
eq "persistent pool, worker killed: exit 1" 1 "$rc"
eq "persistent pool, worker killed: status failed, worker named" True \
   "$(jq_py "$out" '(lambda run: run["status"] == "failed" and "pid '"$victim"'" in run["error"]
                      and "signal 9" in run["error"])(r["runs"][0])')"
eq "persistent pool, worker killed: no worker left" "" "$(run_workers "$pb" 2>/dev/null)"

expect_exit 2 "--pool: unknown mode" "$PB" run --pool forever --output "$TMPD/x.json"
[ -e "$TMPD/x.json" ] && _record FAIL "--pool bad mode writes nothing" || _record PASS "--pool bad mode writes nothing"
