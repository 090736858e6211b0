#!/usr/bin/env bash
# A limited run inside a container: no cgroup is writable there (parbench
# falls back to affinity and RLIMIT_AS), and the container's own memory
# limit, tighter than the run's --memory, is what kills it.  Made here
# without Docker: parbench is put in a memory cgroup of 192 MB and sees the
# cgroup tree through a read-only bind mount (PARBENCH_CGROUP_ROOT), as a
# container does.  The run must be recorded "oom" (from that cgroup's
# OOM-kill counter, named in the error) and the matrix's next run must go
# on.  Needs root, unshare and mount; skipped, with why, otherwise.
. "$(dirname "$0")/lib.sh"

why=""
[ "$(id -u)" = 0 ] || why="needs root to make a cgroup and a bind mount"
[ -z "$why" ] && ! command -v unshare >/dev/null && why="unshare is not installed"
if [ -z "$why" ]; then
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        mnt=/sys/fs/cgroup view=cg
        grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
            why="the memory controller is not enabled for child cgroups"
    elif [ -d /sys/fs/cgroup/memory ]; then
        mnt=/sys/fs/cgroup/memory view=cg/memory
    else
        why="no memory cgroup controller"
    fi
fi
cg=""
cleanup() {
    [ -n "$cg" ] && rmdir "$cg" 2>/dev/null
    rm -rf "$TMPD"
}
trap cleanup EXIT
if [ -z "$why" ]; then
    cg=$mnt/pbouter-$$
    if ! mkdir "$cg" 2>/dev/null; then
        why="cannot make a cgroup under $mnt"
        cg=""
    elif [ "$mnt" = /sys/fs/cgroup ]; then
        echo $((192 << 20)) >"$cg/memory.max" && echo 0 >"$cg/memory.swap.max" 2>/dev/null
    else
        echo $((192 << 20)) >"$cg/memory.limit_in_bytes"
        [ -f "$cg/memory.memsw.limit_in_bytes" ] && echo $((192 << 20)) >"$cg/memory.memsw.limit_in_bytes"
        true
    fi
fi
if [ -n "$why" ]; then
    skip "a container's tighter memory limit: oom" "$why"
    exit 0
fi

# The run's own limit: --memory 1GB (an RLIMIT_AS here); ASan and TSan
# builds cannot run under RLIMIT_AS, so they ask for --cpus 1 instead,
# which makes the run supervised all the same.
lim='"memory": "1GB"'
case $("$PB" --version) in *sanitize=*address* | *sanitize=*thread*)
    lim='"cpus": 1' ;;
esac
cat >"$TMPD/m.json" <<J
{"defaults": {"repeat": 1, "warmup": 0, "workload": "image", "runner": "single",
              "tasks": 4, $lim, "force": 1},
 "grid": {"size": ["400MB", "2MB"]}}
J
# In a mount namespace of its own: the read-only view of the cgroup tree,
# then into the limited cgroup, then parbench.
unshare -m sh -c '
    set -e
    mkdir -p "$1/'"$view"'"
    mount --bind "$2" "$1/'"$view"'"
    mount -o remount,bind,ro "$1/'"$view"'"
    echo $$ >"$3/cgroup.procs"
    PARBENCH_CGROUP_ROOT="$1/cg" exec "$4" matrix "$1/m.json" --output "$1/out.json" --quiet
' sh "$TMPD" "$mnt" "$cg" "$PB" >"$TMPD/log" 2>&1
eq "matrix exits 1 (a run failed)" 1 "$?"
eq "the run killed at the outer limit is oom, the next one ok" "['oom', 'ok']" \
   "$(jq_py "$TMPD/out.json" '[x["status"] for x in r["runs"]]' 2>&1)"
eq "no cgroup of its own (the fallback was used)" True \
   "$(jq_py "$TMPD/out.json" '"cgroup" not in r["runs"][0]["limits"]["mechanism"]' 2>&1)"
eq "the error names the cgroup parbench runs in" True \
   "$(jq_py "$TMPD/out.json" '"cgroup parbench runs in (" + "'"$TMPD/$view"'" in r["runs"][0]["error"]' 2>&1)"
