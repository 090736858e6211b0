#!/usr/bin/env bash
# Limits on a run: a CPU quota holds the CPU time of driver and workers to
# the quota, a memory limit turns into status "oom", the run's cgroups are
# removed afterwards, and without cgroups the fallback is used and said.
. "$(dirname "$0")/lib.sh"

if [ ! -w /sys/fs/cgroup ] && [ ! -w /sys/fs/cgroup/cpu ]; then
    skip "cgroup limits" "no writable cgroup file system here (not root?)"
else
    out="$TMPD/cpu.json"
    ok "--cpus 1 with 2 CPU-bound workers" "$PB" run --quiet --workload prime --limit 7000000 \
        --tasks 16 --runner fork --workers 2 --cpus 1 --repeat 2 --warmup 0 --output "$out"
    # CPU time over wall time: about one CPU, however many workers (a ratio,
    # not a timing: a generous bound; without the quota it is about 2).
    # Runs last several 100 ms CFS periods, so one period boundary cannot
    # move the ratio much.
    eq "--cpus 1: CPU time / wall time <= 1.2" True "$(jq_py "$out" \
        'all((p["user_s"]+p["sys_s"])/p["wall_s"] <= 1.2 for p in r["runs"][0]["repetitions"])')"
    eq "--cpus 1: limits say what was applied" "1 cgroup" "$(jq_py "$out" \
        '"%g %s" % (r["runs"][0]["limits"]["cpus"], r["runs"][0]["limits"]["mechanism"].split()[0])')"
    cg=$(jq_py "$out" 'r["runs"][0]["limits"]["applied"]["cpu_cgroup"]')
    ok "--cpus 1: the run's cgroup is gone afterwards" test ! -e "$cg"
    eq "--cpus 1: the cgroup was a parbench one" True "$(case $cg in *parbench-*) echo True;; *) echo "$cg";; esac)"

    out="$TMPD/pthr.json"
    ok "--cpus 1 on threads" "$PB" run --quiet --workload spin --duration 50ms --tasks 16 \
        --runner pthreads --workers 2 --cpus 1 --repeat 2 --warmup 0 --output "$out"
    eq "--cpus 1 threads: CPU time / wall time <= 1.2" True "$(jq_py "$out" \
        'all((p["user_s"]+p["sys_s"])/p["wall_s"] <= 1.2 for p in r["runs"][0]["repetitions"])')"
    eq "--cpus 1 without --workers: one worker by default" 1 "$("$PB" run --quiet --workload prime \
        --limit 1000 --runner pthreads --cpus 1 --repeat 1 --warmup 0 | jq_py /dev/stdin 'r["runs"][0]["workers"]')"

    out="$TMPD/oom.json"
    "$PB" run --quiet --workload image --size 200MB --tasks 4 --runner fork --workers 2 \
        --memory 64MB --repeat 1 --warmup 0 --output "$out"; rc=$?
    eq "--memory 64MB on 200MB of images: exit 1" 1 "$rc"
    eq "--memory 64MB: status oom" oom "$(jq_py "$out" 'r["runs"][0]["status"]')"
    eq "--memory 64MB: the error names the limit" True "$(jq_py "$out" '"64MB" in r["runs"][0]["error"]')"
    mg=$(jq_py "$out" 'r["runs"][0]["limits"]["applied"]["memory_cgroup"]')
    ok "--memory: the run's cgroup is gone afterwards" test ! -e "$mg"
    ok "no parbench cgroup left anywhere" test -z "$(find /sys/fs/cgroup -maxdepth 4 -name "parbench-$$-*" 2>/dev/null)"

    expect_exit 2 "--cpus beyond the machine" "$PB" run --quiet --cpus 4096 --output "$TMPD/x.json"
    ok "--cpus beyond the machine wrote nothing" test ! -e "$TMPD/x.json"
fi

# Without a usable cgroup (forced by pointing the root elsewhere) an integer
# --cpus becomes affinity and --memory an rlimit; fractional CPUs cannot.
export PARBENCH_CGROUP_ROOT="$TMPD/no-cgroups"
out="$TMPD/fallback.json"
# ASan and TSan reserve terabytes of address space: no RLIMIT_AS fits.
mem=(--memory 512MB); mech=affinity+rlimit
case $("$PB" --version) in *sanitize=*address* | *sanitize=*thread*)
    mem=(); mech=affinity
    skip "fallback: --memory as RLIMIT_AS" "an ASan/TSan build cannot run under RLIMIT_AS";;
