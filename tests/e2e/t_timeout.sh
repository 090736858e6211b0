#!/usr/bin/env bash
# --task-timeout and --run-timeout (issue 10, item 3): a worker stopped with
# SIGSTOP, or a task that never ends, ends the run as status "timeout"
# naming the task and the worker; every process of the run is killed and
# reaped, the report is written, exit code 1, and a matrix goes on with its
# next cell.  A looping thread cannot be killed alone: the supervised child
# running the configuration is.
. "$(dirname "$0")/lib.sh"

gone_within() { # seconds pid...: all gone (or zombies) within that time
    local until=$(( $(date +%s) + $1 )); shift
    while [ "$(date +%s)" -le "$until" ]; do
        local left=0
        for p in "$@"; do
            st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
            [ "$st" != Z ] && left=1
        done
        [ "$left" = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

# A stopped worker process: fork (both transfers) and mpi.
long=(--workload spin --duration 20ms --tasks 40 --repeat 40 --warmup 1 --quiet --task-timeout 1s)
# (Per-repetition pools start new workers every repetition: the fork cases
# keep theirs, persistent, or run one long repetition, so the stopped
# process is surely a worker with a task.)
cases=("fork shared" "fork copy")
command -v mpiexec >/dev/null && cases+=("mpi static" "mpi persistent")
for c in "${cases[@]}"; do
    set -- $c
    args=(--runner "$1" --workers 2)
    case $2 in
    shared) args+=(--transfer shared --pool persistent) ;;
    copy) args+=(--transfer copy --repeat 1 --warmup 0 --duration 100ms) ;;
    static) args+=(--schedule static --repeat 1 --warmup 0 --duration 250ms) ;;
    persistent) args+=(--pool persistent) ;;
    esac
    out="$TMPD/$1-$2.json"
    seed=$RANDOM$RANDOM
    "$PB" run "${long[@]}" "${args[@]}" --seed "$seed" --output "$out" 2>/dev/null &
    pb=$!
    # Past the warm-up, inside a measured repetition; per-repetition pools
    # start new workers each time, so the victim is picked now.
    sleep 1.2
    if [ "$1" = mpi ]; then
        victim=$(mpi_rank_pid "$seed" 2)
        # A rank stopped inside MPI_Init (slow on a loaded machine) stalls
        # the job before any task, which is not this case: give the rank
        # 2 s of life first (either mpi run lasts 5 s or more).
        for _ in $(seq 100); do
            [ -n "$victim" ] && [ "$(ps -o etimes= -p "$victim" 2>/dev/null | tr -d ' ')" -ge 2 ] 2>/dev/null && break
            sleep 0.1
        done
    else
        victim=$(first_worker "$pb")
    fi
    all=$(pgrep -f -- "--seed $seed" | tr '\n' ' ')
    kill -STOP "$victim" 2>/dev/null
    t0=$(date +%s.%N)
    wait "$pb"; rc=$?
    t1=$(date +%s.%N)
    eq "$c: stopped worker: exit 1" 1 "$rc"
    eq "$c: stopped worker: back within 15 s" True "$(python3 -c "print($t1 - $t0 < 15)")"
    eq "$c: status timeout, task and worker named" True \
       "$(jq_py "$out" '(lambda run: run["status"] == "timeout" and "--task-timeout" in run["error"]
                         and "task " in run["error"] and "worker " in run["error"])(r["runs"][0])')"
    gone_within 5 $all && _record PASS "$c: no process of the run left" \
        || _record FAIL "$c: no process of the run left" "$(ps -o pid,stat,cmd -p ${all// /,} 2>/dev/null)"
done

# A task that never ends in a thread (single, pthreads): the whole run's
# process is ended, the report still written.
for r in single pthreads; do
    out="$TMPD/loop-$r.json"
    "$PB" run --workload spin --spin-iters 1000000000000 --tasks 2 --repeat 1 --warmup 0 \
        --runner "$r" --task-timeout 1s --quiet --output "$out" 2>/dev/null
    eq "$r: endless task: exit 1" 1 "$?"
    eq "$r: endless task: status timeout naming task 0" True \
       "$(jq_py "$out" '(lambda run: run["status"] == "timeout" and ("task 0 on worker" in run["error"] or "task 1 on worker" in run["error"]))(r["runs"][0])')"
done

# --run-timeout: the whole run, whatever the tasks do.
out="$TMPD/run-timeout.json"
"$PB" run --workload spin --duration 50ms --tasks 10 --repeat 100 --warmup 0 --runner fork \
    --workers 2 --run-timeout 1s --quiet --output "$out" 2>/dev/null
eq "--run-timeout: exit 1" 1 "$?"
eq "--run-timeout: status timeout, named" True \
   "$(jq_py "$out" '(lambda run: run["status"] == "timeout" and "--run-timeout" in run["error"])(r["runs"][0])')"

# A matrix goes on after a cell that timed out.
cat >"$TMPD/m.json" <<'M'
{"defaults": {"repeat": 1, "warmup": 0, "workload": "spin", "tasks": 2},
 "experiments": [
   {"name": "stuck", "set": {"runner": "pthreads", "workers": 2, "spin-iters": 1000000000000,
                             "task-timeout": "1s"}, "grid": {"seed": [1]}},
   {"name": "fine", "set": {"runner": "fork", "workers": 2, "duration": "1ms"}, "grid": {"seed": [1]}}]}
M
"$PB" matrix "$TMPD/m.json" --output "$TMPD/mx.json" 2>/dev/null
eq "matrix with a stuck cell: exit 1" 1 "$?"
eq "matrix: the stuck cell timed out, the next one ran" "timeout ok" \
   "$(jq_py "$TMPD/mx.json" '" ".join(x["status"] for x in r["runs"])')"

expect_exit 2 "--task-timeout: bad value" "$PB" run --task-timeout soon --output "$TMPD/x.json"

# Under limits: the run's cgroups are removed after a timeout too.
out="$TMPD/limited.json"
"$PB" run --workload spin --spin-iters 1000000000000 --tasks 2 --repeat 1 --warmup 0 \
    --runner fork --workers 2 --cpus 1 --memory 256MB --task-timeout 1s --quiet \
    --output "$out" 2>/dev/null
eq "under --cpus/--memory: endless task: exit 1" 1 "$?"
mech=$(jq_py "$out" 'r["runs"][0]["limits"]["mechanism"]')
eq "under --cpus/--memory: status timeout" timeout "$(jq_py "$out" 'r["runs"][0]["status"]')"
case $mech in
cgroup*)
    eq "under --cpus/--memory: the run's cgroups are gone" "" \
       "$(jq_py "$out" '" ".join(p for p in [r["runs"][0]["limits"]["applied"].get(k) for k in ("cpu_cgroup", "memory_cgroup", "cgroup")] if p)' |
          tr ' ' '\n' | while read -r p; do [ -n "$p" ] && [ -d "$p" ] && echo "$p"; done)" ;;
*) skip "timeout removes the run's cgroups" "no cgroup here (mechanism $mech)" ;;
esac
