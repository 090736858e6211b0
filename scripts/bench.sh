#!/usr/bin/env bash
# scripts/bench.sh (make bench [SCALE=smoke|default|full]): run the
# reference experiments' matrix with the Python peers beside the C runners
# (bench/matrices/peers-$SCALE.json, merged by scripts/peers-matrix.py:
# peers unavailable here are listed and left out), then the charts, then
# METG(50%) of the runners (metg.json), and say where all is.
#   default  about 5 minutes on a 2-core machine
#   full     the reference sizes (100 MB of images, ...): much longer
#   smoke    a few seconds, for CI
# RESULTS=DIR puts the results/<time>-<scale>/ folder elsewhere.
set -uo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-default}
PB=build/parbench
matrix=bench/matrices/$SCALE.json
if [ ! -f "$matrix" ]; then
    echo "parbench: make bench: unknown SCALE '$SCALE' (smoke, default, full)" >&2
    exit 2
fi
dir=${RESULTS:-results}/$(date -u +%Y%m%dT%H%M%SZ)-$SCALE
mkdir -p "$dir"
# The peers beside the C runners, in the same matrix and report.
if [ -f "bench/matrices/peers-$SCALE.json" ] && [ "${PEERS:-1}" != 0 ] &&
   python3 scripts/peers-matrix.py "$PB" "bench/matrices/peers-$SCALE.json" \
       "$dir/matrix-peers.json" "$matrix"; then
    matrix=$dir/matrix-peers.json
fi
# The pyramid writes its images under $TMPDIR (or /tmp): its inputs and
# every level, about 1.2 x the inputs.  When the disk is too small for the
# matrix's stack, the stack shrinks to what fits (said here, and the
# matrix actually run is kept beside the report); under 16 images the
# experiment is left out.
fitted=$(python3 scripts/pyramid-fit.py "$matrix" "${TMPDIR:-/tmp}" "$dir/matrix.json") || exit 2
[ -n "$fitted" ] && echo "make bench: $fitted" && matrix=$dir/matrix.json
est=$("$PB" matrix "$matrix" --dry-run | tail -1) || exit 2
echo "make bench: $matrix: $est"
"$PB" matrix "$matrix" --output "$dir/report.json"
status=$?
if "$PB" list | grep -q '^  *plot\b' 2>/dev/null || "$PB" plot --help >/dev/null 2>&1; then
    "$PB" plot "$dir/report.json" --out "$dir/charts" --format png || status=1
fi
if "$PB" export --help >/dev/null 2>&1; then
    "$PB" export "$dir/report.json" --format markdown >"$dir/report.md" || status=1
fi
# METG(50%) of the runners (Task Bench's minimum effective task
# granularity, README: METG) beside the matrix, charted into the same
# folder when `parbench plot` draws metg reports.
case $SCALE in
smoke) metg=(--start 64us --min 16us --repeat 1 --work 10ms) ;;
full) metg=() ;; # the defaults: 4 ms down to 100 ns, 5 repetitions
*) metg=(--start 1ms --min 500ns --repeat 3 --work 50ms) ;;
esac
metg_runners=pthreads,fork
"$PB" list | grep -E '^ *mpi ' | grep -q unavailable || metg_runners=$metg_runners,mpi
echo "make bench: METG(50%) of $metg_runners"
"$PB" metg --runner "$metg_runners" ${metg[@]+"${metg[@]}"} --output "$dir/metg.json" || status=1
if [ -f "$dir/metg.json" ] &&
   ! "$PB" plot "$dir/metg.json" --out "$dir/charts" --format png 2>/dev/null; then
    echo "(no METG chart: this parbench's plot does not draw metg reports)"
fi
echo
echo "report:  $dir/report.json"
[ -f "$dir/metg.json" ] && echo "metg:    $dir/metg.json"
[ -f "$dir/report.md" ] && echo "table:   $dir/report.md"
[ -d "$dir/charts" ] && echo "charts:  $(ls "$dir"/charts/*.png 2>/dev/null | tr '\n' ' ')"
exit $status
