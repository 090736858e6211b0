#!/usr/bin/env bash
# The url workload and the async runner against a real loopback server:
# every runner fetches the same bytes; failed requests are recorded per task
# (status partial, exit 1); bad input is refused before anything is
# written; the embedded server never outlives a run, interrupted or not.
. "$(dirname "$0")/lib.sh"

# A seed no other test uses, so pgrep finds only this script's processes.
SEED=$(( ($$ % 10000) * 1000 + 17 ))
# Our processes' command lines start with the binary's path (the server's
# is /proc/self/exe resolved), so match on its name: PB may be a copy.
PBN=$(basename "$(readlink -f "$PB")")
SERVERS=()
# At exit: our own server, and anything a failed check left behind (found
# by this script's seeds only), so nothing outlives the test.
trap '{ for p in "${SERVERS[@]}" $(pgrep -f -- "$PBN (serve|run) .*--seed ($SEED|$((SEED + 1)))( |\$)");
        do kill -KILL "$p"; done; wait; } 2>/dev/null; tmpd_cleanup' EXIT

run() { # name args...: run quietly into $TMPD/name.json
    local name=$1; shift
    "$PB" run --workload url --quiet --repeat 2 --warmup 0 --output "$TMPD/$name.json" "$@"
}
field() { jq_py "$TMPD/$1.json" "r['runs'][0]$2"; }
tasks_of() { jq_py "$TMPD/$1.json" "r['runs'][0]['repetitions'][0]['tasks']$2"; }

# Processes of this script's seed still alive, other than the server this
# script started itself: embedded servers end with "--seed S", run commands
# (and forked workers) carry "--seed S ".
leftovers() {
    pgrep -f -- "$PBN (serve|run) .*--seed $1( |\$)" | grep -vxF -f <(printf '%s\n' "${SERVERS[@]}") | wc -l
}

# wait_gone PID: wait up to 10 s for our child to exit; GONE = its status.
wait_gone() {
    for _ in $(seq 200); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$1" 2>/dev/null; then GONE=running; else wait "$1"; GONE=$?; fi
}

# A free port nobody listens on: bind one, note it, close it.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---- against a separately started server ----------------------------------
"$PB" serve --port 0 --latency 20ms --body 16KiB --seed "$SEED" >"$TMPD/srv.out" &
SERVERS+=("$!")
PORT=
for _ in $(seq 100); do
    PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMPD/srv.out" 2>/dev/null)
    [ -n "$PORT" ] && break
    sleep 0.05
done
ok "server for the url tests is up" test -n "$PORT"
B="http://127.0.0.1:$PORT"
{
    echo "# 16 URLs, the paths the embedded server would use"
    echo
    for i in $(seq 0 15); do echo "  $B/item/$i  "; done
} >"$TMPD/urls16.txt"

base=
for cfg in "single 1 shared" "pthreads 4 shared" "fork 4 shared" "fork 4 copy" "async 4 shared" "async 16 shared"; do
    set -- $cfg
    name="u-$1-$2-$3"
    extra=(); [ "$1" = fork ] && extra=(--transfer "$3")
    ok "$1 workers=$2 $3: 16 URLs fetched" run "$name" --urls "$TMPD/urls16.txt" --runner "$1" --workers "$2" "${extra[@]}"
    eq "$1 workers=$2 $3: status ok" ok "$(field "$name" '["status"]')"
    eq "$1 workers=$2 $3: tasks = URLs" 16 "$(field "$name" '["tasks"]')"
    eq "$1 workers=$2 $3: total bytes" 262144 "$(field "$name" '["result"]["value"]')"
    eq "$1 workers=$2 $3: every task 200 with 16 KiB" True \
        "$(tasks_of "$name" '' | python3 -c 'import ast,sys; t=ast.literal_eval(sys.stdin.read()); print(all(x["http_status"]==200 and x["bytes"]==16384 and x["ttfb_s"]>0 and x["latency_s"]>=x["ttfb_s"] for x in t))')"
    sum=$(field "$name" '["result"]["checksum"]')
    [ -z "$base" ] && base=$sum
    eq "$1 workers=$2 $3: same checksum as single" "$base" "$sum"
done
eq "async 16: 16 slots in use" 16 "$(tasks_of u-async-16-shared '' | python3 -c 'import ast,sys; print(len({x["worker"] for x in ast.literal_eval(sys.stdin.read())}))')"
ok "--tasks equal to the number of URLs is fine" run u-tasks16 --urls "$TMPD/urls16.txt" --tasks 16

