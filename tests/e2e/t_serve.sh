#!/usr/bin/env bash
# `parbench serve`, the url workload's loopback HTTP server: deterministic
# bodies, /status/NNN, many slow requests at once, clean stop on SIGTERM and
# SIGINT, one-line errors for bad options.
. "$(dirname "$0")/lib.sh"

SERVERS=()
trap '{ for p in "${SERVERS[@]}"; do kill -KILL "$p"; done; wait; } 2>/dev/null; tmpd_cleanup' EXIT

# start_server NAME ARGS...: start `parbench serve --port 0 ARGS` in the
# background; sets SPID and PORT (empty PORT when it did not come up).
start_server() {
    local name=$1; shift
    "$PB" serve --port 0 "$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
    SPID=$!
    SERVERS+=("$SPID")
    PORT=
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$TMPD/$name.out" 2>/dev/null)
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    return 1
}

# fetch URL...: for each URL, "status length md5" on one line; no proxy.
fetch() {
    python3 - "$@" <<'EOF'
import hashlib, sys, urllib.error, urllib.request
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for u in sys.argv[1:]:
    try:
        with op.open(u, timeout=20) as f:
            b = f.read(); st = f.status
    except urllib.error.HTTPError as e:
        b = e.read(); st = e.code
    print(st, len(b), hashlib.md5(b).hexdigest())
EOF
}

# wait_gone PID: wait up to 5 s for our child PID to exit; sets GONE to its
# exit code, or "running".  (Not in $(...): a subshell cannot wait.)
wait_gone() {
    for _ in $(seq 100); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$1" 2>/dev/null; then GONE=running; else wait "$1"; GONE=$?; fi
}
stop_server() { kill -TERM "$SPID"; wait_gone "$SPID"; }

start_server a --latency 20ms --body 10KiB --seed 5
ok "serve --port 0 prints 'listening on 127.0.0.1:PORT'" test -n "$PORT"
B="http://127.0.0.1:$PORT"
read -r st len sum1 <<<"$(fetch "$B/item/0")"
eq "ordinary path: status 200" 200 "$st"
eq "ordinary path: --body bytes" 10240 "$len"
read -r _ _ sum2 <<<"$(fetch "$B/item/0")"
eq "same path, same body" "$sum1" "$sum2"
read -r _ _ sum3 <<<"$(fetch "$B/item/1")"
[ "$sum3" != "$sum1" ] && _record PASS "another path, another body" \
    || _record FAIL "another path, another body" "both $sum1"
read -r st _ _ <<<"$(fetch "$B/status/404")"
eq "/status/404 answers 404" 404 "$st"
read -r st _ _ <<<"$(fetch "$B/status/503")"
eq "/status/503 answers 503" 503 "$st"
read -r st _ _ <<<"$(fetch "$B/status/abc")"
eq "/status/abc is a bad request" 400 "$st"
st=$(python3 -c 'import sys,urllib.request as u
op=u.build_opener(u.ProxyHandler({}))
try: op.open(u.Request(sys.argv[1], data=b"x", method="POST"), timeout=10); print(200)
except u.HTTPError as e: print(e.code)' "$B/item/0")
eq "POST is refused with 405" 405 "$st"

# A second server with the same seed serves the same bytes; another seed
# does not.
start_server b --latency 0 --body 10KiB --seed 5
read -r _ _ sumb <<<"$(fetch "http://127.0.0.1:$PORT/item/0")"
eq "same seed on another server: same body" "$sum1" "$sumb"
stop_server
start_server c --latency 0 --body 10KiB --seed 6
read -r _ _ sumc <<<"$(fetch "http://127.0.0.1:$PORT/item/0")"
[ "$sumc" != "$sum1" ] && _record PASS "another seed, another body" \
    || _record FAIL "another seed, another body" "both $sum1"
stop_server

# Slow requests must not queue behind one another: 64 requests at once with
# 300 ms latency take ~0.3 s if the server overlaps them and 19 s if it
# serialises them.  The bound (3 s) only tells those two apart.
start_server slow --latency 300ms --body 1KiB
max=$(python3 - "http://127.0.0.1:$PORT" <<'EOF'
import sys, threading, time, urllib.request
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
took = []
def get(i):
    t = time.monotonic()
    op.open(f"{sys.argv[1]}/p/{i}", timeout=60).read()
    took.append(time.monotonic() - t)
ts = [threading.Thread(target=get, args=(i,)) for i in range(64)]
[t.start() for t in ts]; [t.join() for t in ts]
print(f"{max(took):.3f}" if len(took) == 64 else "missing")
EOF
)
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 3.0 else 1)' "$max" 2>/dev/null \
    && _record PASS "64 concurrent requests at 300 ms overlap (slowest ${max}s)" \
    || _record FAIL "64 concurrent requests at 300 ms overlap" "slowest: $max s"
stop_server

# SIGTERM and SIGINT stop it cleanly (exit 0), even with requests waiting
# out a long latency (suspended connections must not block the stop).
for sig in TERM INT; do
    start_server "sig$sig" --latency 10s
    python3 -c 'import sys,urllib.request as u
try: u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=30).read()
except Exception: pass' "http://127.0.0.1:$PORT/wait" &
    client=$!
    sleep 0.3
    kill -"$sig" "$SPID"
    wait_gone "$SPID"
    eq "SIG$sig with a request pending: exits 0 promptly" 0 "$GONE"
    kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
done

# Bad options: exit 2, one line "parbench: serve: ...".
bad() { # name args...
    local name=$1; shift
    "$PB" serve "$@" >"$TMPD/bad.out" 2>"$TMPD/bad.err" &
    local pid=$!
    SERVERS+=("$pid")
    wait_gone "$pid"
    eq "$name: exit 2" 2 "$GONE"
    eq "$name: one line" 1 "$(wc -l <"$TMPD/bad.err")"
    eq "$name: says 'parbench: serve:'" "parbench: serve:" "$(head -c 16 "$TMPD/bad.err")"
}
bad "--latency -1ms" --port 0 --latency -1ms
bad "--body 0" --port 0 --body 0
bad "--body 2GiB" --port 0 --body 2GiB
bad "--port 70000" --port 70000
bad "--bind not-an-address" --port 0 --bind not-an-address
bad "unknown option" --port 0 --frobnicate 1
bad "stray argument" --port 0 extra
bad "--port without value" --port

# A port in use: a one-line error, exit 1 (not bad usage).
start_server busy --latency 0
"$PB" serve --port "$PORT" >/dev/null 2>"$TMPD/busy2.err" &
p2=$!
SERVERS+=("$p2")
wait_gone "$p2"
eq "port in use: exit 1" 1 "$GONE"
ok "port in use: says so" grep -q "cannot listen on 127.0.0.1:$PORT: Address already in use" "$TMPD/busy2.err"
stop_server

ok "serve --help" "$PB" serve --help
