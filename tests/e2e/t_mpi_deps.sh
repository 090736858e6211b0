#!/usr/bin/env bash
# Task dependencies on the mpi runner (issue 14), through the real binary
# and real ranks.  The pyramid workload (files on disk whose tasks read
# each other's outputs): every strategy gives single's checksum at 1 and 2
# workers with either transfer mode, its directory shared by the ranks and
# cleaned up, cold cache with a persistent pool, a rank that does not see
# the driver's directory refused.  Then a copy of the tree built with the test workload
# tests/e2e/plugin/dag.c (a reduction tree whose tasks pass values through
# files in one directory) runs on mpi with 1 and 2 workers, both transfer
# modes, with and without a barrier per depth, and gives single's
# checksum; from the task records, no task starts (or becomes ready)
# before its inputs ended and barriers hold; a failed task's dependents
# are recorded as not run and never reach a worker (their files are never
# written); the head reports input_wait_s and critical_path_s; a
# persistent pool resets the scheduler between repetitions.
. "$(dirname "$0")/lib.sh"

if ! command -v mpiexec >/dev/null; then
    skip "mpi runner with dependencies" "mpiexec is not installed"
    exit 0
fi
if "$PB" list | grep -qE '^  mpi .*unavailable'; then
    skip "mpi runner with dependencies" "the mpi runner is unavailable in this build"
    exit 0
fi

# ---- pyramid on mpi --------------------------------------------------------
# Every strategy at 1 and 2 workers, both transfer modes: single's checksum.
# The image files are in one directory every rank sees: a temporary one of
# the driver's (TMPDIR here, so a leftover would show), used by the ranks
# rather than made again.
export TMPDIR="$TMPD/tmp"
mkdir -p "$TMPDIR"
# Image j of level l reads images 2j and 2j + 1 of level l - 1 (the task
# records carry the level); with --strategy level, after the whole level.
cat >"$TMPD/order.py" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
tasks, levels = run["repetitions"][0]["tasks"], {}
for x in tasks:
    levels.setdefault(x["level"], []).append(x)
for l, xs in levels.items():
    below = levels.get(l - 1, [])
    for j, x in enumerate(xs):
        ins = below[2 * j:2 * j + 2] if l > 1 else []
        if run["params"]["strategy"] == "level":
            ins = below
        for i in ins:
            assert x["ready_s"] >= i["end_s"] and x["start_s"] >= i["end_s"], (x, i)
print("ordered")
EOF
pyr=(run --workload pyramid --images 9 --side 512 --min-side 40 --depth 16 --quiet --repeat 1 --warmup 0)
for st in level dataflow batch; do
    sarg=(--strategy "$st"); [ "$st" = batch ] && sarg+=(--batch 4)
    "$PB" "${pyr[@]}" "${sarg[@]}" --runner single --output "$TMPD/pyr-$st.json"
    pref=$(jq_py "$TMPD/pyr-$st.json" 'r["runs"][0]["result"]["checksum"]')
    for n in 1 2; do
        for tr in local copy; do
            out="$TMPD/pyr-$st-$n-$tr.json"
            name="pyramid $st, mpi x$n $tr"
            if ! "$PB" "${pyr[@]}" "${sarg[@]}" --runner mpi --workers "$n" --transfer "$tr" \
                    --output "$out" 2>"$TMPD/err"; then
                _record FAIL "$name: runs" "$(tail -c 400 "$TMPD/err")"
                continue
            fi
            eq "$name: checksum as single" "$pref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
            eq "$name: every task ready before it started, on a worker" True "$(jq_py "$out" \
               'all(t["ready_s"] <= t["start_s"] <= t["end_s"] and 0 <= t["worker"] < '"$n"' for t in r["runs"][0]["repetitions"][0]["tasks"])')"
            [ "$st" = batch ] || eq "$name: its inputs in the level below ended first" ordered \
                "$(python3 "$TMPD/order.py" "$out" 2>&1 | tail -1)"
        done
    done
done
eq "pyramid on mpi: no directory or file left behind" "" "$(ls -A "$TMPDIR")"
# Cold cache with one persistent pool: the head evicts the inputs before
# each repetition, the ranks running one after the other.
ok "pyramid on mpi: --cache cold with a persistent pool" "$PB" "${pyr[@]}" --repeat 2 --warmup 1 \
    --cache cold --pool persistent --runner mpi --workers 2 --output "$TMPD/pyr-cold.json"
eq "pyramid on mpi: cold, persistent: checksum as single" "$(jq_py "$TMPD/pyr-dataflow.json" 'r["runs"][0]["result"]["checksum"]')" \
   "$(jq_py "$TMPD/pyr-cold.json" 'r["runs"][0]["result"]["checksum"]')"
# A rank that does not see the driver's directory (its marker file) says
# so and the job does not start (here: a rank started by hand, told to
# look for a marker nobody made).
mkdir -p "$TMPD/w"
timeout 60 mpiexec -n 2 "$PB" mpi-rank --workload pyramid --opt images=2 --opt side=64 \
    --opt min-side=16 --workdir "$TMPD/w" --marker .parbench-mpi-none >"$TMPD/rank.out" 2>/dev/null
ok "a rank without the driver's directory: the job does not start, saying why" \
   grep -q "^PBMPI F mpi rank [01] on host .*: not the driver's directory (give --dir one every host shares): $TMPD/w$" "$TMPD/rank.out"
