#!/usr/bin/env bash
# scripts/docker-engine.sh: a Docker engine and a base image for
# `make docker-bench` / `make docker-test` on a machine that has neither,
# and no registry either (Debian, root).  Shaped by what such machines
# teach (README: Docker):
#
#   up      install what is missing (docker.io, debootstrap, docker-compose),
#           save the host state dockerd touches, switch IPv4 forwarding on
#           (dockerd would otherwise do it and set the FORWARD policy to
#           DROP, cutting traffic between network namespaces on other
#           bridges), start dockerd with its own data root, exec root,
#           socket and pid file, then make the base image (`base`).
#           Idempotent: a second `up` finds it running.
#   down    stop the engine `up` started and put the host back as found:
#           the iptables rules and chains dockerd added, its bridges
#           (docker0, br-*), forwarding and bridge netfilter settings.
#           The cache (images, layers, base tarball) stays.
#   status  which engine answers (this script's or another), exit 0; 1 none
#   env     the DOCKER_HOST line for this script's engine (nothing for
#           another engine): eval "$(scripts/docker-engine.sh env)"
#   base    make the image the Dockerfile's FROM names, if the engine lacks
#           it: `debootstrap --variant=minbase bookworm` from the Debian
#           archive apt is configured with (mirror and proxy read from apt,
#           `apt-get indextargets` and `apt-config`), the same Debian
#           sources and proxy copied into it, `docker import`ed.
#
# An engine that already answers (DOCKER_HOST, or the default socket) and
# was not started here is used as it is: `up` and `down` change nothing
# (`base` imports into it only when asked by name).
#
# Environment:
#   PARBENCH_DOCKER_CACHE  (/var/cache/parbench-docker) kept between runs:
#                          data/ (dockerd's images and build layers) and
#                          base-<suite>-minbase.tar (the debootstrapped base)
#   PARBENCH_DOCKER_RUN    (/run/parbench-docker) the running engine: socket,
#                          pid file, exec root, log, saved host state
#   PARBENCH_DEBIAN_MIRROR the archive for debootstrap, where apt has none
#   DOCKERD_OPTS           more dockerd options (e.g. --bip 10.99.0.1/24)
#   APT_TIMEOUT (900) BASE_TIMEOUT (900) ENGINE_TIMEOUT (60) seconds
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${PARBENCH_DOCKER_CACHE:-/var/cache/parbench-docker}
RUN=${PARBENCH_DOCKER_RUN:-/run/parbench-docker}
SOCK=$RUN/docker.sock
PIDFILE=$RUN/docker.pid
LOCK=$CACHE/.lock
SUITE=bookworm
APT_TIMEOUT=${APT_TIMEOUT:-900}
BASE_TIMEOUT=${BASE_TIMEOUT:-900}
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-60}
TABLES="filter nat mangle raw"
# Folders dockerd and its containerd make whatever their roots (plugin
# discovery, shim sockets, containerd's plugin dirs): removed by `down`
# when `up` did not find them.
MADE_DIRS="/run/docker/plugins /run/docker /run/containerd/s /run/containerd
           /opt/containerd/bin /opt/containerd/lib /opt/containerd"

say() { echo "docker-engine: $*" >&2; }
die() { say "$1"; exit "${2:-1}"; }

