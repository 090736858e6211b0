#!/usr/bin/env bash
# The report's JSON Schema (bench/report/report.schema.json) against the
# other sources of reports: the fixture generator (every fixture in
# today's format with --current; without it, only the older-report
# imitations it documents differ), the real reports in the fuzz corpus, and
# a fresh `parbench run` report, which must pass while each drift of it
# that the schema exists to catch fails.  Also the rule run.sh uses to
# collect the reports parbench wrote (tests/e2e/validate_reports.py):
# parbench's file is taken, files a test wrote itself are not.  Every
# report the other scripts write is checked by run.sh at the end.
. "$(dirname "$0")/lib.sh"

S=$ROOT/bench/report/report.schema.json
V=$ROOT/tests/e2e/validate_reports.py
# Debian's python3-jsonschema (scripts/deps.sh --test) serves /usr/bin/python3.
py=python3
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null && py=/usr/bin/python3
if ! $py -c 'import jsonschema' 2>/dev/null; then
    _record FAIL "jsonschema" "no python3 here imports jsonschema: apt-get install python3-jsonschema (make deps)"
    exit 1
fi
ok "the schema is a valid draft 7 schema" $py -c '
import json, sys, jsonschema
jsonschema.Draft7Validator.check_schema(json.load(open(sys.argv[1])))' "$S"

# Fixtures.
mkdir -p "$TMPD/fx" "$TMPD/fxc"
python3 "$ROOT/tests/fixtures/make_reports.py" "$TMPD/fx" &&
    python3 "$ROOT/tests/fixtures/make_reports.py" --current "$TMPD/fxc" ||
    { _record FAIL "fixtures" "make_reports.py failed"; exit 1; }
eq "fixtures: all nine made" 9 "$(ls "$TMPD"/fxc/*.json | wc -l)"
ok "fixtures --current: every one validates" $py "$V" schema "$S" "$TMPD"/fxc/*.json
ok "fixtures: only the documented older-report keys differ" \
    $py "$V" schema --allow-missing=stop_s,end_to_end_s,label "$S" "$TMPD"/fx/*.json
expect_exit 1 "fixtures: without the allowance, the older-report imitations fail" \
    $py "$V" schema "$S" "$TMPD/fx/base.json"

# The real reports kept in the fuzz corpus (reports written by parbench).
ok "fuzz corpus: real reports validate" $py "$V" schema "$S" "$ROOT"/tests/fuzz/corpus/report/real-*.json

# A fresh report passes; each drift fails.
R=$TMPD/real.json
"$PB" run --quiet --workload prime --limit 20000 --tasks 4 --repeat 2 --warmup 0 \
    --runner pthreads --workers 2 --output "$R"
ok "parbench run report validates" $py "$V" schema "$S" "$R"
drift() { # name python-statement-on-d: the drifted report must fail
    local name=$1 f
    f=$TMPD/drift-$(printf '%s' "$1" | tr -c 'a-z0-9' '-').json
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); r = d["runs"][0]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))' "$R" "$f" "$2" || { _record FAIL "drift: $name" "could not make it"; return; }
    expect_exit 1 "drift fails: $name" $py "$V" schema "$S" "$f"
}
drift "a run without repetitions" 'del r["repetitions"]'
drift "a failed run without repetitions (cmd_matrix's run-less cell)" \
    'd["matrix"] = {"file": "m.json", "cells": 1}; d["runs"] = [{"status": "failed", "error": "x", "cell": {"index": 0, "experiment": "", "key": "k"}}]'
drift "an unknown key in a run" 'r["walltime"] = 1'
drift "an unknown key in a repetition" 'r["repetitions"][0]["rss_peak"] = 1'
drift "an unknown key in a task" 'r["repetitions"][0]["tasks"][0]["cpu"] = 0'
drift "an unknown status" 'r["status"] = "done"'
drift "ok with an error" 'r["error"] = "x"'
drift "failed without an error" 'r["status"] = "failed"'
drift "workers not a whole number" 'r["workers"] = 1.5'
drift "workers as text" 'r["workers"] = "2"'
drift "a negative wall time" 'r["repetitions"][0]["wall_s"] = -1'
drift "a checksum not 16 hex digits" 'r["result"]["checksum"] = "abc"'
drift "an ok run without a summary figure" 'del r["summary"]["rss_total_bytes"]'
drift "an ok run without its pool" 'del r["pool"]'
drift "a persistent pool without its start-up" 'r["pool"]["mode"] = "persistent"'
drift "params without the seed" 'del r["params"]["seed"]'
drift "prime params without the limit" 'del r["params"]["limit"]'
drift "an unknown limits mechanism" 'r["limits"]["mechanism"] = "cgroup"'
drift "host limits without cpuset" 'del d["host"]["limits"]["cpuset"]'
drift "no tool" 'del d["tool"]'
drift "another schema" 'd["schema"] = "parbench.report/2"'
drift "a created time without its zone" 'd["created"] = d["created"][:-1]'
drift "an unknown top-level key" 'd["comment"] = "x"'
drift "no runs and no metg" 'd["runs"] = []'
drift "runs in a metg report" 'd["metg"] = []'
drift "a cell outside a matrix report" 'r["cell"] = {"index": 0, "experiment": "", "key": "k"}'
drift "an ok metg entry without points" \
    'd["runs"] = []; d["metg"] = [{"runner": "fork", "workers": 2, "label": "fork", "params": {}, "limits": {"cpus": None, "memory_bytes": None, "mechanism": "none"}, "sweep": {"start_s": 1, "floor_s": 0, "stop_efficiency": 0.1, "work_s": 1, "repeat": 1, "warmup": 0}, "iter_s": None, "baseline": {"runner": "fork", "workers": 1, "tasks": 1, "spin_iters": 1, "repeat": 3, "wall_s": None}, "points": [], "metg50_s": None, "metg50_note": None, "status": "ok", "error": None}]'

# The collection rule: parbench's report is taken; a report a test wrote
# with json.dump, one cut short, and a copy of a checked-in file are not.
mkdir -p "$TMPD/col/in/sub" "$TMPD/col/out"
cp "$R" "$TMPD/col/in/sub/theirs.json"
python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), indent="\t")' \
    "$R" "$TMPD/col/in/dumped.json"
head -c 700 "$R" >"$TMPD/col/in/cut.json"
cp "$ROOT/tests/fuzz/corpus/report/real-run-prime.json" "$TMPD/col/in/"
ok "collect runs" python3 "$V" collect "$TMPD/col/in" "$TMPD/col/out" t
eq "collect: parbench's report only" "t--sub__theirs.json" "$(ls "$TMPD/col/out")"
rm -rf "$TMPD/col"
