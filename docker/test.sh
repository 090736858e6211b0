#!/usr/bin/env bash
# docker/test.sh (make docker-test): docker-bench at SCALE=smoke in a real
# Docker engine, then what must hold:
#   - every container that ran reports, in host.limits, the CPU and memory
#     limits docker/compose.yaml starts it with; each one skipped for want
#     of CPUs or memory has its note in the gathered report;
#   - the MPI runs' task records name at least two container hosts (both
#     workers in the 2-worker run) and give the checksum of a native run;
#   - a run started with --memory 1GB inside a container limited to 256 MB
#     is recorded as "oom" and the matrix's next run goes on and is "ok";
#   - no container, network or volume is left afterwards.
# With no engine answering, as root, one is started and stopped again at
# the end (scripts/docker-engine.sh); KEEP_ENGINE=1 keeps it.
set -uo pipefail
cd "$(dirname "$0")/.."
LIB_NAME=docker-test
. docker/lib.sh
PB=${PB:-build/parbench}
[ -x "$PB" ] || ddie "no $PB: make build/parbench first (make docker-test does)" 2

T0=$SECONDS
engine_ensure
compose_find
builder_pick
tmp=$(mktemp -d /tmp/parbench-docker-test.XXXXXX)
chmod a+rx "$tmp"
trap 'engine_release; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fails=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1${2:+: $2}"; fails=$((fails + 1)); }
check() { # NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

leftovers() {
    { docker ps -aq; docker network ls -q; docker volume ls -q; } 2>/dev/null | sort
}
leftovers >"$tmp/before"

# The bench, smoke scale, on the engine found or started above.
t0=$SECONDS
SCALE=smoke RESULTS=$tmp KEEP_ENGINE=1 bash docker/bench.sh 2>&1 | tee "$tmp/bench.log"
rc=${PIPESTATUS[0]}
dsay "time: docker-bench smoke $((SECONDS - t0))s (image build: $(grep -o 'image build [0-9]*s' "$tmp/bench.log" | tail -n 1))"
check "make docker-bench SCALE=smoke exits 0" 0 "$rc"
dir=$(ls -d "$tmp"/docker-*-smoke 2>/dev/null | head -n 1)
[ -n "$dir" ] && [ -f "$dir/report.json" ] || { fail "a gathered report"; exit 1; }

# What each container should have seen: its limits, or a note saying why
# it was skipped.
expect=$tmp/expect
: >"$expect"
for s in head worker1 worker2 pool2 pool4; do
    why=$(too_big "$s")
    printf '%s %s %s\n' "$(compose_limits | awk -v s="$s" '$1 == s')" "${why:+skip}" "" >>"$expect"
done

# A native run of the same work: the checksum every runner, every host
# must give.
"$PB" run --quiet --repeat 1 --warmup 0 --workload image --size 4MB --tasks 10 \
    --runner single --output "$tmp/native.json" >/dev/null
python3 - "$dir" "$expect" "$tmp/native.json" >"$tmp/checks" <<'PY'
import glob, json, os, sys
d, expect, native = sys.argv[1:4]
ref = json.load(open(native))["runs"][0]["result"]["checksum"]
rep = json.load(open(os.path.join(d, "report.json")))
notes = rep["docker"]["skipped"]
def say(name, good, why=""):
    print(("PASS" if good else "FAIL") + "\t" + name + ("\t" + why if not good and why else ""))
for line in open(expect):
    f = line.split()
    name, cpus, mem, skipped = f[0], float(f[1]), int(f[2]), len(f) > 3
    info = os.path.join(d, "raw", "info-%s.json" % name)
    if skipped:
        say("%s: skipped with a note, and did not run" % name,
            any(name in n for n in notes) and not os.path.exists(info), str(notes))
        continue
    if not os.path.exists(info):
        say("%s: ran (info-%s.json)" % (name, name), False, "missing")
        continue
    lim = json.load(open(info))["limits"]
    say("%s: host.limits is %g CPUs, %d bytes, as started" % (name, cpus, mem),
        lim.get("cpus") == cpus and lim.get("memory_bytes") == mem, json.dumps(lim))
    seen = [json.load(open(r)).get("host") or {} for r in glob.glob(os.path.join(d, "raw", "*.json"))
            if not os.path.basename(r).startswith("info-")]
    seen = [h["limits"] for h in seen if h.get("hostname") == name]
    if seen:
        say("%s: its %d report(s) say the same in host.limits" % (name, len(seen)),
            all(l.get("cpus") == cpus and l.get("memory_bytes") == mem for l in seen))
runs = rep["runs"]
say("every gathered run is ok", all(r["status"] == "ok" for r in runs),
    str([(r["host"]["hostname"], r["runner"], r["status"]) for r in runs if r["status"] != "ok"]))
say("every gathered run has the checksum of a native single run (%s)" % ref,
    all(r["result"]["checksum"] == ref for r in runs))
say("every gathered run carries its container's host", all("hostname" in r.get("host", {}) for r in runs))
mpi = [r for r in runs if r["runner"] == "mpi"]
if not any(n.startswith("skipped the MPI cluster") for n in notes):
    say("MPI runs: 1 and 2 workers", sorted(r["workers"] for r in mpi) == [1, 2],
        str([r["workers"] for r in mpi]))
    for r in mpi:
        hosts = {t.get("host") for rep_ in r["repetitions"] for t in rep_["tasks"]} - {None}
        say("MPI, %d worker(s): task hosts %s" % (r["workers"], sorted(hosts)),
            (hosts >= {"worker1", "worker2"} if r["workers"] == 2 else len(hosts) >= 1))
    say("MPI: the 2-worker run's tasks name at least two container hosts",
        any(len({t.get("host") for x in r["repetitions"] for t in x["tasks"]} - {None}) >= 2
            for r in mpi))
say("charts drawn", len(glob.glob(os.path.join(d, "charts", "*.png"))) > 0)
say("table written", os.path.exists(os.path.join(d, "report.md")))
PY
while IFS=$'\t' read -r st name why; do
    if [ "$st" = PASS ]; then pass "$name"; else fail "$name" "$why"; fi
done <"$tmp/checks"
[ -s "$tmp/checks" ] || fail "the report checks ran"

# A container limited to 256 MB; inside it, a matrix whose first run asks
# for --memory 1GB and needs about 600 MB (--force: parbench would refuse
# it, seeing the container's limit), then a small one.
mkdir -p "$tmp/oom"
chmod a+rwx "$tmp/oom"
cat >"$tmp/oom/m.json" <<'J'
{"defaults": {"repeat": 1, "warmup": 0, "workload": "image", "runner": "single",
              "tasks": 4, "memory": "1GB", "force": 1},
 "grid": {"size": ["300MB", "4MB"]}}
J
docker run --rm --init --memory 256m --memory-swap 256m -v "$tmp/oom:/results" parbench:latest \
    parbench matrix /results/m.json --output /results/out.json --quiet >"$tmp/oom.log" 2>&1
check "OOM in a 256 MB container: the matrix exits 1 (a run failed)" 1 "$?"
if [ -f "$tmp/oom/out.json" ]; then
    check "OOM: the first run is oom, the next one ok" "oom ok" \
        "$(python3 -c 'import json,sys; print(" ".join(r["status"] for r in json.load(open(sys.argv[1]))["runs"]))' "$tmp/oom/out.json")"
    check "OOM: the error names the container's cgroup" True \
        "$(python3 -c 'import json,sys; print("cgroup parbench runs in" in json.load(open(sys.argv[1]))["runs"][0]["error"])' "$tmp/oom/out.json")"
else
    fail "OOM: a report" "$(tail -c 400 "$tmp/oom.log")"
fi

leftovers >"$tmp/after"
check "no container, network or volume left" "" "$(comm -13 "$tmp/before" "$tmp/after" | tr '\n' ' ')"

dsay "time: docker-test $((SECONDS - T0))s"
if [ "$fails" -gt 0 ]; then
    dsay "$fails check(s) failed; the bench's output: $tmp/bench.log (kept)"
    trap 'engine_release' EXIT
    exit 1
fi
dsay "all checks passed"
