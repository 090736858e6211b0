#!/bin/sh
# docker/pool.sh: a single-node container of docker/compose.yaml (2 or 4
# CPUs, 6 GB) and the reference experiment's multiprocessing half: the
# image workload on the process and thread pools at 10, 30 and 50 tasks,
# once with as many workers as the container has CPUs and once with one
# worker per task, as the reference's Pool(processes=tasks) did.  One report
# per configuration goes to $RESULTS, named after the CPUs parbench detected
# (cgroup quota and affinity), and `parbench info` as info-<hostname>.json.
#
# Runs outside Docker too:  RESULTS=out PB=build/parbench SIZE=4MB docker/pool.sh
#
# Environment: PB (parbench), RESULTS (/results), RUNNERS ("fork pthreads"),
# TASKS ("10 30 50"), SIZE (100MB), COMPLEXITY (1), REPEAT (3), WARMUP (1).
set -eu
PB=${PB:-parbench}
RESULTS=${RESULTS:-/results}
RUNNERS=${RUNNERS:-fork pthreads}
TASKS=${TASKS:-10 30 50}
SIZE=${SIZE:-100MB} COMPLEXITY=${COMPLEXITY:-1} REPEAT=${REPEAT:-3} WARMUP=${WARMUP:-1}

mkdir -p "$RESULTS"
# The host and limits this container sees, for the gathered report.
"$PB" info >"$RESULTS/info-$(hostname).json"
cpus=$("$PB" info | python3 -c 'import json,sys; print(json.load(sys.stdin)["limits"]["effective_cpus"])' \
       2>/dev/null || nproc)
cpus=${cpus%.*}
status=0
for r in $RUNNERS; do
    for t in $TASKS; do
        for w in "$cpus" "$t"; do
            out="$RESULTS/pool-${cpus}cpu-$r-${w}w-${t}t.json"
            echo "pool.sh: $r, $w workers on $cpus CPUs, $t tasks -> $out" >&2
            "$PB" run --workload image --size "$SIZE" --complexity "$COMPLEXITY" \
                --tasks "$t" --repeat "$REPEAT" --warmup "$WARMUP" \
                --runner "$r" --workers "$w" --output "$out" || status=1
            [ "$w" != "$t" ] || break # cpus == tasks: one run is enough
        done
    done
done
exit $status
