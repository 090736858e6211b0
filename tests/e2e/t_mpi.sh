#!/usr/bin/env bash
# The mpi runner on this host: same checksums as the single runner for every
# worker count, schedule and transfer mode; what the report says about
# hosts, workers and bytes moved; option checks; a missing mpiexec; a worker
# rank killed mid-run; a launcher that never starts anything.
. "$(dirname "$0")/lib.sh"

if ! command -v mpiexec >/dev/null; then
    skip "mpi runner" "mpiexec is not installed"
    exit 0
fi
host=$(hostname)
common=(--repeat 1 --warmup 0 --quiet --tasks 7)
img=(--workload image --size 3MB --complexity 1)
pri=(--workload prime --limit 300000)

# Reference checksums from the single runner.
"$PB" run "${common[@]}" "${img[@]}" --runner single --output "$TMPD/img1.json"
"$PB" run "${common[@]}" "${pri[@]}" --runner single --output "$TMPD/pri1.json"
ref_img=$(jq_py "$TMPD/img1.json" 'r["runs"][0]["result"]["checksum"]')
ref_pri=$(jq_py "$TMPD/pri1.json" 'r["runs"][0]["result"]["checksum"]')

# Every combination: checksum, transfer in params, hosts and worker indices
# on every task, static blocks as runner_static_block cuts them, bytes moved
# only when copying.
check='(lambda run, rep, n, sched, tr: all([
    run["status"] == "ok", run["params"]["transfer"] == tr,
    run["params"]["schedule"] == sched, run["workers"] == n,
    all(t["host"] == "'"$host"'" and 0 <= t["worker"] < n for t in rep["tasks"]),
    sched == "dynamic" or all(t["worker"] == max(k for k in range(n) if 7 * k // n <= t["id"])
                              for t in rep["tasks"]),
    (rep["bytes_moved"] > 0) == (tr == "copy"),
    rep["handout"] == ("head-messages" if tr == "copy" else
                       "static-blocks" if sched == "static" else "node-counter"),
    rep["spawn_s"] > 0, rep["wall_s"] > 0,
    rep["rss_peak_bytes"]["worker_max"] > 0]))(r["runs"][0], r["runs"][0]["repetitions"][0], N, "S", "T")'
