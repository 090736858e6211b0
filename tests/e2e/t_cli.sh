#!/usr/bin/env bash
# Bad input: one line on stderr naming the problem, exit code 2, and no
# report file created or overwritten.
. "$(dirname "$0")/lib.sh"

out="$TMPD/r.json"
bad() { # name args...: exit 2, one-line message, $out not created
    local name=$1; shift
    rm -f "$out"
    local err rc
    err=$("$PB" "$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != 2 ]; then _record FAIL "$name" "exit $rc, wanted 2 ($err)"; return; fi
    if [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] || [ "${err#parbench: }" = "$err" ]; then
        _record FAIL "$name" "message is not one 'parbench: ...' line: $err"; return; fi
    if [ -e "$out" ]; then _record FAIL "$name" "report file was created"; return; fi
    _record PASS "$name"
}
R=(run --quiet --repeat 1 --warmup 0 --output "$out")

bad "no command" 
bad "unknown command" frobnicate
bad "unknown option" "${R[@]}" --frob 3
bad "unknown runner" "${R[@]}" --runner gpu
bad "unknown workload" "${R[@]}" --workload sort
bad "missing value" "${R[@]}" --tasks
bad "tasks zero" "${R[@]}" --tasks 0
bad "tasks negative" "${R[@]}" --tasks -3
bad "tasks not a number" "${R[@]}" --tasks ten
bad "workers zero" "${R[@]}" --runner pthreads --workers 0
bad "workers negative" "${R[@]}" --runner fork --workers -1
bad "size zero" "${R[@]}" --size 0
bad "size unknown unit" "${R[@]}" --size 12XB
bad "size negative" "${R[@]}" --size -5MB
bad "size exponent" "${R[@]}" --size 1e999
bad "size too small for tasks" "${R[@]}" --size 10B --tasks 8
bad "complexity zero" "${R[@]}" --complexity 0
bad "bad blur mode" "${R[@]}" --blur gaussian
bad "bad transfer for pthreads" "${R[@]}" --runner pthreads --transfer copy
bad "bad schedule" "${R[@]}" --schedule random
bad "single with 2 workers" "${R[@]}" --runner single --workers 2
bad "repeat zero" "${R[@]}" --repeat 0
bad "stray argument" "${R[@]}" extra
bad "flag with value" "${R[@]}" --quiet=1
bad "dump with prime" "${R[@]}" --workload prime --dump "$TMPD/d"
bad "spin zero duration" "${R[@]}" --workload spin --duration 0ms
mkdir -p "$TMPD/adir"
rm -f "$out"
err=$("$PB" run --quiet --output "$TMPD/adir" --size 30KB 2>&1); rc=$?
eq "directory as --output: exit 2" 2 "$rc"
case $err in *"is a directory"*) _record PASS "directory as --output: says so";;
     *) _record FAIL "directory as --output: says so" "$err";; esac
bad "output in a missing directory" run --quiet --output "$TMPD/nope/r.json"
if [ "$(id -u)" = 0 ]; then
    # root writes anywhere; use a path under a read-only file system instead
    bad "unwritable output path" run --quiet --output /proc/parbench-report.json
else
    mkdir -p "$TMPD/ro"; chmod 555 "$TMPD/ro"
    bad "unwritable output path" run --quiet --output "$TMPD/ro/r.json"
fi

# An existing report is not overwritten by a bad invocation.
echo '{"keep": true}' >"$TMPD/keep.json"
"$PB" run --quiet --output "$TMPD/keep.json" --tasks 0 2>/dev/null
eq "bad input leaves an existing report untouched" '{"keep": true}' "$(cat "$TMPD/keep.json")"

# Good input works, and the happy paths of the other commands.
ok "help" "$PB" --help
ok "run --help" "$PB" run --help
ok "list" "$PB" list
eq "list names every runner" 3 "$("$PB" list | grep -cE '^  (single|pthreads|fork) ')"
ok "info is JSON with topology" python3 -c 'import json,sys; h=json.load(sys.stdin); assert h["topology"]["pus"]>=1' < <("$PB" info)
ok "report to stdout is JSON" python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["runs"][0]["status"]=="ok"' \
    < <("$PB" run --quiet --repeat 1 --warmup 0 --workload prime --limit 1000)
ok "report written atomically (no temp files left)" test -z "$(ls "$TMPD" | grep '\.tmp\.')"
