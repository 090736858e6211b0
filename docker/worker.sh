#!/bin/sh
# docker/worker.sh: a worker node of the MPI cluster (docker/compose.yaml).
# It runs nothing itself: it serves ssh, so that Hydra on the head can start
# its proxy and the worker ranks here, exactly as on real machines.  sshd
# runs as the unprivileged user on port 2222 with the host key and the
# authorized key made when the image was built (docker/Dockerfile).
#
#   docker/worker.sh           serve (foreground)
#   docker/worker.sh --check   only check the sshd configuration (sshd -t)
#
# Environment: SSHD_CONFIG (~/.ssh/sshd_config), SSHD (/usr/sbin/sshd),
# RESULTS (where `parbench info` goes, as info-<hostname>.json), PB.
set -eu
SSHD=${SSHD:-/usr/sbin/sshd}
SSHD_CONFIG=${SSHD_CONFIG:-$HOME/.ssh/sshd_config}
if [ ! -x "$SSHD" ]; then
    echo "worker.sh: $SSHD not found (install openssh-server)" >&2
    exit 2
fi
if [ ! -r "$SSHD_CONFIG" ]; then
    echo "worker.sh: no sshd configuration at $SSHD_CONFIG" >&2
    exit 2
fi
# sshd refuses to start without its privilege-separation directory; the
# image makes it, a bare machine may not have it yet.
[ -d /run/sshd ] || mkdir -p /run/sshd 2>/dev/null || true
if [ "${1:-}" = --check ]; then
    exec "$SSHD" -t -f "$SSHD_CONFIG"
fi
# The host and limits this node sees, for the gathered report.
if [ -n "${RESULTS:-}" ] && [ -d "$RESULTS" ]; then
    "${PB:-parbench}" info >"$RESULTS/info-$(hostname).json"
fi
echo "worker.sh: $(hostname) serving ssh for mpi ranks" >&2
exec "$SSHD" -D -e -f "$SSHD_CONFIG"
