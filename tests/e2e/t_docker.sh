#!/usr/bin/env bash
# The Docker set-up without a Docker engine: the compose file is valid and
# says what the reference experiment needs (docker-compose config), and the
# containers' entry scripts work when run natively (the head's with a host
# file of localhost, the pools' on this machine) and write valid reports.
. "$(dirname "$0")/lib.sh"
D="$ROOT/docker"

for s in "$D"/*.sh; do
    ok "sh -n $(basename "$s")" sh -n "$s"
done
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
