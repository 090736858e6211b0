#!/usr/bin/env bash
# scripts/bench.sh (make bench [SCALE=smoke|default|full]): run the
# reference experiments' matrix, then the charts, and say where all is.
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
echo
echo "report:  $dir/report.json"
[ -f "$dir/report.md" ] && echo "table:   $dir/report.md"
[ -d "$dir/charts" ] && echo "charts:  $(ls "$dir"/charts/*.png 2>/dev/null | tr '\n' ' ')"
exit $status
