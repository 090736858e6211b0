#!/bin/sh
# docker/bench.sh (make docker-bench): the reference experiment in Docker.
# Builds the image, runs the MPI cluster (head + 2 workers, docker/head.sh)
# until the head is done, then the 2- and 4-CPU pool containers
# (docker/pool.sh), and prints every report in results/ as one table
# (scripts/export-table.sh: `parbench export`, so build/parbench too).
#   SIZE=20MB REPEAT=1 make docker-bench      a quicker pass
# Needs a Docker engine and `docker compose` or docker-compose.
set -eu
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then
    dc="docker compose"
elif command -v docker-compose >/dev/null 2>&1; then
    dc=docker-compose
else
    echo "docker-bench: needs docker compose (or docker-compose)" >&2
    exit 2
fi
if ! docker info >/dev/null 2>&1; then
    echo "docker-bench: no Docker engine is reachable (docker info failed)" >&2
    exit 2
fi
compose="$dc -f docker/compose.yaml"
# The containers run as uid 1000: let them write the reports.
mkdir -p results
chmod a+rwx results
DOCKER_BUILDKIT=1 docker build -f docker/Dockerfile -t parbench:latest .
status=0
$compose up --no-build --exit-code-from head head worker1 worker2 || status=1
$compose run --rm --no-deps pool2 || status=1
$compose run --rm --no-deps pool4 || status=1
$compose down --remove-orphans || true
bash scripts/export-table.sh results/*.json || true
exit $status
