#!/usr/bin/env bash
# The pyramid workload and task dependencies: every runner that supports
# dependencies, every strategy and every I/O mode gives the same checksum,
# and from the task records no task started before its inputs ended (and,
# with --strategy level, before the level below was done); a cold cache
# reads the inputs from the device and a warm one does not; a full disk
# fails the run with its cause and leaves neither files nor a temporary
# directory; async refuses the workload (exit 2, one line); mpi is
# checked in t_mpi_deps.sh.
. "$(dirname "$0")/lib.sh"

# 9 images of 523 px down to 65: levels of 5, 3, 2 images (odd counts and
# odd sides on the way).
PYR=(--workload pyramid --images 9 --side 523 --min-side 100 --repeat 1 --warmup 0 --seed 3)
"$PB" run --quiet "${PYR[@]}" --output "$TMPD/ref.json"
ref=$(jq_py "$TMPD/ref.json" 'r["runs"][0]["result"]["checksum"]')
eq "reference run has a checksum" 16 "${#ref}"

# From the records: ready after every input ended, started once ready;
# with a barrier, after every task of the levels below.
cat >"$TMPD/order.py" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
strategy = run["params"]["strategy"]
assert run["status"] == "ok", run["error"]
for rep in run["repetitions"]:
    t = rep["tasks"]
    assert rep["critical_path_s"] is not None and rep["critical_path_s"] > 0
    assert rep["input_wait_s"] is not None and rep["input_wait_s"] >= 0
    for x in t:
        assert x["start_s"] >= x["ready_s"] - 1e-9, x
    if strategy == "batch":
        continue
    levels = {}
    for x in t:
        levels.setdefault(x["level"], []).append(x)
    for l, xs in levels.items():
        below = levels.get(l - 1, [])
        for j, x in enumerate(xs):
            if l > 1:
                ins = [below[2 * j]] + ([below[2 * j + 1]] if 2 * j + 1 < len(below) else [])
                for i in ins:
                    assert x["ready_s"] >= i["end_s"] - 1e-9 and x["start_s"] >= i["end_s"] - 1e-9, (x, i)
            if strategy == "level":
                for b in below:
                    assert x["start_s"] >= b["end_s"] - 1e-9, (x, b)
print("ordered")
EOF

n=0
for runner in "single" "pthreads --workers 2" "fork --workers 2" "fork --workers 2 --transfer copy"; do
    for strategy in level dataflow "batch --batch 2" "batch --batch 4"; do
        for io in read mmap uring; do
            n=$((n + 1))
            out="$TMPD/r$n.json"
            name="$runner / $strategy / $io"
            if ! "$PB" run --quiet "${PYR[@]}" --runner $runner --strategy $strategy --io $io \
                   --output "$out" 2>"$TMPD/err"; then
                _record FAIL "$name: runs" "$(tail -c 400 "$TMPD/err")"
                continue
            fi
            eq "$name: checksum" "$ref" "$(jq_py "$out" 'r["runs"][0]["result"]["checksum"]')"
            eq "$name: no task before its inputs" ordered "$(python3 "$TMPD/order.py" "$out" 2>&1 | tail -1)"
            # one report per runner is enough for the closing schema check
            [ "$strategy$io" = levelread ] || rm -f "$out"
        done
    done
done
for fmt in "--format raw --depth 16" "--format raw --depth 8" "--format tiff --depth 8"; do
    "$PB" run --quiet "${PYR[@]}" $fmt --output "$TMPD/f1.json"
    "$PB" run --quiet "${PYR[@]}" $fmt --runner fork --workers 2 --strategy batch --batch 4 \
        --io uring --output "$TMPD/f2.json"
    eq "$fmt: the same checksum by batch on fork with io_uring" \
       "$(jq_py "$TMPD/f1.json" 'r["runs"][0]["result"]["checksum"]')" \
       "$(jq_py "$TMPD/f2.json" 'r["runs"][0]["result"]["checksum"]')"
done
"$PB" run --quiet "${PYR[@]}" --format raw --output "$TMPD/raw.json"
eq "raw 16-bit gives the TIFF checksum (pixels, not file bytes)" "$ref" \
   "$(jq_py "$TMPD/raw.json" 'r["runs"][0]["result"]["checksum"]')"

