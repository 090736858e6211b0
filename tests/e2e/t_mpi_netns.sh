#!/usr/bin/env bash
# The mpi runner across hosts, on one machine: three network namespaces on a
# bridge, each with its own address and (through UTS namespaces, see
# netns-launch.sh) its own hostname, stand for three machines.  Hydra starts
# its proxies in them through --launcher-exec, as it would through ssh.
# Checks: checksums as the single runner, tasks ran on the two worker hosts,
# the bytes of --transfer copy crossed the virtual links, the head's results
# reach the driver from another "host", and a worker killed on a remote
# "host" is named.  Needs root (namespaces); skipped, with why, otherwise.
. "$(dirname "$0")/lib.sh"

launch="$ROOT/tests/e2e/netns-launch.sh"
id=$$
net="10.77.$((id % 200 + 20))"
br="pbbr$id"
ns=(pbns${id}a pbns${id}b pbns${id}c)
cleanup() {
    for n in "${ns[@]}"; do ip netns del "$n" 2>/dev/null; done
    ip link del "$br" 2>/dev/null
    tmpd_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM # exit, so the EXIT trap cleans up

why=""
command -v mpiexec >/dev/null || why="mpiexec is not installed"
[ -z "$why" ] && [ "$(id -u)" != 0 ] && why="needs root to create network namespaces"
[ -z "$why" ] && ! command -v ip >/dev/null && why="iproute2 (ip) is not installed"
[ -z "$why" ] && ! command -v unshare >/dev/null && why="unshare is not installed"
if [ -z "$why" ]; then
    # What an earlier run killed with SIGKILL left behind (its pid is gone).
    for n in $(ip netns list 2>/dev/null | sed -n 's/^pbns\([0-9]*\)[abc]\b.*/&/p' | cut -d' ' -f1); do
        p=${n#pbns}; p=${p%?}
        kill -0 "$p" 2>/dev/null || { ip netns del "$n"; ip link del "pbbr$p" 2>/dev/null; }
    done
    setup() {
        ip link add "$br" type bridge &&
        ip addr add "$net.1/24" dev "$br" && ip link set "$br" up || return 1
        local k=0
        for n in "${ns[@]}"; do
            k=$((k + 1))
            ip netns add "$n" &&
            ip link add "pbv$id$k" type veth peer name eth0 netns "$n" &&
            ip link set "pbv$id$k" master "$br" up &&
            ip -n "$n" addr add "$net.1$k/24" dev eth0 &&
            ip -n "$n" link set eth0 up && ip -n "$n" link set lo up || return 1
        done
    }
    setup 2>"$TMPD/setup.err" ||
        why="cannot create namespaces: $(head -c 200 "$TMPD/setup.err")"
fi
if [ -n "$why" ]; then
    skip "mpi across network namespaces" "$why"
    exit 0
fi

# mpiexec runs here, in the root namespace: the proxies reach its control
# port through the bridge's address.  UCX would move data between processes
# of one machine through shared memory even across namespaces; TCP makes
# the links carry it, as between real machines.
export HYDRA_IFACE=$br UCX_TLS=tcp,self
hosts="${ns[0]}:1,${ns[1]}:1,${ns[2]}:1"
mpi=(--runner mpi --workers 2 --hosts "$hosts" --launcher ssh --launcher-exec "$launch")
common=(--repeat 1 --warmup 0 --quiet --workload image --size 4MB --tasks 8)

"$PB" run "${common[@]}" --runner single --output "$TMPD/single.json"
ref=$(jq_py "$TMPD/single.json" 'r["runs"][0]["result"]["checksum"]')

txbytes() { # bytes sent from the bridge into the worker hosts' namespaces
    echo $(($(cat /sys/class/net/pbv${id}2/statistics/tx_bytes) +
            $(cat /sys/class/net/pbv${id}3/statistics/tx_bytes)))
}
# local+static: each worker runs its own block, no hand-out messages;
# local (dynamic) across hosts: the head hands tasks out (no node holds
# every worker, so there is no shared counter to take them from).
for tr in copy local local-static; do
    out="$TMPD/$tr.json"
    before=$(txbytes)
    sched=dynamic
    [ "$tr" = local-static ] && sched=static
    timeout 60 "$PB" run "${common[@]}" "${mpi[@]}" --transfer "${tr%-static}" \
        --schedule $sched --output "$out" 2>"$TMPD/err"
    rc=$?
    moved=$(($(txbytes) - before))
    eq "$tr: run ok" "0" "$rc"
    [ "$rc" = 0 ] || { cat "$TMPD/err" >&2; continue; }
    eq "$tr: checksum as single" "$ref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
    eq "$tr: tasks ran on both worker hosts, and only there" "['${ns[1]}', '${ns[2]}']" \
       "$(jq_py "$out" 'sorted(set(t["host"] for t in r["runs"][0]["repetitions"][0]["tasks"]))')"
    want=head-messages
    [ "$tr" = local-static ] && want=static-blocks
    eq "$tr: hand-out named in the report" "$want" \
       "$(jq_py "$out" 'r["runs"][0]["repetitions"][0]["handout"]')"
    if [ "$tr" = copy ]; then
        eq "copy: the inputs crossed the links (${moved} bytes >= 4 MB)" True \
           "$(python3 -c "print($moved >= 4000000)")"
    else
        eq "$tr: the inputs did not (${moved} bytes < 1 MB)" True \
           "$(python3 -c "print($moved < 1000000)")"
    fi
done

# A worker killed on a remote "host": named by rank and host, within seconds.
seed=772$id
out="$TMPD/fault.json"
"$PB" run --quiet --repeat 1 --warmup 0 --workload spin --duration 300ms --tasks 12 \
    --seed "$seed" "${mpi[@]}" --output "$out" 2>/dev/null &
pb=$!
victim=$(mpi_rank_pid "$seed" 2)
sleep 0.5
[ -n "$victim" ] && kill -9 "$victim"
t0=$(date +%s.%N)
wait "$pb"; rc=$?
t1=$(date +%s.%N)
eq "remote worker killed: exit code 1" 1 "$rc"
eq "remote worker killed: back within 10 s" True "$(python3 -c "print($t1 - $t0 < 10)")"
eq "remote worker killed: error names rank 2 on its host" True \
   "$(jq_py "$out" '(lambda e: "mpi rank 2 (worker 1" in e and "on host '"${ns[2]}"' was killed by signal 9" in e)(r["runs"][0]["error"])')"
sleep 0.3
eq "remote worker killed: no rank left" "" "$(pgrep -f "mpi-rank .*--seed $seed ")"

# ---- a disk workload with task dependencies across hosts ---------------------
# The pyramid's image files are in one directory the three "hosts" share
# (they share this machine's file system): the driver's temporary one,
# used by every rank.  Same checksum as single, tasks on both worker hosts.
pyr=(--repeat 1 --warmup 0 --quiet --workload pyramid --images 9 --side 512 --min-side 40)
"$PB" run "${pyr[@]}" --runner single --output "$TMPD/pyr1.json"
pref=$(jq_py "$TMPD/pyr1.json" 'r["runs"][0]["result"]["checksum"]')
for tr in local copy; do
    out="$TMPD/pyr-$tr.json"
    timeout 60 "$PB" run "${pyr[@]}" "${mpi[@]}" --transfer "$tr" --output "$out" 2>"$TMPD/err"
    rc=$?
    eq "pyramid $tr: run ok" 0 "$rc"
    [ "$rc" = 0 ] || { cat "$TMPD/err" >&2; continue; }
    eq "pyramid $tr: checksum as single" "$pref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
    eq "pyramid $tr: tasks ran on both worker hosts" "['${ns[1]}', '${ns[2]}']" \
       "$(jq_py "$out" 'sorted(set(t["host"] for t in r["runs"][0]["repetitions"][0]["tasks"]))')"
done
# "Hosts" that do not share the directory: a launcher that gives each one
# its own empty tmpfs over $TMPD/priv.  The driver's temporary directory
# there is not what the ranks see: the run fails at start-up naming a
# rank, its host and the remedy, and leaves nothing behind; a --dir
# outside it, which they do share, works.
mkdir -p "$TMPD/priv" "$TMPD/shared"
cat >"$TMPD/private-launch.sh" <<LAUNCH
#!/bin/sh
while [ \$# -gt 0 ]; do case \$1 in -*) shift ;; *) break ;; esac; done
host=\$1; shift
exec ip netns exec "\$host" unshare --uts --mount sh -c 'hostname "\$0" && mount -t tmpfs none "$TMPD/priv" && exec sh -c "\$1"' "\$host" "\$*"
LAUNCH
chmod +x "$TMPD/private-launch.sh"
priv=(--runner mpi --workers 2 --hosts "$hosts" --launcher ssh --launcher-exec "$TMPD/private-launch.sh")
TMPDIR="$TMPD/priv" timeout 60 "$PB" run "${pyr[@]}" "${priv[@]}" --output "$TMPD/pyr-priv.json" 2>/dev/null
eq "pyramid, directory not shared: exit 1" 1 "$?"
eq "pyramid, directory not shared: the error names a rank, its host and the remedy" True \
   "$(jq_py "$TMPD/pyr-priv.json" '(lambda e: e.startswith("mpi rank ") and " on host pbns'"$id"'" in e and ": not the driver'"'"'s directory (give --dir one every host shares): '"$TMPD/priv/parbench-pyramid-"'" in e)(r["runs"][0]["error"])')"
eq "pyramid, directory not shared: nothing left in it" "" "$(ls -A "$TMPD/priv")"
timeout 60 "$PB" run "${pyr[@]}" "${priv[@]}" --dir "$TMPD/shared" --output "$TMPD/pyr-shared.json" 2>"$TMPD/err"
eq "pyramid, a shared --dir: checksum as single" "$pref" \
   "$(jq_py "$TMPD/pyr-shared.json" 'r["runs"][0]["result"]["checksum"]')"
