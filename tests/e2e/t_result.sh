#!/usr/bin/env bash
# One typed run result and one orchestration path (issue 11): a matrix
# refuses, before running anything and with the same message, every cell
# that `parbench run` would refuse, limits included; every failed run --
# at setup, a timeout, an OOM kill, an interruption, in `run` or in a
# matrix -- has the same keys as any run, with empty repetitions; and
# every such report is read by parbench's own export, compare and plot.
. "$(dirname "$0")/lib.sh"

# ---- a matrix refuses what run refuses, with run's message -----------------
# same_refusal NAME JSON-CELL RUN-ARGS...: `parbench matrix` on a file whose
# second cell is the configuration exits 2 with nothing written, and its
# message after "cell 2 (KEY): " is the one `parbench run` gives.
same_refusal() {
    local name=$1 cell=$2; shift 2
    printf '{"defaults": {"repeat": 1, "warmup": 0, "workload": "prime", "limit": 1000},
             "experiments": [{"name": "fine", "grid": {"seed": [1]}},
                             {"name": "bad", "grid": %s}]}\n' "$cell" >"$TMPD/refuse.json"
    rm -f "$TMPD/refuse-out.json" "$TMPD/run-out.json"
    local merr rerr mrc rrc
    merr=$("$PB" matrix "$TMPD/refuse.json" --output "$TMPD/refuse-out.json" --quiet 2>&1); mrc=$?
    rerr=$("$PB" run --workload prime --limit 1000 --repeat 1 --warmup 0 --quiet "$@" \
        --output "$TMPD/run-out.json" 2>&1); rrc=$?
    eq "$name: run exits 2" 2 "$rrc"
    eq "$name: matrix exits 2" 2 "$mrc"
    eq "$name: matrix wrote nothing (no cell ran)" no "$([ -e "$TMPD/refuse-out.json" ] && echo yes || echo no)"
    eq "$name: matrix names the cell" True "$(case $merr in "parbench: matrix: cell 2 ("*) echo True ;; *) echo "$merr" ;; esac)"
    eq "$name: the same message as run" "${rerr#parbench: run: }" "${merr#*): }"
}
# A CPU this process may not use (on a 2-CPU machine, 7).
bad_cpu=$(python3 -c 'import os; print(max(os.sched_getaffinity(0)) + 1)')
same_refusal "--cpuset $bad_cpu" "{\"cpuset\": [\"$bad_cpu\"]}" --cpuset "$bad_cpu"
same_refusal "--cpus beyond the machine" '{"cpus": [4096]}' --cpus 4096
same_refusal "--memory below 4MiB" '{"memory": ["1MB"]}' --memory 1MB
# Without a cgroup, a fractional --cpus cannot be honoured: known only by
# preparing the limits on this host.
PARBENCH_CGROUP_ROOT="$TMPD/no-cgroups" same_refusal "fractional --cpus without cgroups" \
    '{"cpus": [1.5]}' --cpus 1.5
# The defect this fixes: such a cell used to run, and its run object had
# no repetitions, which `parbench export` then rejected.
printf '{"defaults": {"repeat": 1, "warmup": 0, "workload": "prime", "limit": 1000}, "grid": {"cpuset": ["%s"]}}\n' \
    "$bad_cpu" >"$TMPD/cpuset.json"
expect_exit 2 "--dry-run refuses it too" "$PB" matrix "$TMPD/cpuset.json" --dry-run

# ---- failed runs, every shape ------------------------------------------------
R=$TMPD/reports
mkdir -p "$R"
# The run's supervised child (pid), waited for up to 10 s.
child_of() {
    local c="" _
    for _ in $(seq 200); do
        c=$(pgrep -P "$1" | head -1)
        [ -n "$c" ] && break
        sleep 0.05
    done
    echo "$c"
}

# An ok run, for its keys.
ok "an ok run" "$PB" run --quiet --workload spin --duration 1ms --tasks 2 --repeat 1 --warmup 0 \
    --output "$R/ok.json"

# A timeout: the supervisor ends the run's process.
"$PB" run --quiet --workload spin --spin-iters 1000000000000 --tasks 2 --repeat 1 --warmup 0 \
    --runner pthreads --workers 2 --task-timeout 1s --output "$R/timeout.json" 2>/dev/null
eq "timeout: exit 1" 1 "$?"

# An interruption: the run's process is sent SIGTERM from outside.
"$PB" run --quiet --workload spin --duration 5s --tasks 1 --repeat 1 --warmup 0 \
    --output "$R/interrupted.json" 2>/dev/null &
pb=$!
c=$(child_of "$pb"); sleep 0.3
[ -n "$c" ] && kill -TERM "$c"
wait "$pb"
eq "interrupted: exit 1" 1 "$?"
eq "interrupted: status interrupted, the signal named" True "$(jq_py "$R/interrupted.json" \
    '(lambda x: x["status"] == "interrupted" and "signal 15" in x["error"])(r["runs"][0])')"

# A failure at setup: the inputs cannot be mapped (no cgroup here, so
# --memory is RLIMIT_AS: 200MB of inputs do not fit in 64MB).
case $("$PB" --version) in
*sanitize=*address* | *sanitize=*thread*)
    skip "setup failure under RLIMIT_AS" "an ASan/TSan build cannot run under RLIMIT_AS" ;;
