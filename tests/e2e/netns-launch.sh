#!/bin/sh
# tests/e2e/netns-launch.sh: a Hydra launcher (--launcher-exec) that "logs
# in" to a host which is a network namespace of this machine.  Hydra's ssh
# launcher calls it as `netns-launch.sh [-x ...] HOST COMMAND...`, like ssh:
# COMMAND is a shell command line.  HOST is the namespace's name; the
# command runs in it under its own UTS namespace whose hostname is HOST, so
# each "host" has its own name, addresses and network interfaces.
while [ $# -gt 0 ]; do
    case $1 in -*) shift ;; *) break ;; esac
done
host=${1:?usage: netns-launch.sh HOST COMMAND...}
shift
exec ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && exec sh -c "$1"' "$host" "$*"