# Cold against warm: bytes from the device close to the input files' size
# cold, near zero warm (32 MiB of inputs: 16 x 1024 x 1024 x 16 bits).
COLD=(--workload pyramid --images 16 --side 1024 --repeat 2 --warmup 1 --runner pthreads --workers 2)
fs=$(stat -f -c %T "${TMPDIR:-/tmp}" 2>/dev/null)
"$PB" run --quiet "${COLD[@]}" --cache cold --output "$TMPD/cold.json"
"$PB" run --quiet "${COLD[@]}" --cache warm --output "$TMPD/warm.json"
dev='[rep["io"]["device_read_bytes"] for rep in r["runs"][0]["repetitions"]]'
files='r["runs"][0]["repetitions"][0]["io"]["read_bytes"]'
inputs=$(jq_py "$TMPD/cold.json" 'sum(t["read_bytes"] for t in r["runs"][0]["repetitions"][0]["tasks"] if t["level"] == 1)')
if [ "$fs" = tmpfs ] || [ "$fs" = ramfs ]; then
    skip "cold cache reads the inputs from the device" "TMPDIR is on $fs: no device below the page cache"
else
    eq "cold: device bytes read within 0.7-1.5 x the inputs ($inputs B) in every repetition" True \
       "$(jq_py "$TMPD/cold.json" "all(0.7 * $inputs <= d <= 1.5 * $inputs for d in $dev)")"
    eq "warm: device bytes read under 10% of the inputs" True \
       "$(jq_py "$TMPD/warm.json" "all(d < 0.1 * $inputs for d in $dev)")"
fi
eq "file bytes read: every input once, and every level-1..2 image once" True \
   "$(jq_py "$TMPD/cold.json" "$files >= $inputs")"
eq "cold and warm: the same checksum" \
   "$(jq_py "$TMPD/cold.json" 'r["runs"][0]["result"]["checksum"]')" \
   "$(jq_py "$TMPD/warm.json" 'r["runs"][0]["result"]["checksum"]')"
eq "the split: read + compute + write within each task's time" True \
   "$(jq_py "$TMPD/cold.json" 'all(t["read_s"] + t["compute_s"] + t["write_s"] <= t["end_s"] - t["start_s"] + 1e-6 for rep in r["runs"][0]["repetitions"] for t in rep["tasks"])')"
ok "--fsync runs" "$PB" run --quiet "${PYR[@]}" --fsync --output "$TMPD/fsync.json"
eq "--fsync: the same checksum" "$ref" "$(jq_py "$TMPD/fsync.json" 'r["runs"][0]["result"]["checksum"]')"

# A temporary directory is removed afterwards; a given one is kept empty.
mkdir -p "$TMPD/tmp" "$TMPD/given"
TMPDIR="$TMPD/tmp" "$PB" run --quiet "${PYR[@]}" --output "$TMPD/t.json"
eq "the temporary directory is gone" "" "$(ls -A "$TMPD/tmp")"
"$PB" run --quiet "${PYR[@]}" --dir "$TMPD/given" --output "$TMPD/g.json"
eq "a given --dir is kept, without the files" "" "$(ls -A "$TMPD/given")"
eq "a given --dir is in the report" "$TMPD/given" "$(jq_py "$TMPD/g.json" 'r["runs"][0]["params"]["dir"]')"