ours_running() {
    [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

# Does the engine at $1 (a DOCKER_HOST value; "" = the client's default)
# answer?
answers() {
    DOCKER_HOST=$1 timeout 10 docker version --format '{{.Server.Version}}' \
        >/dev/null 2>&1
}

# The engine that is not ours: DOCKER_HOST if set, else the default socket.
foreign_engine() {
    local h=${DOCKER_HOST:-}
    [ "$h" = "unix://$SOCK" ] && return 1
    command -v docker >/dev/null 2>&1 && answers "$h"
}

need_root() {
    [ "$(id -u)" = 0 ] || die "$1 needs root (or start a Docker engine yourself and set DOCKER_HOST)" 2
}

# iptables as dockerd will use it.  Legacy where nft holds no rules and the
# legacy tool works: removing what dockerd added then leaves the kernel's
# tables exactly as found (nft would keep the tables it created).
pick_iptables() {
    if command -v iptables-legacy >/dev/null 2>&1 &&
        iptables-legacy -S >/dev/null 2>&1 &&
        [ -z "$(iptables-nft-save 2>/dev/null | grep -v '^#')" ]; then
        echo legacy
    else
        echo default
    fi
}

ipt() { # the chosen backend's iptables, from the saved host state
    if [ "$(cat "$RUN/host/iptables-backend" 2>/dev/null)" = legacy ]; then
        iptables-legacy -w "$@"
    else
        iptables -w "$@"
    fi
}

install_missing() {
    local want="" p
    command -v dockerd >/dev/null 2>&1 || want="$want docker.io"
    command -v debootstrap >/dev/null 2>&1 || want="$want debootstrap"
    command -v iptables >/dev/null 2>&1 || want="$want iptables"
    if ! docker compose version >/dev/null 2>&1 &&
        ! command -v docker-compose >/dev/null 2>&1; then
        want="$want docker-compose"
    fi
    [ -z "$want" ] && return 0
    command -v apt-get >/dev/null 2>&1 ||
        die "missing:$want, and this is not a Debian system: install them by hand" 2
    say "installing:$want"
    export DEBIAN_FRONTEND=noninteractive
    timeout "$APT_TIMEOUT" apt-get update -qq >&2 ||
        die "apt-get update failed or took over ${APT_TIMEOUT}s"
    # docker.io's postinst would start the system's dockerd (on the default
    # socket, beside ours): a policy-rc.d refusing service starts, for the
    # length of the install, where the host has none.
    local policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\n# scripts/docker-engine.sh: no service starts while it installs\nexit 101\n' >"$policy"
        chmod 755 "$policy"
    fi
    local rc=0
    # shellcheck disable=SC2086
    timeout "$APT_TIMEOUT" apt-get install -y -qq --no-install-recommends $want >&2 || rc=$?
    [ -z "$policy" ] || rm -f "$policy"
    [ "$rc" = 0 ] || die "apt-get install$want failed or took over ${APT_TIMEOUT}s"
    for p in $want; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
            die "$p did not install"
    done
}

# What dockerd changes, saved once per engine: a later `up` after a crash
# keeps the first snapshot, so `down` restores the host as it was before.
save_host() {
    [ -d "$RUN/host" ] && return 0
    local d=$RUN/host.tmp t f
    rm -rf "$d"
    mkdir -p "$d"
    pick_iptables >"$d/iptables-backend"
    cat /proc/sys/net/ipv4/ip_forward >"$d/ip_forward"
    for f in bridge-nf-call-iptables bridge-nf-call-ip6tables; do
        [ -r /proc/sys/net/bridge/$f ] && cat /proc/sys/net/bridge/$f >"$d/$f"
    done
    mv "$d" "$RUN/host" # ipt reads the backend from here
    for t in $TABLES; do
        ipt -t "$t" -S >"$RUN/host/iptables.$t" 2>/dev/null || rm -f "$RUN/host/iptables.$t"
    done
    ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' >"$RUN/host/links"
    for f in $MADE_DIRS; do
        if [ -e "$f" ]; then echo "$f"; fi
    done >"$RUN/host/dirs"
}

# Lines of stdin that start with $1 and are not lines of file $2.
new_lines() {
    awk -v p="$1" -v f="$2" 'BEGIN { while ((getline l <f) > 0) old[l] = 1 }
        index($0, p) == 1 && !($0 in old)'
}

restore_host() {
    local h=$RUN/host t rule chain chains l f
    [ -d "$h" ] || return 0
    for t in $TABLES; do
        [ -f "$h/iptables.$t" ] || continue
        local now
        now=$(ipt -t "$t" -S 2>/dev/null) || continue
        # Rules added since `up`, then chains, then the policies as found.
        printf '%s\n' "$now" | new_lines '-A ' "$h/iptables.$t" | tac |
            while IFS= read -r rule; do
                eval "ipt -t $t -D ${rule#-A }" 2>/dev/null ||
                    say "could not remove iptables -t $t rule: $rule"
            done
        # Chains jump to each other: empty them all before removing any.
        chains=$(printf '%s\n' "$now" | new_lines '-N ' "$h/iptables.$t" | cut -d' ' -f2)
        for chain in $chains; do ipt -t "$t" -F "$chain" 2>/dev/null || true; done
        for chain in $chains; do
            ipt -t "$t" -X "$chain" 2>/dev/null || say "could not remove chain $t/$chain"
        done
        new_lines '-P ' /dev/null <"$h/iptables.$t" | while IFS= read -r rule; do
            eval "ipt -t $t $rule" 2>/dev/null || say "could not reset policy: $rule"
        done
    done
    # Bridges and veths dockerd made that are still there.
    for l in $(ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}'); do
        case $l in docker0 | br-[0-9a-f]??????????? | veth*) ;; *) continue ;; esac
        grep -Fxq "$l" "$h/links" || ip link del "$l" 2>/dev/null || say "could not remove link $l"
    done
    for f in $MADE_DIRS; do # children first; only when empty
        grep -Fxq "$f" "$h/dirs" || rmdir "$f" 2>/dev/null || true
    done
    echo "$(cat "$h/ip_forward")" >/proc/sys/net/ipv4/ip_forward
    for f in bridge-nf-call-iptables bridge-nf-call-ip6tables; do
        [ -f "$h/$f" ] && echo "$(cat "$h/$f")" >/proc/sys/net/bridge/$f 2>/dev/null
    done
    rm -rf "$h"
}