*)
    PARBENCH_CGROUP_ROOT="$TMPD/no-cgroups" "$PB" run --quiet --workload image --size 200MB --tasks 4 \
        --memory 64MB --repeat 1 --warmup 0 --output "$R/setup.json" 2>/dev/null
    eq "setup failure: exit 1" 1 "$?"
    eq "setup failure: status failed, the cause named" True "$(jq_py "$R/setup.json" \
        '(lambda x: x["status"] == "failed" and "cannot map" in x["error"])(r["runs"][0])')" ;;
esac

# An OOM kill, where a memory cgroup can be made.
if [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup ]; then
    "$PB" run --quiet --workload image --size 200MB --tasks 4 --runner fork --workers 2 \
        --memory 64MB --repeat 1 --warmup 0 --output "$R/oom.json" 2>/dev/null
    eq "oom: status oom" oom "$(jq_py "$R/oom.json" 'r["runs"][0]["status"]')"
else
    skip "oom run" "no writable memory cgroup"
fi

# A matrix: an ok cell, a cell interrupted from outside, a cell timed out,
# and a cell whose URL file is gone by the time it runs (it was there when
# the matrix was checked): a failure at setup, recorded, the matrix going on.
echo "http://127.0.0.1:1/a" >"$TMPD/urls.txt"
cat >"$TMPD/mixed.json" <<J
{"defaults": {"repeat": 1, "warmup": 0},
 "experiments": [
   {"name": "ok", "set": {"workload": "spin", "duration": "1ms", "tasks": 2}, "grid": {"seed": [1]}},
   {"name": "long", "set": {"workload": "spin", "duration": "5s", "tasks": 1}, "grid": {"seed": [2]}},
   {"name": "stuck", "set": {"workload": "spin", "spin-iters": 1000000000000, "tasks": 2,
                             "runner": "pthreads", "workers": 2, "task-timeout": "1s"}, "grid": {"seed": [3]}},
   {"name": "gone", "set": {"workload": "url", "urls": "$TMPD/urls.txt", "timeout": "1s"}, "grid": {"seed": [4]}}]}
J
"$PB" matrix "$TMPD/mixed.json" --output "$R/matrix.json" --quiet 2>/dev/null &
pb=$!
for _ in $(seq 400); do
    [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$R/matrix.json" 2>/dev/null)" = 1 ] && break
    sleep 0.05
done
c=$(child_of "$pb"); sleep 0.3
rm -f "$TMPD/urls.txt"
[ -n "$c" ] && kill -TERM "$c"
wait "$pb"
eq "matrix: exit 1" 1 "$?"
eq "matrix: ok, interrupted, timeout, failed, in order" "ok interrupted timeout failed" \
   "$(jq_py "$R/matrix.json" '" ".join(x["status"] for x in r["runs"])')"
eq "matrix: the vanished file is the setup failure's cause" True \
   "$(jq_py "$R/matrix.json" '"urls.txt" in r["runs"][3]["error"]')"

# Every run of every report above has the keys of the ok run; every run
# that failed before measuring anything has empty repetitions.
python3 - "$R"/*.json >"$TMPD/keys.out" <<'PY'
import json, sys
docs = {p: json.load(open(p)) for p in sys.argv[1:]}
runs = [(p, i, x) for p, d in docs.items() for i, x in enumerate(d["runs"])]
want = [k for k in runs[0][2] if k != "cell"]
for p in sorted(docs):
    if p.endswith("/ok.json"):
        want = [k for k in docs[p]["runs"][0] if k != "cell"]
bad = []
for p, i, x in runs:
    keys = [k for k in x if k != "cell"]
    if keys != want:
        bad.append("%s runs[%d]: keys %s" % (p, i, keys))
    if x["status"] != "ok" and x["repetitions"] != []:
        bad.append("%s runs[%d]: repetitions %r" % (p, i, x["repetitions"]))
    if x["status"] != "ok" and not isinstance(x["error"], str):
        bad.append("%s runs[%d]: no error" % (p, i))
print("\n".join(bad) if bad else "same")
print(" ".join(sorted(set(x["status"] for _, _, x in runs))))
PY
eq "every run has the same keys; failed ones empty repetitions" same "$(head -n -1 "$TMPD/keys.out")"
statuses=$(tail -1 "$TMPD/keys.out")
eq "the shapes seen include failed, interrupted and timeout" True \
   "$(python3 -c 'import sys; s=set(sys.argv[1].split()); print({"ok", "failed", "interrupted", "timeout"} <= s or s)' "$statuses")"

# ---- parbench reads every report it wrote ------------------------------------
has_gnuplot=1
command -v "${GNUPLOT:-gnuplot}" >/dev/null || has_gnuplot=0
for f in "$R"/*.json; do
    n=$(basename "$f" .json)
    ok "$n: export reads it" "$PB" export "$f"
    ok "$n: export --repetitions reads it" "$PB" export "$f" --repetitions
    ok "$n: compare reads it" "$PB" compare "$f" "$f"
    if [ "$has_gnuplot" = 0 ]; then
        skip "$n: plot reads it" "no gnuplot"
        continue
    fi
    # A report with no successful run has nothing to chart (exit 2 with
    # that reason); it is read, not refused.
    out=$("$PB" plot "$f" --out "$TMPD/plot-$n" 2>&1); rc=$?
    if [ "$rc" = 0 ] || { [ "$rc" = 2 ] && [ "$out" = "parbench: plot: $f: no successful run to chart" ]; }; then
        _record PASS "$n: plot reads it"
    else
        _record FAIL "$n: plot reads it" "exit $rc: $out"
    fi
done
if [ "$has_gnuplot" = 1 ]; then
    ok "matrix report: plot charts its ok run" "$PB" plot "$R/matrix.json" --out "$TMPD/plot-m2"
fi