# A full disk: a 6 MiB tmpfs holds the inputs (8 x 600 x 600 x 16 bits =
# 5.5 MiB) but not the outputs; or not even the inputs (20 images).
full="$TMPD/full"
mkdir -p "$full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=6m tmpfs "$full" 2>/dev/null; then
    FULL=(--workload pyramid --images 8 --side 600 --min-side 100 --format raw --repeat 1 --warmup 0)
    expect_exit 1 "full disk (--dir): the run fails" \
        "$PB" run --quiet "${FULL[@]}" --runner fork --workers 2 --dir "$full" --output "$TMPD/full1.json"
    eq "full disk (--dir): status and cause" "failed True" \
       "$(jq_py "$TMPD/full1.json" 'r["runs"][0]["status"] + " " + str("No space left on device" in r["runs"][0]["error"])')"
    eq "full disk (--dir): no file left" "" "$(ls -A "$full")"
    expect_exit 1 "full disk (temporary directory, mmap): the run fails" env TMPDIR="$full" \
        "$PB" run --quiet "${FULL[@]}" --runner pthreads --workers 2 --io mmap --output "$TMPD/full2.json"
    eq "full disk (temporary directory): no directory left" "" "$(ls -A "$full")"
    expect_exit 1 "full disk before the first task: setup fails" env TMPDIR="$full" \
        "$PB" run --quiet "${FULL[@]}" --images 20 --output "$TMPD/full3.json"
    eq "full disk at setup: the cause" True \
       "$(jq_py "$TMPD/full3.json" '"writing the inputs" in r["runs"][0]["error"] and "No space left" in r["runs"][0]["error"]')"
    eq "full disk at setup: nothing left" "" "$(ls -A "$full")"
    umount "$full"
else
    skip "full disk" "cannot mount a tmpfs here (needs root)"
fi

# Runners without dependency support refuse, before anything is written.
for r in async; do
    expect_exit 2 "$r refuses the pyramid" "$PB" run "${PYR[@]}" --runner $r --output "$TMPD/no-$r.json"
    eq "$r: one line naming the reason" 1 \
       "$("$PB" run "${PYR[@]}" --runner $r --output "$TMPD/no-$r.json" 2>&1 | grep -c 'does not support task dependencies')"
    eq "$r: no report" no "$([ -e "$TMPD/no-$r.json" ] && echo yes || echo no)"
done
cat >"$TMPD/m.json" <<'EOF'
{"experiments": [{"name": "p", "set": {"workload": "pyramid", "images": 4, "side": 600},
  "grid": {"runner": ["single", "async"]}}]}
EOF
expect_exit 2 "a matrix with an async pyramid cell is refused before running" \
    "$PB" matrix "$TMPD/m.json" --output "$TMPD/m-out.json"
deps=$("$PB" list | awk '/^  [a-z]/ {r=$1} /task dependencies:/ {printf " %s:%s", r, $3}')
eq "list: which runners support dependencies" "single:yes pthreads:yes fork:yes async:no mpi:yes exec:no" \
   "$(for r in single pthreads fork async mpi exec; do grep -o " $r:[a-z]*" <<<"$deps"; done | xargs)"
expect_exit 2 "--schedule static is refused" "$PB" run "${PYR[@]}" --runner pthreads --schedule static
expect_exit 2 "--batch 6 is refused" "$PB" run "${PYR[@]}" --strategy batch --batch 6
expect_exit 2 "--tasks that disagree are refused" "$PB" run "${PYR[@]}" --tasks 3
expect_exit 2 "--depth 12 is refused" "$PB" run "${PYR[@]}" --depth 12
expect_exit 2 "a --dir that does not exist is refused" "$PB" run "${PYR[@]}" --dir "$TMPD/none"
mkdir -p "$TMPD/theirs" && echo mine >"$TMPD/theirs/L02_000001.tif"
expect_exit 2 "a --dir holding a file of a name the pyramid writes is refused" \
    "$PB" run "${PYR[@]}" --dir "$TMPD/theirs"
eq "that file is left alone" mine "$(cat "$TMPD/theirs/L02_000001.tif")"

# Charts: time against workers per strategy, the read/compute/write split,
# the timeline by level with the waits for inputs.
"$PB" run --quiet "${PYR[@]}" --runner pthreads --workers 2 --strategy level --output "$TMPD/w2.json"
ok "charts of a pyramid report" "$PB" plot "$TMPD/w2.json" --out "$TMPD/charts"
eq "timeline and split charts drawn" "yes yes" \
   "$(ls "$TMPD"/charts/timeline*pyramid*.png >/dev/null 2>&1 && echo yes || echo no) $(ls "$TMPD"/charts/iosplit*pyramid*.png >/dev/null 2>&1 && echo yes || echo no)"
