#!/usr/bin/env bash
# The exec runner (runners/exec.c) with the real peers under peers/:
# every Python peer on small prime, image and url runs agrees with
# parbench's own results (prime values and url checksums exactly, image
# outputs within tolerance, the agreement figure reported); the bash test
# peer (no Python) runs prime and spin; each misbehaving peer is recorded
# failed with its reason and leaves no process (every process parbench
# starts carries a marker in its environment, looked for in /proc); a
# matrix goes on after a bad peer; --cpus/--memory, --exec, metg and an
# unavailable peer.  Small sizes: about a minute on 2 CPUs, most of it
# Python and Dask start-up.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3 # Debian's, where python3-numpy etc. are installed
MARK="PB_E2E_PEERS=$$-$RANDOM"
export "${MARK%%=*}=${MARK#*=}"

# Processes (not zombies) whose environment holds this script's marker,
# other than this shell and its command substitutions.
leftovers() {
    local n=0 p
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        [ "${p#/proc/}" = "$BASHPID" ] && continue
        grep -qa "$MARK" "$p/environ" 2>/dev/null || continue
        case $(awk '{print $3}' "$p/stat" 2>/dev/null) in Z | "") continue ;; esac
        n=$((n + 1))
    done
    echo "$n"
}

# Python peers: those whose version command works here.
peers=()
for m in "$ROOT"/peers/python-*.peer; do
    name=$(basename "$m" .peer)
    if "$PB" list 2>/dev/null | grep -q "exec:$name .*\[unavailable\]"; then
        skip "exec:$name" "unavailable here: $("$PB" list | grep -A3 "exec:$name " | grep UNAVAILABLE | head -1)"
    else
        peers+=("exec:$name")
    fi
done

# ---- each Python peer on prime, image and url, in one matrix
if [ "${#peers[@]}" -gt 0 ]; then
    runners=$(printf '"%s",' "${peers[@]}")
    # image: not the chunksize-1 variants (the same pipeline; they are on
    # prime, and t_peers_proto.sh runs them on image).
    image_runners=$(printf '"%s",' "${peers[@]}" | tr ',' '\n' |
        grep -v -- '-c1"' | paste -sd, -)
    # url: one peer of each kind of pool (processes, threads, Dask).
    url_runners=$(printf '"%s",' "${peers[@]}" | tr ',' '\n' |
        grep -E 'python-(mp-fork|threads|dask)"' | paste -sd, -)
    cat >"$TMPD/py.json" <<EOF
{"name": "python peers", "defaults": {"repeat": 1, "warmup": 0, "pool": "persistent", "workers": 2},
 "experiments": [
  {"name": "prime", "set": {"workload": "prime", "limit": 30000, "tasks": 6},
   "grid": {"runner": [${runners%,}, "fork"]}},
  {"name": "image", "set": {"workload": "image", "size": "300KB", "tasks": 4},
   "grid": {"runner": [${image_runners:+$image_runners,} "fork"]}},
  {"name": "url", "set": {"workload": "url", "tasks": 6, "latency": "5ms", "body": "8KiB"},
   "grid": {"runner": [${url_runners:+$url_runners,} "async"]}}
 ]}
EOF
    "$PB" matrix "$TMPD/py.json" --output "$TMPD/py.out.json" --quiet \
        2>"$TMPD/py.err"
    eq "python peers: matrix exit status" 0 "$?"
    verdict=$(python3 - "$TMPD/py.out.json" <<'EOF'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
ref = {r["workload"]: r["result"] for r in runs if not r["runner"].startswith("exec")}
bad = []
for r in runs:
    if not r["runner"].startswith("exec"):
        continue
    w = r["workload"]
    if r["status"] != "ok":
        bad.append(f"{r['runner']} {w}: {r['status']}: {r['error']}")
    elif w in ("prime", "url") and r["result"] != ref[w]:
        bad.append(f"{r['runner']} {w}: {r['result']} != parbench's {ref[w]}")
    elif w == "image" and not all(p["agreement"] >= 0.97 for p in r["repetitions"]):
        bad.append(f"{r['runner']} image: agreement {[p.get('agreement') for p in r['repetitions']]}")
    elif not r.get("runner_label", "").startswith("python3"):
        bad.append(f"{r['runner']}: label {r.get('runner_label')!r}")
    elif r["repetitions"][0].get("rss_source") not in ("cgroup v1", "cgroup v2", "sum of per-process peaks"):
        bad.append(f"{r['runner']}: rss_source missing")
    elif not r["pool"]["spawn_s"] > 0 or r["runner_info"]["protocol"] != "parbench.peer/1":
        bad.append(f"{r['runner']}: start-up or runner_info missing")
print("; ".join(bad) or "ok")
EOF
)
    eq "python peers: results equal parbench's (prime, url), image within 97%, labelled" ok "$verdict"
    eq "python peers: no process left" 0 "$(leftovers)"
