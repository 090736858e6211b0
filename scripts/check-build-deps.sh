#!/bin/sh
# scripts/check-build-deps.sh: what the build needs, asked of pkg-config
# only (no package manager is run: `make deps` installs).  Prints, when
# something is missing, what and the one Debian line that installs it,
# and exits 2.  MPICH is optional: without it the mpi runner is built as
# unavailable (make MPI=0), so it is only mentioned.
#   scripts/check-build-deps.sh [MPI]     MPI: 1 when the build wants MPICH
set -u
want_mpi=${1:-1}
if ! command -v pkg-config >/dev/null 2>&1; then
    echo "parbench: build: pkg-config not found; on Debian: apt-get install pkg-config (or: make deps)" >&2
    exit 2
fi
# pkg-config name -> Debian package
missing="" debs=""
for pair in hwloc:libhwloc-dev libcjson:libcjson-dev libcurl:libcurl4-openssl-dev \
            libmicrohttpd:libmicrohttpd-dev libtiff-4:libtiff-dev liburing:liburing-dev; do
    pc=${pair%%:*} deb=${pair#*:}
    pkg-config --exists "$pc" || { missing="$missing $pc"; debs="$debs $deb"; }
done
if [ "$want_mpi" = 1 ] && ! pkg-config --exists mpich; then
    missing="$missing mpich"; debs="$debs libmpich-dev mpich"
fi
[ -z "$missing" ] && exit 0
echo "parbench: build: missing (pkg-config):$missing; on Debian: apt-get install$debs (or: make deps; make MPI=0 builds without the mpi runner)" >&2
exit 2
