#!/usr/bin/env bash
# docker/bench.sh (make docker-bench [SCALE=smoke|default|full]): the
# reference experiment in Docker containers with the reference's limits
# (docker/compose.yaml): the MPI cluster (head + 2 workers, 1 CPU each)
# until the head is done, then the 2- and 4-CPU, 6 GB pool containers;
# then every container's reports are gathered into one report with one
# set of charts (docker/gather.py, run in a container of the image).
#
#   smoke    4 MB of images, 10 tasks, 1 repetition: a minute or two
#   default  30 MB, 10/30/50 tasks, 2 repetitions
#   full     the reference: 100 MB, 10/30/50 tasks, 3 repetitions
# SIZE, REPEAT, WARMUP, TASKS, TRANSFERS override the scale's values;
# RESULTS=DIR puts the results/docker-<time>-<scale>/ folder elsewhere;
# TIMEOUT bounds each container group (seconds).
#
# A container that asks for more CPUs or memory than the Docker host has is
# skipped with a one-line note (output and report), never a failure.  With
# no engine answering, as root, one is started (scripts/docker-engine.sh up)
# and stopped again at the end (KEEP_ENGINE=1 keeps it).
set -uo pipefail
cd "$(dirname "$0")/.."
LIB_NAME=docker-bench
. docker/lib.sh

SCALE=${SCALE:-default}
case $SCALE in
smoke) def=(4MB 1 0 "10" "copy" 600) ;;
default) def=(30MB 2 1 "10 30 50" "copy local" 3600) ;;
full) def=(100MB 3 1 "10 30 50" "copy local" 14400) ;;
*) ddie "unknown SCALE '$SCALE' (smoke, default, full)" 2 ;;
esac
export SIZE=${SIZE:-${def[0]}} REPEAT=${REPEAT:-${def[1]}} WARMUP=${WARMUP:-${def[2]}}
export TASKS=${TASKS:-${def[3]}} TRANSFERS=${TRANSFERS:-${def[4]}}
TIMEOUT=${TIMEOUT:-${def[5]}}

dir=${RESULTS:-results}/docker-$(date -u +%Y%m%dT%H%M%SZ)-$SCALE
mkdir -p "$dir/raw" || exit 1
dir=$(cd "$dir" && pwd)
# The containers run as uid 1000 (bench): let them write here.
chmod a+rwx "$dir" "$dir/raw"
export PARBENCH_RESULTS=$dir/raw

engine_ensure
compose_find
builder_pick
project=parbench-$$
compose=("${DC[@]}" -p "$project" -f docker/compose.yaml)
cleanup() {
    "${compose[@]}" down --remove-orphans --volumes >/dev/null 2>&1
    engine_release
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dsay "SCALE=$SCALE: SIZE=$SIZE REPEAT=$REPEAT WARMUP=$WARMUP TASKS='$TASKS' TRANSFERS='$TRANSFERS'"
dsay "engine $ENGINE_VERSION: $ENGINE_CPUS CPUs, $(gib "$ENGINE_MEM"); results in $dir"
image_build "$dir/build.log"

status=0
: >"$dir/skipped.txt"
skip_note() {
    dsay "$1"
    echo "$1" >>"$dir/skipped.txt"
}

why=""
for s in head worker1 worker2; do
    w=$(too_big "$s")
    [ -n "$w" ] && { why="$s $w"; break; }
done
if [ -n "$why" ]; then
    skip_note "skipped the MPI cluster (head, worker1, worker2): $why"
else
    t0=$SECONDS
    dsay "MPI cluster: head + worker1 + worker2"
    timeout "$TIMEOUT" "${compose[@]}" up --no-build --no-color --exit-code-from head \
        head worker1 worker2 || { status=1; dsay "the MPI cluster failed"; }
    "${compose[@]}" down --remove-orphans >/dev/null 2>&1
    dsay "time: MPI cluster $((SECONDS - t0))s"
fi
for p in pool2 pool4; do
    why=$(too_big "$p")
    if [ -n "$why" ]; then
        skip_note "skipped $p: $why"
        continue
    fi
    t0=$SECONDS
    dsay "$p"
    timeout "$TIMEOUT" "${compose[@]}" run --rm --no-deps -T "$p" ||
        { status=1; dsay "$p failed"; }
    dsay "time: $p $((SECONDS - t0))s"
done
"${compose[@]}" down --remove-orphans --volumes >/dev/null 2>&1

# One report, its charts and its table, made with the image's parbench;
# the top-level host is the Docker host as an unlimited container sees it.
t0=$SECONDS
if ! docker run --rm --hostname "$(docker info --format '{{.Name}}')" -v "$dir:/results" \
    -e SCALE="$SCALE" -e ENGINE_VERSION="$ENGINE_VERSION" -e BUILDER="$BUILDER" \
    parbench:latest sh -c 'set -e; cd /results
        n=$(python3 /opt/parbench/docker/gather.py .)
        [ "$n" -gt 0 ] || exit 0 # every container skipped
        parbench plot report.json --out charts --format png >/dev/null
        parbench export report.json --format markdown --output report.md'; then
    status=1
    dsay "gathering the reports failed"
fi
dsay "time: gather, charts, table $((SECONDS - t0))s"

echo
[ -f "$dir/report.md" ] && cat "$dir/report.md"
if [ -s "$dir/skipped.txt" ]; then
    echo
    sed 's/^/note: /' "$dir/skipped.txt"
fi
echo
echo "report:  $dir/report.json"
[ -f "$dir/report.md" ] && echo "table:   $dir/report.md"
[ -d "$dir/charts" ] && echo "charts:  $dir/charts/"
echo "raw:     $dir/raw/ (each container's reports and parbench info)"
exit $status