fi

# ---- the bash peer: the protocol needs no Python
"$PB" run --runner exec:sh-peer --workload prime --limit 20000 --tasks 4 \
    --workers 2 --repeat 2 --warmup 0 --output "$TMPD/sh.json" --quiet
eq "sh-peer prime: exit status" 0 "$?"
"$PB" run --runner single --workload prime --limit 20000 --tasks 4 \
    --repeat 1 --warmup 0 --output "$TMPD/single.json" --quiet
eq "sh-peer prime: checksum = single's" "$(jq_py "$TMPD/single.json" 'r["runs"][0]["result"]')" \
    "$(jq_py "$TMPD/sh.json" 'r["runs"][0]["result"]')"
eq "sh-peer prime: CPU of the peer's tree measured" True \
    "$(jq_py "$TMPD/sh.json" 'all(p["user_s"] + p["sys_s"] > 0.01 for p in r["runs"][0]["repetitions"])')"
"$PB" run --runner exec:sh-peer --workload spin --duration 2ms --tasks 4 \
    --workers 2 --repeat 2 --warmup 0 --output "$TMPD/shspin.json" --quiet
eq "sh-peer spin (pool per repetition): ok" ok "$(jq_py "$TMPD/shspin.json" 'r["runs"][0]["status"]')"

# ---- --exec: any program, every argument after it
(cd "$ROOT/peers/test" && "$PB" run --workload prime --limit 20000 --tasks 4 \
    --repeat 1 --warmup 0 --output "$TMPD/x.json" --quiet --runner exec \
    --exec /bin/bash sh-peer.sh)
eq "--exec /bin/bash sh-peer.sh: ok" "ok exec" \
    "$(jq_py "$TMPD/x.json" 'r["runs"][0]["status"] + " " + r["runs"][0]["runner"]')"
expect_exit 1 "--exec of a missing program: a failed run" "$PB" run \
    --workload prime --tasks 2 --repeat 1 --warmup 0 --output "$TMPD/x2.json" \
    --quiet --runner exec --exec "$TMPD/no-such-program"

# ---- a peer whose results are wrong: a failed run naming the task
cat >"$TMPD/wrong-peer.sh" <<'EOF'
#!/bin/bash
# Speaks the protocol, sums wrongly: every prime value is 1.
read -r setup
n=$(grep -o '"lo"' <<<"$setup" | wc -l)
echo '{"type":"ready","protocol":"parbench.peer/1","pid":'$$',"clock":"relative","workers":[{"worker":0}],"peer":{"label":"wrong sums"}}'
while read -r run; do
    rep=$(sed 's/.*"rep":\([0-9]*\).*/\1/' <<<"$run")
    for ((i = 0; i < n; i++)); do
        echo '{"type":"task","rep":'$rep',"id":'$i',"worker":0,"start":0,"end":0,"status":0,"error":null,"bytes":8,"value":"1"}'
    done
    echo '{"type":"end","rep":'$rep',"start":0,"end":0,"tasks":'$n'}'
done
echo '{"type":"done","stop_s":0}'
EOF
"$PB" run --workload prime --limit 1000 --tasks 3 --workers 1 --repeat 1 \
    --warmup 0 --output "$TMPD/wrong.json" --quiet --runner exec \
    --exec /bin/bash "$TMPD/wrong-peer.sh"
eq "a peer with wrong sums: exit 1" 1 "$?"
case $(jq_py "$TMPD/wrong.json" 'r["runs"][0]["status"] + ": " + r["runs"][0]["error"]') in
"failed: "*"result mismatch: prime task 0: value 1, parbench's "*)
    _record PASS "a peer with wrong sums: failed, naming the task and both values" ;;
*) _record FAIL "a peer with wrong sums: failed, naming the task" \
       "$(jq_py "$TMPD/wrong.json" 'r["runs"][0]["error"]')" ;;
esac