start_dockerd() {
    mkdir -p "$RUN/exec" "$RUN/bin" "$CACHE/data"
    chmod 700 "$RUN"
    # Keep dockerd's identity key out of /etc/docker: everything in $RUN.
    printf '{"deprecated-key-path": "%s/key.json"}\n' "$RUN" >"$RUN/daemon.json"
    rm -f "$RUN"/bin/*
    if [ "$(cat "$RUN/host/iptables-backend")" = legacy ]; then
        local b
        for b in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
            command -v "$b-legacy" >/dev/null 2>&1 && ln -s "$(command -v "$b-legacy")" "$RUN/bin/$b"
        done
    fi
    rm -f "$SOCK" "$PIDFILE"
    # setsid: the engine outlives this script and the make that ran it.
    # shellcheck disable=SC2086
    PATH="$RUN/bin:$PATH" setsid dockerd --config-file "$RUN/daemon.json" \
        --data-root "$CACHE/data" --exec-root "$RUN/exec" \
        -H "unix://$SOCK" --pidfile "$PIDFILE" \
        --storage-driver overlay2 --exec-opt native.cgroupdriver=cgroupfs \
        ${DOCKERD_OPTS:-} </dev/null >"$RUN/dockerd.log" 2>&1 9>&- &
    local t=0
    until answers "unix://$SOCK"; do
        t=$((t + 1))
        if [ "$t" -gt "$ENGINE_TIMEOUT" ] || ! kill -0 $! 2>/dev/null; then
            say "dockerd did not answer within ${ENGINE_TIMEOUT}s; its log ends:"
            tail -n 15 "$RUN/dockerd.log" >&2
            stop_dockerd
            restore_host
            exit 1
        fi
        sleep 1
    done
}

stop_dockerd() {
    local pid t
    if [ -s "$PIDFILE" ] && pid=$(cat "$PIDFILE") && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for t in $(seq 1 30); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "dockerd still running after 30s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
        fi
    fi
    # A killed engine leaves its mounts (overlays, network namespaces).
    awk -v a="$RUN/" -v b="$CACHE/data/" 'index($5, a) == 1 || index($5, b) == 1 {print $5}' \
        /proc/self/mountinfo | sort -r | while IFS= read -r m; do
            umount -l "$m" 2>/dev/null || true
        done
    rm -f "$PIDFILE" "$SOCK"
}

# The Debian archive apt uses (the first non-security Debian repository),
# or PARBENCH_DEBIAN_MIRROR.
debian_mirror() {
    if [ -n "${PARBENCH_DEBIAN_MIRROR:-}" ]; then
        echo "$PARBENCH_DEBIAN_MIRROR"
        return
    fi
    apt-get indextargets --format '$(ORIGIN) $(LABEL) $(REPO_URI)' 2>/dev/null |
        awk '$1 == "Debian" && $2 == "Debian" {print $3; exit}'
}

# deb822 sources for the image: apt's Debian repositories of the image's
# release, as the host has them; else the mirror debootstrap used.
image_sources() {
    local mirror=$1 lines
    lines=$(apt-get indextargets --format '$(ORIGIN) $(TARGET_OF) $(REPO_URI) $(CODENAME) $(RELEASE) $(COMPONENT)' 2>/dev/null |
        awk -v s="$SUITE" '$1 == "Debian" && $2 == "deb" && $4 ~ "^" s {print $3, $5, $6}' | sort -u)
    [ -n "$lines" ] || lines="$mirror $SUITE main"
    printf '%s\n' "$lines" | awk '
        { key = $1 " " $2; if (!(key in comp)) order[n++] = key; comp[key] = comp[key] " " $3 }
        END {
            for (i = 0; i < n; i++) {
                split(order[i], k, " ")
                if (i) print ""
                print "Types: deb"; print "URIs: " k[1]; print "Suites: " k[2]
                print "Components:" comp[order[i]]
                print "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
            }
        }'
}

apt_proxy_conf() {
    local HTTP_PROXY="" HTTPS_PROXY=""
    eval "$(apt-config shell HTTP_PROXY Acquire::http::Proxy HTTPS_PROXY Acquire::https::Proxy)"
    [ -n "$HTTP_PROXY" ] && printf 'Acquire::http::Proxy "%s";\n' "$HTTP_PROXY"
    [ -n "$HTTPS_PROXY" ] && printf 'Acquire::https::Proxy "%s";\n' "$HTTPS_PROXY"
    return 0
}

from_image() {
    sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]\{1,\}\).*/\1/p' docker/Dockerfile | head -n 1
}

