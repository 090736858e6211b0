#!/usr/bin/env bash
# scripts/export-table.sh: several reports as one markdown table, for the
# benchmark scripts that write a report per run (bench-mpi.sh,
# docker/bench.sh).  Each report goes through `parbench export` (the one
# reader of reports; nothing here parses them); the header is printed
# again only where the columns change (another workload's parameters).
#   scripts/export-table.sh REPORT.json...      ($PB: the parbench binary)
set -u
PB=${PB:-$(dirname "$0")/../build/parbench}
tmp=$(mktemp /tmp/parbench-export.XXXXXX)
trap 'rm -f "$tmp"' EXIT
prev="" status=0
for f in "$@"; do
    if ! "$PB" export "$f" --format markdown --output "$tmp"; then
        status=1
        continue
    fi
    head=$(head -1 "$tmp")
    if [ "$head" != "$prev" ]; then
        [ -n "$prev" ] && echo
        cat "$tmp"
    else
        tail -n +3 "$tmp"
    fi
    prev=$head
done
exit $status