# ---- misbehaving peers: failed, with the reason, nothing left
for bad in exit1 hang badjson signal; do
    "$PB" run --runner exec:bad-$bad --workload prime --limit 10000 --tasks 4 \
        --workers 2 --repeat 1 --warmup 0 --run-timeout 3s \
        --output "$TMPD/bad-$bad.json" --quiet
    rc=$?
    st=$(jq_py "$TMPD/bad-$bad.json" 'r["runs"][0]["status"]')
    err=$(jq_py "$TMPD/bad-$bad.json" 'r["runs"][0]["error"]')
    case $bad in
    exit1) want="exit status 1" ;;
    hang) want="no end line within the time limit" ;;
    badjson) want="not JSON" ;;
    signal) want="killed by signal 9" ;;
    esac
    eq "bad-$bad: exit 1, status failed" "1 failed" "$rc $st"
    case $err in
    *"$want"*) _record PASS "bad-$bad: the reason ($want)" ;;
    *) _record FAIL "bad-$bad: the reason" "error: $err" ;;
    esac
    eq "bad-$bad: no process left" 0 "$(leftovers)"
done
case $(jq_py "$TMPD/bad-hang.json" 'r["runs"][0]["error"]') in
*"stderr: misbehave: hanging"*) _record PASS "bad-hang: its stderr's last lines in the error" ;;
*) _record FAIL "bad-hang: its stderr's last lines in the error" ;;
esac

# ---- a matrix: a bad peer, then a good one, then a built-in runner
cat >"$TMPD/m.json" <<'EOF'
{"name": "bad then good", "defaults": {"repeat": 1, "warmup": 0, "run-timeout": "5s"},
 "experiments": [{"name": "p", "set": {"workload": "prime", "limit": 20000, "tasks": 4, "workers": 2},
   "grid": {"runner": ["exec:bad-exit1", "exec:sh-peer", "fork"]}}]}
EOF
"$PB" matrix "$TMPD/m.json" --output "$TMPD/m.out.json" --quiet
eq "matrix: exit 1 (a run failed)" 1 "$?"
eq "matrix: bad peer failed, the next cells ok" "failed ok ok" \
    "$(jq_py "$TMPD/m.out.json" '" ".join(x["status"] for x in r["runs"])')"

# ---- limits: the peer inside the run's cgroups, its own cgroup inside
"$PB" run --runner exec:sh-peer --workload prime --limit 20000 --tasks 4 \
    --workers 2 --cpus 1 --memory 256MB --repeat 1 --warmup 0 \
    --output "$TMPD/lim.json" --quiet
eq "--cpus 1 --memory 256MB with a peer: ok" ok "$(jq_py "$TMPD/lim.json" 'r["runs"][0]["status"]')"
eq "--cpus 1 --memory 256MB with a peer: limits recorded" "1 256000000" \
    "$(jq_py "$TMPD/lim.json" '"%g %d" % (r["runs"][0]["limits"]["cpus"], r["runs"][0]["limits"]["memory_bytes"])')"

# ---- metg with a peer
"$PB" metg --runner exec:sh-peer --workers 2 --pool persistent --start 8ms \
    --min 4ms --work 20ms --repeat 1 --warmup 0 --output "$TMPD/metg.json" \
    --quiet
eq "metg with a peer: exit status" 0 "$?"

# ---- an unavailable peer: listed with the reason, refused as bad input
mkdir -p "$TMPD/peers"
cat >"$TMPD/peers/gone.peer" <<'EOF'
# a peer whose version command fails, as a Python peer does without its module
{"name": "gone", "help": "a peer that cannot run here", "language": "sh", "command": ["/bin/sh", "-c", "exit 1"], "version": ["/bin/sh", "-c", "echo 'ModuleNotFoundError: No module named gone' >&2; exit 1"], "workloads": ["prime"], "transfers": ["copy"], "default_transfer": "copy", "persistent": true}
EOF
out=$(PARBENCH_PEERS="$TMPD/peers" "$PB" list)
case $out in
*"exec:gone"*"[unavailable]"*"No module named gone"*) _record PASS "list: an unavailable peer with its reason" ;;
*) _record FAIL "list: an unavailable peer with its reason" "$(printf '%s' "$out" | grep -A3 gone)" ;;
esac
PARBENCH_PEERS="$TMPD/peers" expect_exit 2 "run with an unavailable peer: bad input" \
    "$PB" run --runner exec:gone --workload prime --output "$TMPD/gone.json"
ok "run with an unavailable peer: nothing written" test ! -e "$TMPD/gone.json"
eq "no process left at the end" 0 "$(leftovers)"