for wl in img pri; do
    ref=$ref_img; args=("${img[@]}")
    [ "$wl" = pri ] && ref=$ref_pri && args=("${pri[@]}")
    for n in 1 2 3; do
        for sched in dynamic static; do
            for tr in local copy; do
                out="$TMPD/$wl-$n-$sched-$tr.json"
                name="$wl, $n workers, $sched, $tr"
                if ! "$PB" run "${common[@]}" "${args[@]}" --runner mpi --workers "$n" \
                        --schedule "$sched" --transfer "$tr" --output "$out" 2>"$TMPD/err"; then
                    _record FAIL "$name: runs" "$(tail -c 400 "$TMPD/err")"
                    continue
                fi
                eq "$name: checksum as single" "$ref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
                c=${check//N/$n}; c=${c//\"S\"/\"$sched\"}; c=${c//\"T\"/\"$tr\"}
                eq "$name: report fields" True "$(jq_py "$out" "$c")"
            done
        done
    done
done
eq "prime: value through mpi" "$(jq_py "$TMPD/pri1.json" 'r["runs"][0]["result"]["value"]')" \
   "$(jq_py "$TMPD/pri-2-dynamic-local.json" 'r["runs"][0]["result"]["value"]')"

# spin with calibrated iterations: the ranks get the driver's count.
ok "spin runs on mpi" "$PB" run --repeat 2 --warmup 0 --quiet --workload spin --duration 2ms \
   --tasks 20 --runner mpi --workers 2 --output "$TMPD/spin.json"

# A host file naming this host (Hydra starts local ranks without ssh).
printf 'localhost:8\n' >"$TMPD/hosts"
ok "hostfile with localhost" "$PB" run "${common[@]}" "${pri[@]}" --runner mpi --workers 2 \
   --hostfile "$TMPD/hosts" --output "$TMPD/hf.json"
eq "hostfile: checksum as single" "$ref_pri" "$(jq_py "$TMPD/hf.json" 'r["runs"][0]["result"]["checksum"]')"
ok "--hosts localhost:3 --launcher fork" "$PB" run "${common[@]}" "${pri[@]}" --runner mpi \
   --workers 2 --hosts localhost:3 --launcher fork --output "$TMPD/hosts.json"

# Options that do not fit.
expect_exit 2 "--hosts needs the mpi runner" "$PB" run --runner fork --hosts a:1 --output "$TMPD/x.json"
expect_exit 2 "--hosts and --hostfile together" "$PB" run --runner mpi --hosts a:1 \
    --hostfile "$TMPD/hosts" --output "$TMPD/x.json"
expect_exit 2 "missing hostfile" "$PB" run --runner mpi --hostfile "$TMPD/none" --output "$TMPD/x.json"
expect_exit 2 "--transfer shared is not mpi's" "$PB" run --runner mpi --transfer shared --output "$TMPD/x.json"
expect_exit 2 "--transfer local is not fork's" "$PB" run --runner fork --transfer local --output "$TMPD/x.json"
expect_exit 2 "--dump with mpi" "$PB" run --runner mpi --dump "$TMPD/d" --output "$TMPD/x.json"
expect_exit 2 "mpi-rank outside mpiexec" "$PB" mpi-rank --workload prime
eq "mpi-rank hidden from help" 0 "$("$PB" --help | grep -c mpi-rank)"

# A rank that cannot start (here: no room in /dev/shm for the node's copy of
# the inputs under dynamic local) fails the run with the rank and the why.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    unshare -m sh -c 'mount -t tmpfs -o size=40m tmpfs /dev/shm && exec "$@"' sh \
        "$PB" run --quiet --repeat 1 --warmup 0 --workload image --size 60MB --tasks 4 \
        --runner mpi --workers 2 --output "$TMPD/shm.json" 2>/dev/null
    eq "start-up failure: exit 1" 1 "$?"
    eq "start-up failure: rank, host and why" True \
       "$(jq_py "$TMPD/shm.json" '(lambda e: e.startswith("mpi rank 1 on host") and "/dev/shm" in e)(r["runs"][0]["error"])')"
else
    skip "start-up failure" "needs root for a small /dev/shm in a mount namespace"
fi

# mpiexec not on PATH: listed as unavailable with the reason; a run exits 2.
eq "no mpiexec: list says why" 1 \
   "$(env PATH=/nonexistent "$PB" list | grep -c 'UNAVAILABLE: mpiexec not found')"
env PATH=/nonexistent "$PB" run --runner mpi --output "$TMPD/x.json" 2>"$TMPD/err"
eq "no mpiexec: run exits 2" 2 "$?"
eq "no mpiexec: the reason" 1 "$(grep -c 'mpiexec not found' "$TMPD/err")"
eq "no mpiexec: nothing written" no "$([ -e "$TMPD/x.json" ] && echo yes || echo no)"

# A worker rank killed mid-run: exit 1 within seconds, the error names the
# rank and the signal, the report is written, no process is left.  The seed
# marks this run's processes among any others on the machine.
seed=770$$
out="$TMPD/fault.json"
"$PB" run --quiet --repeat 1 --warmup 0 --workload spin --duration 300ms --tasks 12 \
    --seed "$seed" --runner mpi --workers 2 --output "$out" 2>"$TMPD/err" &
pb=$!
victim=""; mpx=""; proxies=""
# Rank 1 is two processes (a watcher and the MPI process, its child): kill
# the MPI process, as a crash or the OOM killer would.
for _ in $(seq 200); do
    ranks=$(pgrep -f "mpi-rank .*--seed $seed ")
    for p in $ranks; do
        tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx PMI_RANK=1 &&
            grep -qw "$(ps -o ppid= -p "$p" | tr -d ' ')" <<<"$ranks" && victim=$p
    done
    [ -n "$victim" ] && break
    sleep 0.05
done
mpx=$(pgrep -f "^mpiexec .*--seed $seed ")
proxies=$(for m in $mpx; do pgrep -P "$m"; done)
sleep 0.5
t0=$(date +%s.%N)
[ -n "$victim" ] && kill -9 "$victim"
wait "$pb"; rc=$?
t1=$(date +%s.%N)
eq "killed worker rank: found it" yes "$([ -n "$victim" ] && echo yes || echo no)"
eq "killed worker rank: exit code 1" 1 "$rc"
eq "killed worker rank: back within 5 s" True "$(python3 -c "print($t1 - $t0 < 5)")"
eq "killed worker rank: status failed" failed "$(jq_py "$out" 'r["runs"][0]["status"]')"
eq "killed worker rank: error names rank, worker, pid, host and signal" True \
   "$(jq_py "$out" '(lambda e: "mpi rank 1 (worker 0, pid '"$victim"')" in e and "'"$host"'" in e and "killed by signal 9" in e)(r["runs"][0]["error"])')"
sleep 0.3
left=$(pgrep -f "mpi-rank .*--seed $seed "; for p in $mpx $proxies; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
eq "killed worker rank: no rank, mpiexec or proxy left" "" "$left"

# A launcher that never starts anything: the start timeout ends the run,
# and mpiexec is stopped with everything it started.
seed=771$$
PARBENCH_MPI_START_TIMEOUT=2 "$PB" run --quiet --repeat 1 --warmup 0 --workload prime \
    --seed "$seed" --runner mpi --workers 2 --hosts nohost-a:1,nohost-b:2 \
    --launcher-exec /bin/false --output "$TMPD/hang.json" 2>/dev/null
eq "dead launcher: exit code 1" 1 "$?"
eq "dead launcher: error says not ready" True \
   "$(jq_py "$TMPD/hang.json" '"not ready within 2 s" in r["runs"][0]["error"]')"
sleep 0.2
eq "dead launcher: no mpiexec left" "" "$(pgrep -f "^mpiexec .*--seed $seed ")"
