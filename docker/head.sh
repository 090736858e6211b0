#!/bin/sh
# docker/head.sh: the head container of the MPI cluster (docker/compose.yaml)
# and the reference experiment's distributed half: the image workload over
# MPI with 1 and 2 worker nodes, 10, 30 and 50 tasks, the head on this node
# (rank 0) and one worker rank per worker node.  One report per
# configuration goes to $RESULTS, and `parbench info` (the host and limits
# this node sees) as info-<hostname>.json.
#
# It also runs outside Docker, e.g. on one machine with a local host file:
#   printf 'localhost:8\n' >hosts
#   HOSTFILE=hosts RESULTS=out PB=build/parbench SIZE=4MB docker/head.sh
#
# Environment (defaults are the reference experiment's):
#   PB            parbench binary (parbench on PATH)
#   RESULTS       report directory (/results)
#   WORKER_HOSTS  worker nodes, in order (worker1 worker2); the head is
#                 this node, `hostname`
#   HOSTFILE      use this Hydra host file for every run instead of
#                 head + the first N worker nodes, and do not wait for ssh
#   WORKERS       worker counts to run (1 2)
#   TASKS         task counts (10 30 50)
#   TRANSFERS     mpi transfer modes (copy local): copy is what Ray's object
#                 store does with the driver's images; local is data
#                 already on the nodes
#   SIZE COMPLEXITY REPEAT WARMUP   (100MB 1 3 1)
#   SSH_WAIT      seconds to wait for the workers' sshd (60)
set -eu
PB=${PB:-parbench}
RESULTS=${RESULTS:-/results}
WORKER_HOSTS=${WORKER_HOSTS:-worker1 worker2}
HOSTFILE=${HOSTFILE:-}
WORKERS=${WORKERS:-1 2}
TASKS=${TASKS:-10 30 50}
TRANSFERS=${TRANSFERS:-copy local}
SIZE=${SIZE:-100MB} COMPLEXITY=${COMPLEXITY:-1} REPEAT=${REPEAT:-3} WARMUP=${WARMUP:-1}
SSH_WAIT=${SSH_WAIT:-60}

mkdir -p "$RESULTS"
# The host and limits this node sees, for the gathered report.
"$PB" info >"$RESULTS/info-$(hostname).json"
work=$(mktemp -d /tmp/parbench-head.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The workers must accept ssh before Hydra can start ranks there.
if [ -z "$HOSTFILE" ]; then
    for h in $WORKER_HOSTS; do
        waited=0
        until ssh -o BatchMode=yes -o ConnectTimeout=2 "$h" true 2>/dev/null; do
            waited=$((waited + 1))
            if [ "$waited" -ge "$SSH_WAIT" ]; then
                echo "head.sh: no ssh to $h after ${SSH_WAIT}s" >&2
                exit 1
            fi
            sleep 1
        done
    done
fi

status=0
for w in $WORKERS; do
    hf=$HOSTFILE
    if [ -z "$hf" ]; then
        # Rank 0, the head, takes this node's one slot; then one rank per
        # worker node, as Ray ran one worker per node.
        hf="$work/hosts-$w"
        echo "$(hostname):1" >"$hf"
        n=0
        for h in $WORKER_HOSTS; do
            [ "$n" -lt "$w" ] || break
            echo "$h:1" >>"$hf"
            n=$((n + 1))
        done
        if [ "$n" -lt "$w" ]; then
            echo "head.sh: $w workers asked, only $n worker hosts" >&2
            exit 2
        fi
    fi
    for t in $TASKS; do
        for tr in $TRANSFERS; do
            out="$RESULTS/mpi-${w}w-${t}t-$tr.json"
            echo "head.sh: mpi, $w worker(s), $t tasks, transfer $tr -> $out" >&2
            "$PB" run --workload image --size "$SIZE" --complexity "$COMPLEXITY" \
                --tasks "$t" --repeat "$REPEAT" --warmup "$WARMUP" \
                --runner mpi --workers "$w" --transfer "$tr" --hostfile "$hf" \
                --output "$out" || status=1
        done
    done
done
exit $status