# ---- the embedded server ---------------------------------------------------
# Bodies are a function of (seed, path): the embedded server with the same
# seed and body size gives the same checksum as the file above.
for r in "single 1" "async 16"; do
    set -- $r
    ok "embedded $1: runs" run "emb-$1" --tasks 16 --latency 20ms --body 16KiB --seed "$SEED" --runner "$1" --workers "$2"
    eq "embedded $1: same checksum as the URL file" "$base" "$(field "emb-$1" '["result"]["checksum"]')"
done
eq "params: urls source" embedded "$(field emb-single '["params"]["urls"]')"
eq "params: latency" 0.02 "$(field emb-single '["params"]["latency_s"]')"
eq "params: body" 16384 "$(field emb-single '["params"]["body_bytes"]')"
eq "params: jitter" 0 "$(field emb-single '["params"]["jitter_s"]')"
eq "params: timeout (default 10s)" 10 "$(field emb-single '["params"]["timeout_s"]')"
eq "params: a URL file is named" "$TMPD/urls16.txt" "$(field u-single-1-shared '["params"]["urls"]')"
eq "params: no server settings with a URL file" None "$(field u-single-1-shared '["params"]["latency_s"]')"
ok "embedded with jitter" run emb-jit --tasks 4 --latency 10ms --jitter 5ms --timeout 3s --seed "$SEED"
eq "params: jitter recorded" 0.005 "$(field emb-jit '["params"]["jitter_s"]')"
eq "params: timeout recorded" 3 "$(field emb-jit '["params"]["timeout_s"]')"
eq "no server left after successful runs" 0 "$(leftovers "$SEED")"

# ---- failed requests: recorded per task, status partial, exit 1 ------------
refused=$(free_port)
printf '%s\n' "$B/item/0" "$B/status/404" "http://127.0.0.1:$refused/x" "$B/item/1" >"$TMPD/mixed.txt"
for cfg in "single 1" "pthreads 2" "fork 2 --transfer copy" "async 4"; do
    set -- $cfg
    name="mix-$1-$2"
    expect_exit 1 "$1: failed requests exit 1" \
        "$PB" run --workload url --quiet --urls "$TMPD/mixed.txt" --runner "$1" --workers "$2" "${@:3}" \
        --warmup 1 --repeat 2 --output "$TMPD/$name.json"
    eq "$1: status partial" partial "$(field "$name" '["status"]')"
    eq "$1: every repetition reported" 2 "$(field "$name" '["repetitions"].__len__()')"
    eq "$1: 404 is that task's error" "HTTP 404" "$(tasks_of "$name" '[1]["error"]')"
    eq "$1: 404 status recorded" 404 "$(tasks_of "$name" '[1]["http_status"]')"
    eq "$1: refused port is that task's error" True "$(tasks_of "$name" '[2]["error"]' | grep -qi 'connect' && echo True)"
    eq "$1: good tasks have no error" "False False" "$(tasks_of "$name" '[0].__contains__("error")') $(tasks_of "$name" '[3].__contains__("error")')"
    eq "$1: bytes of the good tasks" 32768 "$(field "$name" '["result"]["value"]')"
done
printf '%s\n' "$B/item/0" "http://nonexistent.invalid/" >"$TMPD/dns.txt"
expect_exit 1 "DNS failure exits 1" run dns --urls "$TMPD/dns.txt" --timeout 5s
eq "DNS failure: status partial" partial "$(field dns '["status"]')"
eq "DNS failure: that task's error" True "$(tasks_of dns '[1]["error"]' | grep -qi 'resolve\|timed out' && echo True)"
# A request past --timeout (server latency 3 s, timeout 200 ms).
expect_exit 1 "timeout exits 1" run tmo --tasks 2 --latency 3s --timeout 200ms --seed "$SEED" --runner async --workers 2
# Every measured request timed out: nothing measured succeeded, so the run
# failed (issue 10, item 10), with no result.
eq "timeout: status failed" failed "$(field tmo '["status"]')"
eq "timeout: each task's error" True "$(tasks_of tmo '' | python3 -c 'import ast,sys; t=ast.literal_eval(sys.stdin.read()); print(all("timed out" in x.get("error","") for x in t))')"
expect_exit 1 "timeout with pthreads exits 1" run tmo2 --tasks 2 --latency 3s --timeout 200ms --seed "$SEED" --runner pthreads --workers 2
eq "no server left after failed runs" 0 "$(leftovers "$SEED")"