esac
ok "fallback: --cpus 1 ${mem[*]}" "$PB" run --quiet --workload prime --limit 100000 --tasks 8 \
    --runner fork --workers 2 --cpus 1 "${mem[@]}" --repeat 1 --warmup 0 --output "$out"
eq "fallback: mechanism is $mech" "$mech" "$(jq_py "$out" 'r["runs"][0]["limits"]["mechanism"]')"
eq "fallback: one CPU of affinity" 1 "$(jq_py "$out" 'len(r["runs"][0]["limits"]["applied"]["affinity"].split(","))')"
eq "fallback: the report says why" True "$(jq_py "$out" '"no writable cgroup" in r["runs"][0]["limits"]["note"]')"
expect_exit 2 "fallback: fractional --cpus is refused" "$PB" run --quiet --cpus 1.5 --workload prime --output "$TMPD/y.json"
unset PARBENCH_CGROUP_ROOT

# --cpuset and --bind.
out="$TMPD/cpuset.json"
ok "--cpuset 0 --bind core" "$PB" run --quiet --workload prime --limit 100000 --tasks 8 --runner pthreads \
    --workers 2 --cpuset 0 --bind core --repeat 1 --warmup 0 --output "$out"
eq "--cpuset recorded as applied affinity" 0 "$(jq_py "$out" 'r["runs"][0]["limits"]["applied"]["affinity"]')"
eq "--bind recorded" core "$(jq_py "$out" 'r["runs"][0]["limits"]["bind"]')"
expect_exit 2 "--cpuset naming a CPU we may not use" "$PB" run --quiet --cpuset 1000 --workload prime
expect_exit 2 "--cpuset garbage" "$PB" run --quiet --cpuset 3-1 --workload prime
expect_exit 2 "--bind garbage" "$PB" run --quiet --bind socket --workload prime
expect_exit 2 "--memory too small" "$PB" run --quiet --memory 1KB --workload prime
expect_exit 2 "--cpus garbage" "$PB" run --quiet --cpus one --workload prime

# Limits parbench finds itself under (as inside `docker run --cpus 1 -m 1g`)
# appear in host.limits and set the default worker count.
cpu_root=/sys/fs/cgroup/cpu
mem_root=/sys/fs/cgroup/memory
if [ -w "$cpu_root" ] && [ -w "$mem_root" ]; then
    cg="e2e-outer-$$"
    mkdir -p "$cpu_root/$cg" "$mem_root/$cg"
    trap 'rmdir "$cpu_root/$cg" "$mem_root/$cg" 2>/dev/null; tmpd_cleanup' EXIT
    echo 100000 >"$cpu_root/$cg/cpu.cfs_period_us"
    echo 100000 >"$cpu_root/$cg/cpu.cfs_quota_us"
    echo 1073741824 >"$mem_root/$cg/memory.limit_in_bytes"
    inside() { sh -c 'echo $$ >"$1/cgroup.procs"; echo $$ >"$2/cgroup.procs"; shift 2; exec "$@"' sh \
        "$cpu_root/$cg" "$mem_root/$cg" "$@"; }
    inside "$PB" info >"$TMPD/info.json"
    eq "detected: host.limits.cpus from the cgroup quota" 1 "$(jq_py "$TMPD/info.json" 'r["limits"]["cpus"]')"
    eq "detected: host.limits.memory_bytes" 1073741824 "$(jq_py "$TMPD/info.json" 'r["limits"]["memory_bytes"]')"
    eq "detected: effective CPUs" 1 "$(jq_py "$TMPD/info.json" 'r["limits"]["effective_cpus"]')"
    inside "$PB" run --quiet --workload prime --limit 1000 --runner pthreads --repeat 1 --warmup 0 --output "$TMPD/in.json"
    eq "detected: default --workers follows the quota" 1 "$(jq_py "$TMPD/in.json" 'r["runs"][0]["workers"]')"
    eq "detected: the report's host.limits says so" True "$(jq_py "$TMPD/in.json" '"cgroup v1" in r["host"]["limits"]["source"]')"
else
    skip "limits detected from an enclosing cgroup" "cgroup v1 cpu/memory not writable"
fi