make_base() {
    local from mirror tar stamp rootfs proxy
    from=$(from_image)
    [ -n "$from" ] || die "no FROM line in docker/Dockerfile" 2
    if docker image inspect "$from" >/dev/null 2>&1; then
        say "base image $from: present"
        return 0
    fi
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "apt has no Debian archive configured: set PARBENCH_DEBIAN_MIRROR" 2
    tar=$CACHE/base-$SUITE-minbase.tar
    stamp=$(printf '%s\n%s\n%s\n' "$mirror" "$(image_sources "$mirror")" "$(apt_proxy_conf)")
    if [ ! -s "$tar" ] || [ "$stamp" != "$(cat "$tar.stamp" 2>/dev/null)" ]; then
        command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (run: $0 up)" 2
        rootfs=$CACHE/rootfs.tmp
        rm -rf "$rootfs"
        mkdir -p "$rootfs"
        proxy=$(apt-config shell P Acquire::http::Proxy | sed -n "s/^P='\(.*\)'$/\1/p")
        say "debootstrap --variant=minbase $SUITE from $mirror${proxy:+ (proxy $proxy)}"
        if ! http_proxy=${proxy:-${http_proxy:-}} timeout "$BASE_TIMEOUT" \
            debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
            tail -n 15 "$CACHE/debootstrap.log" >&2
            rm -rf "$rootfs"
            die "debootstrap failed or took over ${BASE_TIMEOUT}s (log: $CACHE/debootstrap.log)"
        fi
        rm -f "$rootfs/etc/apt/sources.list"
        image_sources "$mirror" >"$rootfs/etc/apt/sources.list.d/debian.sources"
        apt_proxy_conf >"$rootfs/etc/apt/apt.conf.d/01proxy"
        [ -s "$rootfs/etc/apt/apt.conf.d/01proxy" ] || rm -f "$rootfs/etc/apt/apt.conf.d/01proxy"
        # The engine provides these per container; the host's do not belong.
        : >"$rootfs/etc/resolv.conf"
        : >"$rootfs/etc/hostname"
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
            "$rootfs"/var/log/bootstrap.log
        tar --numeric-owner -C "$rootfs" -cf "$tar.tmp" .
        rm -rf "$rootfs"
        mv "$tar.tmp" "$tar"
        printf '%s\n' "$stamp" >"$tar.stamp"
    else
        say "base tarball: cached ($tar)"
    fi
    docker import --change 'CMD ["bash"]' "$tar" "$from" >/dev/null ||
        die "docker import of $tar failed"
    say "base image $from: imported from $tar"
}

