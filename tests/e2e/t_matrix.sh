#!/usr/bin/env bash
# Matrices: expansion and excludes, every bad-file case refused before
# anything runs, an OOM cell that does not take the rest down, and a matrix
# killed with SIGKILL that keeps its finished cells and resumes.
. "$(dirname "$0")/lib.sh"

m="$TMPD/m.json"
cat >"$m" <<'J'
{"defaults": {"repeat": 1, "warmup": 0},
 "experiments": [
  {"name": "img", "set": {"workload": "image", "size": "300KB"},
   "grid": {"runner": ["single", "pthreads", "fork"], "workers": [1, 2], "tasks": [3, 6]},
   "exclude": [{"runner": "fork", "workers": 1}, {"runner": "pthreads", "tasks": [6]}]},
  {"name": "prime", "grid": {"workload": ["prime"], "limit": [1000, 5000], "runner": ["fork"], "workers": [2]}}]}
J
# img: single x {3,6} (workers collapse to 1) = 2; pthreads x {1,2} x {3} = 2;
# fork x {2} x {3,6} = 2; prime: 2.  8 cells.
ok "dry run" "$PB" matrix "$m" --dry-run
eq "dry run lists 8 cells" 8 "$("$PB" matrix "$m" --dry-run | grep -c '^ *[0-9]*  ~')"
ok "dry run gives an estimate" sh -c "'$PB' matrix '$m' --dry-run | tail -1 | grep -q 'estimated'"
out="$TMPD/out.json"
ok "matrix runs" "$PB" matrix "$m" --output "$out" --quiet
eq "one run per cell" 8 "$(jq_py "$out" 'len(r["runs"])')"
eq "all ok" "['ok']" "$(jq_py "$out" 'sorted(set(x["status"] for x in r["runs"]))')"
eq "excluded combinations are absent" "[]" "$(jq_py "$out" \
   '[x["cell"]["key"] for x in r["runs"] if (x["runner"]=="fork" and x["workers"]==1) or (x["runner"]=="pthreads" and x["tasks"]==6)]')"
eq "single collapses to one worker" "[1, 1]" "$(jq_py "$out" '[x["workers"] for x in r["runs"] if x["runner"]=="single"]')"
eq "cells carry index and key" True "$(jq_py "$out" 'all("key" in x["cell"] for x in r["runs"]) and [x["cell"]["index"] for x in r["runs"]] == list(range(8))')"
eq "prime cells computed their sums" "[76127, 1548136]" "$(jq_py "$out" '[int(x["result"]["value"]) for x in r["runs"] if x["workload"]=="prime"]')"

# Bad files: one line naming the key, exit 2, no report.
bad() { # name json
    printf '%s' "$2" >"$TMPD/bad.json"
    rm -f "$TMPD/bad-out.json"
    local err rc
    err=$("$PB" matrix "$TMPD/bad.json" --output "$TMPD/bad-out.json" 2>&1); rc=$?
    if [ "$rc" != 2 ] || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [ -e "$TMPD/bad-out.json" ]; then
        _record FAIL "bad matrix: $1" "exit $rc: $err"
    elif [ -n "${3:-}" ] && [ "${err#*"$3"}" = "$err" ]; then
        _record FAIL "bad matrix: $1" "message does not name '$3': $err"
    else _record PASS "bad matrix: $1"; fi
}
bad "not JSON" '{"grid": {"runner": ["single"]' "not valid JSON"
bad "not an object" '[1, 2]' "object"
bad "unknown top-level key" '{"grid": {"tasks": [1]}, "colour": 1}' "colour"
bad "unknown grid key" '{"grid": {"runer": ["single"]}}' "runer"
bad "grid value not a list" '{"grid": {"tasks": 4}}' "grid.tasks"
bad "empty list" '{"grid": {"tasks": []}}' "grid.tasks"
bad "wrong element type" '{"grid": {"tasks": [true]}}' "grid.tasks[0]"
bad "bad value" '{"grid": {"tasks": [4, 0]}}' "grid.tasks[1]"
bad "bad size" '{"grid": {"size": ["12XB"]}}' "grid.size[0]"
bad "empty experiments" '{"experiments": []}' "experiments"
bad "experiment unknown key" '{"experiments": [{"grid": {"tasks": [1]}, "gird": {}}]}' "gird"
bad "exclude names a missing key" '{"grid": {"tasks": [1]}, "exclude": [{"workers": 2}]}' "workers"
bad "everything excluded" '{"grid": {"tasks": [1]}, "exclude": [{"tasks": 1}]}' "excluded"
bad "impossible combination" '{"grid": {"runner": ["async"], "workload": ["image"]}}' "cannot run"
bad "output per cell" '{"grid": {"output": ["x.json"]}}' "output"
bad "defaults wrong type" '{"defaults": {"repeat": [2]}, "grid": {"tasks": [1]}}' "defaults.repeat"
expect_exit 2 "matrix without --output" "$PB" matrix "$m"
expect_exit 2 "matrix file missing" "$PB" matrix "$TMPD/nope.json" --output "$TMPD/o.json"

