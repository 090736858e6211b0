#!/usr/bin/env bash
# Issue 10, items 7-9: memory.  A SIGKILL from outside is "failed", not
# "oom", unless the kernel counted an OOM kill; a configuration needing
# more memory than the machine has is refused before it starts (unless
# --force); a report that cannot be built for lack of memory is a failure
# with its cause, never a silently incomplete report with exit 0.
. "$(dirname "$0")/lib.sh"

# ---- item 9: an outside SIGKILL under --memory -------------------------------
if [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup ]; then
    out="$TMPD/killed.json"
    "$PB" run --quiet --workload spin --duration 3s --tasks 1 --repeat 1 --warmup 0 \
        --memory 256MB --output "$out" 2>/dev/null &
    pb=$!
    victim=
    for _ in $(seq 200); do
        victim=$(pgrep -P "$pb" | head -1)
        [ -n "$victim" ] && break
        sleep 0.05
    done
    sleep 0.5
    [ -n "$victim" ] && kill -KILL "$victim"
    wait "$pb"; rc=$?
    eq "outside SIGKILL: exit 1" 1 "$rc"
    eq "outside SIGKILL under --memory: failed, not oom" failed "$(jq_py "$out" 'r["runs"][0]["status"]')"
    eq "outside SIGKILL: the error names the signal" True "$(jq_py "$out" '"signal 9" in r["runs"][0]["error"]')"
    # A real OOM kill is still "oom", with the kernel's count.
    out="$TMPD/oom.json"
    "$PB" run --quiet --workload image --size 200MB --tasks 4 --repeat 1 --warmup 0 \
        --runner fork --workers 2 --memory 64MB --output "$out" 2>/dev/null
    eq "a real OOM kill: oom" oom "$(jq_py "$out" 'r["runs"][0]["status"]')"
    eq "a real OOM kill: the kernel's count is in the error" True \
       "$(jq_py "$out" '" OOM kill" in r["runs"][0]["error"]')"
else
    skip "outside SIGKILL under --memory" "no writable memory cgroup"
fi

# ---- item 7: memory exhausted while building the report ----------------------
# 300,000 tasks x 3 repetitions: the run itself needs ~100 MB, its report
# (a record per task per repetition) far more than the 600 MB of address
# space allowed.  The report must not be a silently incomplete run with
# exit 0: a failed run that says why, exit 1.  Both in-process and in the
# supervised child that --cpus uses.
for how in in-process "under --cpus 1"; do
    extra=(); [ "$how" = in-process ] || extra=(--cpus 1)
    out="$TMPD/oom-report-${#extra[@]}.json"
    (ulimit -v 600000
     exec "$PB" run --workload prime --tasks 300000 --limit 1000000 --repeat 3 --warmup 0 \
        "${extra[@]}" --output "$out" 2>"$out.err"); rc=$?
    eq "$how: report out of memory: exit 1" 1 "$rc"
    if [ -s "$out" ]; then
        eq "$how: the run is failed with its cause" "failed out of memory building the report" \
           "$(jq_py "$out" 'r["runs"][0]["status"] + " " + r["runs"][0]["error"][:33]')"
        eq "$how: the failed run is whole (status, result, repetitions, summary)" True \
           "$(jq_py "$out" 'all(k in r["runs"][0] for k in ("status", "error", "result", "repetitions", "summary"))')"
    else
        eq "$how: nothing written, and said why" 1 "$(grep -c 'out of memory building the report' "$out.err")"
    fi
done

# ---- item 8: sizes beyond the machine ----------------------------------------
# Inputs and outputs of --size each: a size equal to the memory available
# needs twice that.  Refused before anything starts, with the figures.
# (--memory 64MB keeps a binary without the check from filling the
# machine: it is then stopped by its limit, and the test fails.)
avail=$(awk '/^MemAvailable:/ {printf "%d", $2 / 1024}' /proc/meminfo)
big="${avail}MiB"
out="$TMPD/big.json"
err=$("$PB" run --workload image --size "$big" --tasks 4 --repeat 1 --warmup 0 --memory 64MB --output "$out" 2>&1); rc=$?
eq "--size beyond the memory available: exit 2" 2 "$rc"
eq "the message gives the figures" True "$(case $err in
    "parbench: run: needs at least "*"(inputs "*", outputs "*"available (MemAvailable"*"--force"*) echo True ;;
    *) echo "$err" ;; esac)"
ok "nothing was written" test ! -e "$out"
# A matrix checks every cell before running any.
printf '{"defaults": {"repeat": 1, "warmup": 0, "workload": "image", "tasks": 2, "memory": "64MB"}, "grid": {"size": ["100KB", "%s"]}}' "$big" >"$TMPD/bigm.json"
err=$("$PB" matrix "$TMPD/bigm.json" --output "$TMPD/bigm-out.json" --quiet 2>&1); rc=$?
eq "a matrix cell beyond memory: exit 2" 2 "$rc"
eq "it names the cell" True "$(case $err in "parbench: matrix: cell 2 ("*"size=$big): needs at least"*) echo True ;; *) echo "$err" ;; esac)"
ok "and no cell ran" test ! -e "$TMPD/bigm-out.json"
# --force runs it anyway: here under --memory 64MB, so the kernel stops it
# at once (status oom) instead of it filling the machine.
if [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup ]; then
    "$PB" run --workload image --size "$big" --tasks 4 --repeat 1 --warmup 0 --memory 64MB \
        --force --quiet --output "$out" 2>/dev/null; rc=$?
    eq "--force: it runs (and is OOM-killed under --memory 64MB)" "1 oom" "$rc $(jq_py "$out" 'r["runs"][0]["status"]')"
else
    skip "--force" "no writable memory cgroup"
fi