# ---- interrupted runs leave nothing behind ---------------------------------
for cfg in "INT 130 single" "TERM 143 fork" "INT 130 async"; do
    set -- $cfg
    s=$((SEED + 1))
    w=2; [ "$3" = single ] && w=1
    "$PB" run --workload url --quiet --tasks 100 --latency 200ms --runner "$3" --workers "$w" \
        --seed "$s" --output "$TMPD/int.json" >/dev/null 2>"$TMPD/int.err" &
    pb=$!
    for _ in $(seq 100); do
        pgrep -f -- "$PBN serve .*--seed $s\$" >/dev/null && break
        sleep 0.05
    done
    sleep 0.5 # mid-run
    eq "SIG$1 $3: the server was running" 1 "$(pgrep -f -- "$PBN serve .*--seed $s\$" | wc -l)"
    kill -"$1" "$pb"
    wait_gone "$pb"
    eq "SIG$1 $3: exit $2" "$2" "$GONE"
    sleep 0.2
    eq "SIG$1 $3: no server or worker left" 0 "$(leftovers "$s")"
    eq "SIG$1 $3: no report" no "$([ -e "$TMPD/int.json" ] && echo yes || echo no)"
done

# ---- bad input: exit 2, one line, no report ---------------------------------
bad() { # name args...
    local name=$1; shift
    rm -f "$TMPD/bad.json"
    "$PB" run --workload url --quiet --output "$TMPD/bad.json" "$@" >/dev/null 2>"$TMPD/bad.err"
    eq "$name: exit 2" 2 "$?"
    eq "$name: one line" 1 "$(wc -l <"$TMPD/bad.err")"
    eq "$name: says 'parbench: run:'" "parbench: run:" "$(head -c 14 "$TMPD/bad.err")"
    eq "$name: no report" no "$([ -e "$TMPD/bad.json" ] && echo yes || echo no)"
}
bad "--urls missing file" --urls "$TMPD/nope.txt"
bad "--urls a directory" --urls "$TMPD"
if [ "$(id -u)" != 0 ]; then
    echo "$B/x" >"$TMPD/noread.txt"; chmod 000 "$TMPD/noread.txt"
    bad "--urls unreadable" --urls "$TMPD/noread.txt"
fi
printf '# only a comment\n\n   \n' >"$TMPD/empty.txt"
bad "--urls empty" --urls "$TMPD/empty.txt"
printf '%s\n' "$B/item/0" "not a url" >"$TMPD/m1.txt"
bad "--urls 'not a url'" --urls "$TMPD/m1.txt"
grep -q "line 2" "$TMPD/bad.err" && _record PASS "malformed URL: names its line" \
    || _record FAIL "malformed URL: names its line" "$(cat "$TMPD/bad.err")"
printf 'ftp//x\n' >"$TMPD/m2.txt"
bad "--urls 'ftp//x'" --urls "$TMPD/m2.txt"
printf 'ftp://example.com/x\n' >"$TMPD/m3.txt"
bad "--urls ftp scheme" --urls "$TMPD/m3.txt"
bad "--tasks disagrees with --urls" --urls "$TMPD/urls16.txt" --tasks 5
bad "--latency -1ms" --latency -1ms
bad "--body 0" --body 0
bad "--timeout 0" --timeout 0
bad "--jitter junk" --jitter junk
eq "no server left after bad input" 0 "$(leftovers "$SEED")"

# ---- the async runner is for I/O only ----------------------------------------
for w in prime image spin; do
    "$PB" run --workload "$w" --runner async --output "$TMPD/a.json" >/dev/null 2>"$TMPD/a.err"
    eq "async refuses $w: exit 2" 2 "$?"
    ok "async refuses $w: says why" grep -q "cannot run the $w workload" "$TMPD/a.err"
done
"$PB" list >"$TMPD/list.txt"
ok "list: async runs url only" grep -A1 -E '^  async ' "$TMPD/list.txt" | grep -q "workloads: url$"
ok "list: url is I/O-bound" grep -qE '^  url .*I/O-bound' "$TMPD/list.txt"

# ---- more workers than CPUs (prime, which t_runners covers at 16 and 64) -----
for r in pthreads fork; do
    ok "prime $r 32 workers" "$PB" run --workload prime --limit 1000000 --tasks 32 --runner "$r" \
        --workers 32 --repeat 1 --warmup 0 --quiet --output "$TMPD/p32-$r.json"
    eq "prime $r 32 workers: the sum" 37550402023 "$(jq_py "$TMPD/p32-$r.json" 'int(r["runs"][0]["result"]["value"])')"
done
