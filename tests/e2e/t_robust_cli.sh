#!/usr/bin/env bash
# Issue 10, item 12: matrix and output edge cases.  A matrix never writes
# over its own file or over a report another matrix is writing; --resume
# refuses a report it cannot extend; commands whose standard output cannot
# be written fail; huge grids are refused quickly and duplicate keys are
# errors; `list` and the run summary say things once and in the singular.
. "$(dirname "$0")/lib.sh"

# refuse NAME EXPECT-IN-MESSAGE CMD...: exit 2, one line naming EXPECT.
refuse() {
    local name=$1 want=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != 2 ] || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ]; then
        _record FAIL "$name" "exit $rc: $err"
    elif [ "${err#*"$want"}" = "$err" ]; then
        _record FAIL "$name" "message does not say '$want': $err"
    else _record PASS "$name"; fi
}

m="$TMPD/m.json"
printf '{"defaults": {"repeat": 1, "warmup": 0, "workload": "prime", "limit": 1000}, "grid": {"tasks": [1, 2]}}' >"$m"
before=$(md5sum <"$m")
refuse "matrix F --output F is refused" "matrix file itself" "$PB" matrix "$m" --output "$m" --quiet
ln -s m.json "$TMPD/link.json"
refuse "matrix F --output link-to-F is refused" "matrix file itself" "$PB" matrix "$m" --output "$TMPD/link.json" --quiet
eq "the matrix file is unchanged" "$before" "$(md5sum <"$m")"

# Two matrices on one report: the second refuses while the first runs.
slow="$TMPD/slow.json"
printf '{"defaults": {"repeat": 1, "warmup": 0, "workload": "spin", "duration": "1500ms", "tasks": 1}, "grid": {"seed": [1]}}' >"$slow"
shared="$TMPD/shared.json"
"$PB" matrix "$slow" --output "$shared" --quiet &
first=$!
for _ in $(seq 200); do
    [ -e "$TMPD/.shared.json.lock" ] && break
    sleep 0.05
done
refuse "a second matrix on the same report is refused" "being written by another parbench" \
    "$PB" matrix "$m" --output "$shared" --quiet
wait "$first"; rc=$?
eq "the first matrix finished" 0 "$rc"
eq "its report holds its own cell only" "['seed=1']" "$(jq_py "$shared" '[x["cell"]["key"].split()[-1] for x in r["runs"]]')"
ok "no lock file is left" test ! -e "$TMPD/.shared.json.lock"
ok "the report is free again" "$PB" matrix "$m" --output "$shared" --quiet

# --resume and a report whose runs are not objects.
bad="$TMPD/badruns.json"
printf '{"schema": "parbench.report/1", "runs": [1, "x"]}' >"$bad"
before=$(md5sum <"$bad")
refuse "--resume refuses runs that are not objects" "runs[0] is not an object" \
    "$PB" matrix "$m" --output "$bad" --resume --quiet
eq "that report is unchanged" "$before" "$(md5sum <"$bad")"

# Output that cannot be written is a failure (exit 1, one message).
if [ -w /dev/full ]; then
    expect_exit 1 "list > /dev/full" sh -c "'$PB' list >/dev/full"
    expect_exit 1 "info > /dev/full" sh -c "'$PB' info >/dev/full"
    expect_exit 1 "matrix --dry-run > /dev/full" sh -c "'$PB' matrix '$m' --dry-run >/dev/full"
    eq "the message names standard output" 1 \
       "$("$PB" list 2>&1 >/dev/full | grep -c '^parbench: list: writing standard output: ')"
    if command -v gnuplot >/dev/null; then
        "$PB" run --quiet --workload prime --limit 1000 --tasks 2 --repeat 1 --warmup 0 --output "$TMPD/p.json"
        expect_exit 1 "plot > /dev/full" sh -c "'$PB' plot '$TMPD/p.json' --out '$TMPD/charts' >/dev/full"
    else
        skip "plot > /dev/full" "no gnuplot"
    fi
else
    skip "output to /dev/full" "no writable /dev/full"
fi

# A 200,000-value list is refused at once (it used to be expanded in
# quadratic time: minutes of CPU), naming the cap.
python3 -c 'import json; print(json.dumps({"defaults": {"workload": "prime"}, "grid": {"seed": list(range(200000))}}))' >"$TMPD/huge.json"
refuse "a 200,000-cell grid is refused" "at most 10000 cells" \
    timeout 60 "$PB" matrix "$TMPD/huge.json" --output "$TMPD/huge-out.json" --quiet
ok "and nothing was written" test ! -e "$TMPD/huge-out.json"
python3 -c 'import json; print(json.dumps({"defaults": {"workload": "prime"}, "grid": {"seed": list(range(100)), "limit": list(range(1000, 1101))}}))' >"$TMPD/huge2.json"
refuse "a product over the cap is refused" "10100 combinations" \
    timeout 60 "$PB" matrix "$TMPD/huge2.json" --dry-run
# The largest matrix allowed expands (keys deduplicated through a hash set).
python3 -c 'import json; print(json.dumps({"defaults": {"workload": "prime", "limit": 1000}, "grid": {"seed": list(range(5000)), "tasks": [1, 2]}}))' >"$TMPD/big.json"
eq "a 10,000-cell matrix expands" "10000 cells" \
   "$(timeout 120 "$PB" matrix "$TMPD/big.json" --dry-run | tail -1 | cut -d' ' -f1-2)"

# Duplicate keys mean two things at once: an error naming the key.
printf '{"grid": {"tasks": [1], "tasks": [2]}}' >"$TMPD/dup.json"
refuse "duplicate grid key" "grid: duplicate key 'tasks'" "$PB" matrix "$TMPD/dup.json" --dry-run
printf '{"experiments": [{"grid": {"tasks": [1]}, "set": {"seed": 1, "seed": 2}}]}' >"$TMPD/dup2.json"
refuse "duplicate key inside an experiment" "experiments[0].set: duplicate key 'seed'" "$PB" matrix "$TMPD/dup2.json" --dry-run
printf '{"grid": {"tasks": [1]}, "defaults": {}, "defaults": {"repeat": 2}}' >"$TMPD/dup3.json"
refuse "duplicate top-level key" "duplicate key 'defaults'" "$PB" matrix "$TMPD/dup3.json" --dry-run

# `list` says CPU-bound once per workload; one worker is "1 worker".
eq "list: prime says (CPU-bound) once" 1 "$("$PB" list | grep '^  prime ' | grep -o 'CPU-bound' | wc -l)"
"$PB" run --workload prime --limit 1000 --tasks 2 --repeat 1 --warmup 0 --output "$TMPD/s.json" 2>"$TMPD/s.err"
eq "single's summary says 1 worker" 1 "$(grep -c '^prime / single, 1 worker (' "$TMPD/s.err")"
eq "and its cpu line too" 1 "$(grep -c '% of 1 worker ' "$TMPD/s.err")"
"$PB" run --workload prime --limit 1000 --tasks 2 --repeat 1 --warmup 0 --runner pthreads --workers 2 --output "$TMPD/s2.json" 2>"$TMPD/s2.err"
eq "two workers stay plural" 1 "$(grep -c '^prime / pthreads, 2 workers (' "$TMPD/s2.err")"
