#!/usr/bin/env bash
# scripts/bench-peers.sh (make bench-peers [SCALE=smoke|default|full]): the
# Python peers against the C runners on the same work, alone: the peer
# experiments (bench/matrices/peers-$SCALE.json; peers unavailable here are
# listed and left out), METG(50%) of the C runners and of the peers, and
# one table of C runner against Python peer with their ratios
# (scripts/peers-table.py).  Figures only: nothing is asserted.
set -uo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-default}
PB=build/parbench
dir=${RESULTS:-results}/$(date -u +%Y%m%dT%H%M%SZ)-peers-$SCALE
mkdir -p "$dir"
python3 scripts/peers-matrix.py "$PB" "bench/matrices/peers-$SCALE.json" \
    "$dir/matrix.json" || exit 2
echo "make bench-peers: $("$PB" matrix "$dir/matrix.json" --dry-run | tail -1 | sed 's/, estimated.*//')"
"$PB" matrix "$dir/matrix.json" --output "$dir/report.json" --quiet
status=$?
# METG(50%): C runners down to their microseconds, peers from tens of
# milliseconds (a Python task costs far more to hand out), down to where
# efficiency falls under 10% (the sweep stops there, or at --min).
case $SCALE in
smoke) cm=(--start 64us --min 16us --repeat 1 --work 10ms)
       pm=(--start 8ms --min 2ms --repeat 1 --work 20ms) ;;
full) cm=() ; pm=(--start 64ms --min 1us --repeat 3) ;;
*) cm=(--start 1ms --min 500ns --repeat 3 --work 50ms)
   pm=(--start 32ms --min 2us --repeat 1 --work 100ms) ;;
esac
c_runners=pthreads,fork
"$PB" list | grep -E '^ *mpi ' | grep -q unavailable || c_runners=$c_runners,mpi
peers=$("$PB" list | sed -n 's/^ *\(exec:python-[a-z0-9-]*\) .*/\1/p' |
        grep -v -- '-c1$' | while read -r p; do
            "$PB" list | grep -q "^ *$p *\[unavailable\]" || echo "$p"
        done | paste -sd, -)
[ "$SCALE" = full ] || peers=$(echo "$peers" | tr ',' '\n' |
    grep -E 'python-(mp-fork|threads|dask)$' | paste -sd, -)
workers=2
echo "make bench-peers: METG(50%) of $c_runners and $peers at $workers workers"
"$PB" metg --runner "$c_runners" --workers $workers ${cm[@]+"${cm[@]}"} \
    --output "$dir/metg-c.json" --quiet || status=1
if [ -n "$peers" ]; then
    "$PB" metg --runner "$peers" --workers $workers --pool persistent \
        "${pm[@]}" --output "$dir/metg-peers.json" --quiet || status=1
fi
echo
python3 scripts/peers-table.py "$dir/report.json" "$dir/metg-c.json" \
    $([ -f "$dir/metg-peers.json" ] && echo "$dir/metg-peers.json") |
    tee "$dir/table.txt"
echo
echo "(one machine, shared: figures move with its load; $(uptime | sed 's/.*load/load/'))"
echo "report: $dir/report.json  table: $dir/table.txt"
exit $status