ok "... and no ready line" sh -c "! grep -q '^PBMPI R' '$TMPD/rank.out'"
unset TMPDIR

# ---- the dag test workload ---------------------------------------------------
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    skip "dag plug-in build" "not a git checkout: the tracked files cannot be listed"
    exit 0
fi
src="$TMPD/src"
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"
git ls-files -z --others --exclude-standard | xargs -0 -r cp --parents -t "$src"
if ! make -C "$src" --no-print-directory -j2 EXTRA_WORKLOADS=tests/e2e/plugin/dag.c \
        build/parbench >"$TMPD/build.log" 2>&1; then
    _record FAIL "build with the dag workload" "$(tail -5 "$TMPD/build.log")"
    exit 0
fi
pb="$src/build/parbench"
ok "list: mpi supports task dependencies" sh -c \
   "'$pb' list | sed -n '/^  mpi /,/^  [a-z]/p' | grep -q 'task dependencies: yes'"

N=21
common=(run --workload dag --tasks "$N" --dag-work 2ms --quiet --repeat 1 --warmup 0)
fresh() { rm -rf "$TMPD/d"; mkdir "$TMPD/d"; }

fresh
"$pb" "${common[@]}" --runner single --output "$TMPD/single.json" --dag-dir "$TMPD/d"
ref=$(jq_py "$TMPD/single.json" 'r["runs"][0]["result"]["checksum"]')

# From the records: inputs (the dag's tree, reversed heap) ended before
# the task became ready and started; with stages, every deeper task ended
# before a shallower one started.
records='(lambda run, rep, staged: run["status"] == "ok" and all(
    t["ready_s"] <= t["start_s"] <= t["end_s"] and
    all(rep["tasks"][N - 1 - c]["end_s"] <= t["ready_s"]
        for c in (2 * (N - 1 - t["id"]) + 1, 2 * (N - 1 - t["id"]) + 2) if c < N) and
    (not staged or all(u["end_s"] <= t["start_s"] for u in rep["tasks"]
                       if depth(N - 1 - u["id"]) > depth(N - 1 - t["id"])))
    for t in rep["tasks"]) and rep["handout"] == "head-messages" and
    rep["input_wait_s"] >= 0 and rep["critical_path_s"] > 0)'
depth='(lambda f: (lambda j: f(f, j)))(lambda f, j: 0 if j == 0 else 1 + f(f, (j - 1) // 2))'
for n in 1 2; do
    for tr in local copy; do
        for staged in 0 1; do
            name="mpi x$n $tr"; extra=(); bar=""
            [ "$staged" = 1 ] && name+=" staged" && extra=(--dag-staged) && bar=", barriers hold"
            fresh
            out="$TMPD/mpi-$n-$tr-$staged.json"
            if ! "$pb" "${common[@]}" --runner mpi --workers "$n" --transfer "$tr" \
                    --dag-dir "$TMPD/d" "${extra[@]}" --output "$out" 2>"$TMPD/err"; then
                _record FAIL "$name: runs" "$(tail -c 400 "$TMPD/err")"
                continue
            fi
            eq "$name: checksum as single" "$ref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
            eq "$name: inputs end before a task is ready, ready before it starts$bar" True \
               "$(jq_py "$out" "(lambda N, depth: $records(r['runs'][0], r['runs'][0]['repetitions'][0], $staged))($N, $depth)")"
        done
    done
done

# A failed task: its dependents up to the root are recorded as not run,
# naming the failed input, and none reached a worker (no file written).
for tr in local copy; do
    fresh
    out="$TMPD/fail-$tr.json"
    "$pb" "${common[@]}" --runner mpi --workers 2 --transfer "$tr" --dag-dir "$TMPD/d" \
        --dag-fail 3 --output "$out" 2>/dev/null
    # task 3 (reversed j = 17) feeds j = 8, 3, 1, 0: tasks 12, 17, 19, 20
    eq "failing task ($tr): its dependents not run, the rest ran" True "$(jq_py "$out" '(lambda t: "error" in t[3] and all("not run: its input task" in t[i].get("error", "") for i in (12, 17, 19, 20)) and not any("error" in t[i] for i in range(21) if i not in (3, 12, 17, 19, 20)))(r["runs"][0]["repetitions"][0]["tasks"])')"
    eq "failing task ($tr): its dependents never reached a worker" "" \
       "$(cd "$TMPD/d" && ls t3 t12 t17 t19 t20 2>/dev/null)"
    eq "failing task ($tr): the others' files are there" 16 "$(ls "$TMPD/d" | wc -l)"
done

# One persistent pool, warm-up and two repetitions: the head's scheduler is
# reset for each (every one complete, in order).
fresh
ok "persistent pool, 3 repetitions" "$pb" run --workload dag --tasks "$N" --dag-work 1ms --quiet \
   --repeat 2 --warmup 1 --pool persistent --runner mpi --workers 2 --dag-dir "$TMPD/d" \
   --dag-staged --output "$TMPD/pers.json"
eq "persistent pool: checksum as single, every repetition in order" True \
   "$(jq_py "$TMPD/pers.json" "(lambda N, depth: r['runs'][0]['result']['checksum'] == '$ref' and all($records(r['runs'][0], rep, 1) for rep in r['runs'][0]['repetitions']))($N, $depth)")"

expect_exit 2 "--schedule static refused for dependent tasks" "$pb" run --workload dag \
    --dag-dir "$TMPD/d" --runner mpi --schedule static --output "$TMPD/x.json"
