#!/usr/bin/env bash
# The peer protocol (peers/PROTOCOL.md) from the peers' side, through
# peers/drive.py, which plays parbench's part against the real binary's
# results: every peer under peers/ on every workload its manifest lists
# (image on every transfer it lists; the chunksize-1 variants of a pool on
# prime and image only) agrees with parbench (prime values and
# url checksums exactly, image outputs on >= 97% of bytes within one
# level, spin values recomputed), speaks nothing but the protocol, and
# leaves no process; the Python copy of parbench's hash equals
# kernels/hash.c on every prefix of a buffer; the bash peer works with a
# pool per repetition too; each misbehaving test peer is caught with its
# reason and leaves no process.  Small sizes: the whole file takes about
# 40 s on 2 CPUs, most of it Python and Dask start-up.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's, where python3-numpy etc. are installed
DRIVE="$ROOT/peers/drive.py"

if ! "$PY" -c 'import numpy' 2>/dev/null; then
    skip "peer protocol" "$PY has no numpy (scripts/deps.sh --test installs python3-numpy)"
    exit 0
fi

# ---- parbench's hash in Python, byte for byte against kernels/hash.c
if cc -std=c11 -O2 -I"$ROOT" -o "$TMPD/pb_hash_cli" \
    "$ROOT/peers/test/pb_hash_cli.c" "$ROOT/kernels/hash.c" 2>"$TMPD/cc.err"; then
    head -c 700 /dev/urandom >"$TMPD/random.bin"
    "$TMPD/pb_hash_cli" --prefixes <"$TMPD/random.bin" >"$TMPD/c.txt"
    PYTHONPATH="$ROOT/peers/python" "$PY" -c '
import sys
from parbench_peer.pbhash import pb_hash64
data = open(sys.argv[1], "rb").read()
for k in range(len(data) + 1):
    print(f"{pb_hash64(data[:k]):016x}")' "$TMPD/random.bin" >"$TMPD/py.txt"
    ok "pb_hash64 in Python = kernels/hash.c on all 701 prefixes" \
        cmp "$TMPD/c.txt" "$TMPD/py.txt"
    seeded_c=$("$TMPD/pb_hash_cli" 0x123456789abcdef0 <"$TMPD/random.bin")
    seeded_py=$(PYTHONPATH="$ROOT/peers/python" "$PY" -c '
import sys
from parbench_peer.pbhash import pb_hash64
data = open(sys.argv[1], "rb").read()
print(format(pb_hash64(data, 0x123456789abcdef0), "016x"))' "$TMPD/random.bin")
    eq "pb_hash64 in Python = kernels/hash.c with a seed" "$seeded_c" "$seeded_py"
else
    skip "pb_hash64 in Python against C" "cannot compile: $(head -c 200 "$TMPD/cc.err")"
fi

# ---- every peer, every workload it lists, small sizes
field() { "$PY" "$DRIVE" --field "$1" "$2"; }
small=(--workers 2 --tasks 6 --repeat 2 --size 600KB --limit 30000
       --duration 5ms --latency 10ms --body 5000 --run-timeout 60s)
for manifest in "$ROOT"/peers/*.peer "$ROOT"/peers/test/sh-peer.peer; do
    name=$(field "$manifest" name)
    if ! version=$("$PY" "$DRIVE" --version-of "$manifest" 2>&1); then
        skip "peer $name" "unavailable: $(tail -c 200 <<<"$version")"
        continue
    fi
    workloads=$(field "$manifest" workloads)
    # The chunksize-1 variants differ from their pool in one argument:
    # prime and image on the default transfer are enough there.
    [[ $name = *-c1 ]] && workloads="prime image"
    for w in $workloads; do
        transfers=$(field "$manifest" default_transfer)
        [ "$w" = image ] && [[ $name != *-c1 ]] && transfers=$(field "$manifest" transfers)
        for t in $transfers; do
            ok "peer $name: $w ($t) agrees with parbench" \
                "$PY" "$DRIVE" "$manifest" --workload "$w" --transfer "$t" "${small[@]}"
        done
    done
done

# Blur direct, a larger kernel, 3 workers, and one pool per repetition.
ok "python-mp-fork: direct blur, complexity 2, 3 workers" \
    "$PY" "$DRIVE" "$ROOT/peers/python-mp-fork.peer" --workload image \
    --blur direct --complexity 2 --workers 3 "${small[@]}"
ok "python-procpool: a pool per repetition" \
    "$PY" "$DRIVE" "$ROOT/peers/python-procpool.peer" --workload prime \
    --pool per-repetition "${small[@]}"
ok "sh-peer: a pool per repetition, 3 workers" \
    "$PY" "$DRIVE" "$ROOT/peers/test/sh-peer.peer" --workload spin \
    --pool per-repetition --workers 3 "${small[@]}"
grep_out() { # name pattern cmd...: cmd exits 1, its output (lines joined)
    # matches pattern, and no process survived
    local name=$1 pat=$2 out rc; shift 2
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" = 1 ] && tr '\n' ' ' <<<"$out" | grep -qE -- "$pat" &&
        ! grep -q survived <<<"$out"; then
        _record PASS "$name"
    else
        _record FAIL "$name" "exit $rc, output: $(tail -c 500 <<<"$out")"
    fi
}
grep_out "a peer refusing the workload: its error line is the reason" \
    "peer reported: sh-peer: workload image not supported" \
    "$PY" "$DRIVE" --workload image "${small[@]}" \
    --exec /bin/bash "$ROOT/peers/test/sh-peer.sh"

# ---- misbehaving peers: caught, with the reason, no process left
bad=(--workload prime --tasks 2 --limit 1000 --startup-timeout 20s --run-timeout 2s)
grep_out "exit 1 after ready: exit status and standard error" \
    "exit status 1.*exiting with status 1" \
    "$PY" "$DRIVE" "$ROOT/peers/test/bad-exit1.peer" "${bad[@]}"
grep_out "a hung peer (with a child): ended by the time limit, nothing left" \
    "no end line of run 0 within the time limit" \
    "$PY" "$DRIVE" "$ROOT/peers/test/bad-hang.peer" "${bad[@]}"
grep_out "a line that is not JSON: protocol error" \
    "line 2: not JSON" \
    "$PY" "$DRIVE" "$ROOT/peers/test/bad-badjson.peer" "${bad[@]}"
grep_out "killed by a signal mid-run" \
    "killed by signal SIGKILL" \
    "$PY" "$DRIVE" "$ROOT/peers/test/bad-signal.peer" "${bad[@]}"
left=$(pgrep -f "misbehave.sh (exit1|hang|badjson|signal)" | wc -l)
eq "no misbehaving peer process left" 0 "$left"