# An OOM-killed cell is recorded and the next cell still runs.
if [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup ]; then
    cat >"$TMPD/oom.json" <<'J'
{"defaults": {"repeat": 1, "warmup": 0, "workload": "image", "runner": "fork", "workers": 2, "tasks": 4},
 "grid": {"size": ["200MB", "1MB"], "memory": ["64MB"]}}
J
    "$PB" matrix "$TMPD/oom.json" --output "$TMPD/oom-out.json" --quiet; rc=$?
    eq "oom matrix: exit 1" 1 "$rc"
    eq "oom cell then a cell that succeeds" "['oom', 'ok']" "$(jq_py "$TMPD/oom-out.json" '[x["status"] for x in r["runs"]]')"
else
    skip "oom cell in a matrix" "no writable memory cgroup"
fi

# SIGKILL in the middle: the report on disk is valid and holds every
# finished cell; --resume completes it without redoing them.
cat >"$TMPD/long.json" <<'J'
{"defaults": {"repeat": 1, "warmup": 0, "workload": "spin", "duration": "150ms", "tasks": 2},
 "grid": {"seed": [1, 2, 3, 4, 5, 6, 7, 8]}}
J
long="$TMPD/long-out.json"
"$PB" matrix "$TMPD/long.json" --output "$long" --quiet &
pid=$!
for _ in $(seq 200); do
    n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$long" 2>/dev/null || echo 0)
    [ "$n" -ge 3 ] && break
    sleep 0.05
done
kill -9 "$pid"; wait "$pid" 2>/dev/null
n=$(jq_py "$long" 'len(r["runs"])')
eq "killed matrix: report is valid JSON with finished cells" True "$([ "$n" -ge 3 ] && [ "$n" -lt 8 ] && echo True || echo "n=$n")"
first=$(jq_py "$long" 'r["runs"][0]["repetitions"][0]["wall_s"]')
ok "resume" "$PB" matrix "$TMPD/long.json" --output "$long" --resume --quiet
eq "resumed matrix has all 8 cells once" "[0, 1, 2, 3, 4, 5, 6, 7]" "$(jq_py "$long" 'sorted(x["cell"]["index"] for x in r["runs"])')"
eq "resume kept the finished cells as they were" "$first" "$(jq_py "$long" 'r["runs"][0]["repetitions"][0]["wall_s"]')"
ok "no temporary files left" test -z "$(ls "$TMPD" | grep '\.tmp\.')"

# Issue 10 item 5: cell keys are whole.  Two cells whose only difference
# (the URL file) lies past 1024 characters of the key were once one cell
# (keys cut at 1024 bytes; values cut at 96): --dry-run shows two, and
# --resume from a report holding the first runs the second only.
P=$TMPD
for _ in 1 2 3 4 5; do P=$P/$(printf 'd%.0s' $(seq 220)); done
mkdir -p "$P"
echo "http://127.0.0.1:1/a" >"$P/a.txt" # nothing listens: a quick failure
echo "http://127.0.0.1:1/b" >"$P/b.txt"
printf '{"defaults": {"repeat": 1, "warmup": 0, "workload": "url", "timeout": "2s"},
 "grid": {"urls": ["%s", "%s"]}}\n' "$P/a.txt" "$P/b.txt" >"$TMPD/longkey.json"
"$PB" matrix "$TMPD/longkey.json" --dry-run >"$TMPD/longkey.dry" 2>&1
eq "keys differing after 1024 characters: two cells" "2 cells" "$(grep -o '^[0-9]* cells' "$TMPD/longkey.dry")"
key1=$(sed -n 's/^ *1  .*\] //p' "$TMPD/longkey.dry")
eq "cell key is whole" True "$(python3 -c 'import sys; k=sys.argv[1]; print(len(k) > 1100 and k.endswith("/a.txt"))' "$key1")"
# The report to resume from: the first cell's run (a real one, so the
# report resumed into is whole), marked as that cell.
"$PB" run --quiet --repeat 1 --warmup 0 --workload url --timeout 2s --urls "$P/a.txt" \
    --output "$TMPD/longkey-out.json" >/dev/null 2>&1
python3 - "$TMPD/longkey-out.json" "$key1" "$TMPD/longkey.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["matrix"] = {"file": sys.argv[3], "cells": 2}
d["runs"][0]["cell"] = {"index": 0, "experiment": "", "key": sys.argv[2]}
json.dump(d, open(sys.argv[1], "w"))
PY
"$PB" matrix "$TMPD/longkey.json" --output "$TMPD/longkey-out.json" --resume --quiet >/dev/null 2>&1
eq "--resume runs only the cell the report lacks" "[0, 1]" "$(jq_py "$TMPD/longkey-out.json" '[x["cell"]["index"] for x in r["runs"]]')"
eq "--resume: the new run is the second cell's" True "$(jq_py "$TMPD/longkey-out.json" 'r["runs"][1]["params"]["urls"].endswith("/b.txt") and r["runs"][1]["cell"]["key"].endswith("/b.txt")')"