cmd_up() {
    if ! ours_running && foreign_engine; then
        say "an engine already answers (${DOCKER_HOST:-default socket}): using it, nothing changed"
        return 0
    fi
    need_root "starting an engine"
    mkdir -p "$RUN" "$CACHE"
    local t0=$SECONDS
    install_missing
    if ours_running; then
        say "engine: already running (pid $(cat "$PIDFILE"), $SOCK)"
    else
        save_host
        # Forwarding on before dockerd starts: then it keeps the FORWARD
        # policy as it is (it sets DROP only when it enables forwarding).
        echo 1 >/proc/sys/net/ipv4/ip_forward
        start_dockerd
        say "engine: started in $((SECONDS - t0))s (pid $(cat "$PIDFILE"), $SOCK)"
    fi
    t0=$SECONDS
    DOCKER_HOST=unix://$SOCK make_base
    say "base image: $((SECONDS - t0))s"
    echo "DOCKER_HOST=unix://$SOCK; export DOCKER_HOST"
}

cmd_down() {
    if ! ours_running && [ ! -d "$RUN/host" ]; then
        say "no engine started by this script: nothing to stop"
        return 0
    fi
    need_root "stopping the engine"
    stop_dockerd
    restore_host
    rm -rf "$RUN"
    say "engine stopped; host restored (cache kept in $CACHE)"
}

cmd_status() {
    if ours_running; then
        echo "engine: this script's, pid $(cat "$PIDFILE"), DOCKER_HOST=unix://$SOCK"
        DOCKER_HOST=unix://$SOCK docker image inspect "$(from_image)" >/dev/null 2>&1 &&
            echo "base image $(from_image): present" || echo "base image $(from_image): missing"
        return 0
    fi
    if foreign_engine; then
        echo "engine: another one answers at ${DOCKER_HOST:-the default socket} (not started here)"
        return 0
    fi
    echo "engine: none answers"
    return 1
}

cmd_env() {
    if ours_running && [ -z "${DOCKER_HOST:-}" ] && ! foreign_engine; then
        echo "DOCKER_HOST=unix://$SOCK; export DOCKER_HOST"
    fi
    return 0
}

case ${1:-} in
up | down | base)
    # One at a time: up, down and base change shared state (which only
    # root can; the commands say so to others).
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$CACHE"
        exec 9>"$LOCK"
        flock -w 900 9 || die "another docker-engine.sh holds $LOCK"
    fi
    case $1 in
    up) cmd_up ;;
    down) cmd_down ;;
    base)
        if ours_running && [ -z "${DOCKER_HOST:-}" ]; then
            export DOCKER_HOST=unix://$SOCK
        fi
        docker version >/dev/null 2>&1 || die "no engine answers" 1
        make_base
        ;;
    esac
    ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    echo "usage: $0 up|down|status|env|base" >&2
    exit 2
    ;;
esac
