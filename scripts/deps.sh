#!/bin/sh
# scripts/deps.sh: make sure the Debian packages parbench needs are installed.
#
# Called by `make`, `make test` and `make bench`, so a fresh Debian machine
# needs nothing but those commands.  Installs what is missing with apt-get
# when run as root; otherwise says exactly what to install and fails.
#   scripts/deps.sh            build + run dependencies
#   scripts/deps.sh --test     also what the tests use (the Python peers'
#                              modules: peers/PROTOCOL.md; python3-jsonschema:
#                              reports checked against their schema)
#   scripts/deps.sh --bench    only what the benchmarks compare against:
#                              OpenCV for Debian's python3 (make
#                              bench-kernels), NumPy and Dask distributed
#                              (the Python peers)
set -eu

pkgs="build-essential pkg-config libhwloc-dev hwloc libcjson-dev check libsubunit-dev
      libcurl4-openssl-dev libmicrohttpd-dev libtiff-dev liburing-dev mpich libmpich-dev gnuplot-nox
      python3 procps"
if [ "${1:-}" = "--test" ]; then
    pkgs="$pkgs iproute2 docker-compose openssh-server openssh-client
          clang libclang-rt-14-dev python3-numpy python3-opencv
          python3-distributed python3-jsonschema"
fi
if [ "${1:-}" = "--bench" ]; then
    pkgs="python3-opencv python3-numpy python3-distributed"
fi

missing=""
for p in $pkgs; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "parbench: missing packages:$missing (not a Debian system: install them by hand)" >&2
    exit 2
fi
if [ "$(id -u)" != 0 ]; then
    echo "parbench: missing Debian packages:$missing; run as root: apt-get install$missing" >&2
    exit 2
fi
echo "scripts/deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
