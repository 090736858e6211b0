#!/usr/bin/env bash
# The Docker set-up without a Docker engine: the compose file is valid and
# says what the reference experiment needs (docker-compose config), the
# containers' entry scripts work when run natively (the head's with a host
# file of localhost, the pools' on this machine) and write valid reports,
# and docker/gather.py makes one readable report of them.  `make
# docker-test` (docker/test.sh) is the same in a real engine.
. "$(dirname "$0")/lib.sh"
D="$ROOT/docker"

for s in "$D"/*.sh "$ROOT/scripts/docker-engine.sh"; do
    # The containers' entry scripts are POSIX sh; the host side is bash.
    case $(head -n 1 "$s") in *bash* | "# docker/lib.sh"*) sh=bash ;; *) sh=sh ;; esac
    ok "$sh -n $(basename "$s")" "$sh" -n "$s"
done
ok "python3 compiles docker/gather.py" python3 -m py_compile "$D/gather.py"
expect_exit 2 "docker-engine.sh without a command: usage, exit 2" bash "$ROOT/scripts/docker-engine.sh"
expect_exit 2 "docker-bench: an unknown SCALE is refused" env SCALE=huge bash "$D/bench.sh"
eq "Dockerfile: Debian bookworm-slim, deps.sh, unprivileged user" 3 \
   "$(grep -cE '^FROM debian:bookworm-slim|scripts/deps.sh /tmp|^USER bench' "$D/Dockerfile")"

if ! command -v docker-compose >/dev/null; then
    skip "docker-compose config" "docker-compose is not installed (scripts/deps.sh --test)"
else
    ok "docker-compose config" docker-compose -f "$D/compose.yaml" config -q
    docker-compose -f "$D/compose.yaml" config >"$TMPD/compose.yml" 2>/dev/null
    if python3 -c 'import yaml' 2>/dev/null; then
        want='{"head": (1, "4g"), "worker1": (1, "1g"), "worker2": (1, "1g"), "pool2": (2, "6g"), "pool4": (4, "6g")}'
        eq "compose: services with the reference CPU and memory limits" True \
           "$(python3 -c 'import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))["services"]
want = '"$want"'
print(all(float(s[k]["cpus"]) == c and str(s[k]["mem_limit"]).lower() == m for k, (c, m) in want.items()))' "$TMPD/compose.yml")"
        eq "compose: workers serve ssh, head runs head.sh, pools pool.sh" True \
           "$(python3 -c 'import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))["services"]
cmd = lambda k: " ".join(s[k]["command"])
print(all(x in cmd(k) for k, x in [("worker1", "worker.sh"), ("worker2", "worker.sh"),
      ("head", "head.sh"), ("pool2", "pool.sh"), ("pool4", "pool.sh")])
      and set(s["head"]["depends_on"]) == {"worker1", "worker2"})' "$TMPD/compose.yml")"
    else
        skip "compose contents" "python3-yaml is not installed"
    fi
    # docker/lib.sh reads the limits back from `compose config` (for the
    # skips and docker-test's checks) and skips what the host cannot give.
    limits=$(cd "$ROOT" && bash -c '. docker/lib.sh; DC=(docker-compose); compose_limits' | sort | tr '\n' ' ')
    eq "lib.sh: limits from compose config" \
       "head 1 4294967296 pool2 2 6442450944 pool4 4 6442450944 worker1 1 1073741824 worker2 1 1073741824 " "$limits"
    fit() { (cd "$ROOT" && ENGINE_CPUS=$1 ENGINE_MEM=$2 bash -c '. docker/lib.sh; DC=(docker-compose); too_big '"$3"); }
    eq "lib.sh: pool4 on 2 CPUs: skipped, says why" "needs 4 CPUs, the Docker host has 2" "$(fit 2 $((16 << 30)) pool4)"
    eq "lib.sh: pool2 on 5.5 GiB: skipped, says why" "needs 6.0 GiB of memory, the Docker host has 5.5 GiB" \
       "$(fit 8 $((11 << 29)) pool2)"
    eq "lib.sh: pool4 on 4 CPUs and 8 GiB: runs" "" "$(fit 4 $((8 << 30)) pool4)"
fi

# The head's entry script, natively, with every rank on this host.
printf 'localhost:8\n' >"$TMPD/hosts"
small=(SIZE=3MB REPEAT=1 WARMUP=0 TASKS=5)
ok "head.sh natively (hostfile localhost)" env "${small[@]}" WORKERS="1 2" HOSTFILE="$TMPD/hosts" \
   RESULTS="$TMPD/head" PB="$PB" sh "$D/head.sh"
"$PB" run --quiet --repeat 1 --warmup 0 --workload image --size 3MB --tasks 5 \
    --runner single --output "$TMPD/single.json"
ref=$(jq_py "$TMPD/single.json" 'r["runs"][0]["result"]["checksum"]')
eq "head.sh: four reports (1 and 2 workers, copy and local)" 4 "$(ls "$TMPD/head"/mpi-*.json 2>/dev/null | wc -l)"
for f in "$TMPD/head"/mpi-*.json; do
    [ -e "$f" ] || continue
    eq "head.sh: $(basename "$f") ok, mpi, checksum as single" "ok mpi $ref" \
       "$(jq_py "$f" '" ".join((r["runs"][0]["status"], r["runs"][0]["runner"], r["runs"][0]["result"]["checksum"]))')"
done

# A pool container's entry script, natively.
ok "pool.sh natively" env "${small[@]}" RUNNERS=fork RESULTS="$TMPD/pool" PB="$PB" sh "$D/pool.sh"
eq "pool.sh: reports ok with the single runner's checksum" True \
   "$(python3 -c 'import glob, json, sys
rs = [json.load(open(f))["runs"][0] for f in glob.glob(sys.argv[1] + "/pool-*cpu-fork-*.json")]
print(len(rs) >= 1 and all(r["status"] == "ok" and r["result"]["checksum"] == sys.argv[2] for r in rs))' \
   "$TMPD/pool" "$ref")"

eq "head.sh and pool.sh write parbench info as info-<hostname>.json" "$(hostname) $(hostname)" \
   "$(jq_py "$TMPD/head/info-$(hostname).json" 'r["hostname"]') $(jq_py "$TMPD/pool/info-$(hostname).json" 'r["hostname"]')"

# The gathering of docker-bench, over these reports: one report that
# parbench reads, every run with its host, and the container's limits where
# the run set none.
mkdir -p "$TMPD/g/raw"
cp "$TMPD"/head/*.json "$TMPD"/pool/pool-*.json "$TMPD/g/raw/"
echo "skipped pool4: needs 4 CPUs, the Docker host has 2" >"$TMPD/g/skipped.txt"
n=$(ls "$TMPD"/head/mpi-*.json "$TMPD"/pool/pool-*.json | wc -l)
eq "gather.py: every run gathered" "$n" "$(PB="$PB" python3 "$D/gather.py" "$TMPD/g")"
eq "gather.py: runs carry their host, limits from it, the skip note" True "$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(all(x["host"]["hostname"] and x["limits"]["mechanism"] == "container" and
          x["limits"]["cpus"] == x["host"]["limits"]["cpus"] for x in r["runs"])
      and r["docker"]["skipped"] == ["skipped pool4: needs 4 CPUs, the Docker host has 2"]
      and r["host"]["hostname"] and len(r["docker"]["reports"]) == len(r["runs"]))' "$TMPD/g/report.json")"
ok "gather.py: parbench export reads the gathered report" "$PB" export "$TMPD/g/report.json" --format csv
if command -v gnuplot >/dev/null; then
    ok "gather.py: parbench plot draws it" "$PB" plot "$TMPD/g/report.json" --out "$TMPD/g/charts"
else
    skip "gather.py: parbench plot" "gnuplot is not installed"
fi
py=python3
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null && py=/usr/bin/python3
ok "gather.py: the gathered report follows the report schema" \
   "$py" "$ROOT/tests/e2e/validate_reports.py" schema "$ROOT/bench/report/report.schema.json" "$TMPD/g/report.json"

# A worker's entry script: clear failure without sshd; config check with it.
expect_exit 2 "worker.sh without sshd says so" env SSHD=/nonexistent sh "$D/worker.sh"
if [ -x /usr/sbin/sshd ]; then
    ssh-keygen -q -t ed25519 -N '' -f "$TMPD/hostkey"
    printf '%s\n' "Port 2222" "HostKey $TMPD/hostkey" "PidFile $TMPD/sshd.pid" "UsePAM no" \
        >"$TMPD/sshd_config"
    ok "worker.sh --check accepts the image's kind of sshd config" \
       env SSHD_CONFIG="$TMPD/sshd_config" sh "$D/worker.sh" --check
else
    skip "worker.sh --check" "openssh-server is not installed here (it is in the image)"
fi
