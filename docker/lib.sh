# docker/lib.sh: what docker/bench.sh and docker/test.sh share, sourced
# from the repository root (bash): finding or starting an engine, the
# compose command, a builder the client has, and the containers' limits as
# docker/compose.yaml states them.  Kept apart so both drive the engine the
# same way.

dsay() { echo "${LIB_NAME:-docker}: $*" >&2; }
ddie() { dsay "$1"; exit "${2:-1}"; }

ENGINE_STARTED=0

# An engine that answers: DOCKER_HOST, the default socket, or the one
# scripts/docker-engine.sh runs.  With none, as root, start one (and stop
# it again in engine_release); otherwise say how, exit 2.
engine_ensure() {
    command -v docker >/dev/null 2>&1 ||
        ddie "no docker client: run as root: scripts/docker-engine.sh up (README: Docker)" 2
    eval "$(bash scripts/docker-engine.sh env)"
    if ! timeout 20 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
        [ "$(id -u)" = 0 ] ||
            ddie "no Docker engine answers; start one (as root): scripts/docker-engine.sh up" 2
        dsay "no Docker engine answers: starting one (scripts/docker-engine.sh up; stopped at the end)"
        local t0=$SECONDS env
        env=$(bash scripts/docker-engine.sh up) || ddie "scripts/docker-engine.sh up failed"
        eval "$env"
        ENGINE_STARTED=1
        dsay "time: engine and base image $((SECONDS - t0))s"
    fi
    ENGINE_VERSION=$(docker version --format '{{.Server.Version}}')
    read -r ENGINE_CPUS ENGINE_MEM < <(docker info --format '{{.NCPU}} {{.MemTotal}}')
}

engine_release() {
    if [ "$ENGINE_STARTED" = 1 ] && [ "${KEEP_ENGINE:-0}" != 1 ]; then
        bash scripts/docker-engine.sh down || true
        ENGINE_STARTED=0
    fi
}

# `docker compose` (v2) or docker-compose (1.x), as DC.
compose_find() {
    if docker compose version >/dev/null 2>&1; then
        DC=(docker compose)
    elif command -v docker-compose >/dev/null 2>&1; then
        DC=(docker-compose)
    else
        ddie "needs docker compose (or docker-compose): scripts/docker-engine.sh up installs it" 2
    fi
}

# BuildKit when the client has buildx; else the classic builder (a newer
# client without the plugin refuses to build with BuildKit on).
builder_pick() {
    if docker buildx version >/dev/null 2>&1; then
        BUILDER=buildx
    else
        export DOCKER_BUILDKIT=0
        BUILDER=classic
    fi
}

# Build parbench:latest; the log to $1, its tail on failure.
image_build() {
    local log=$1 t0=$SECONDS
    dsay "building parbench:latest ($BUILDER builder; log $log)"
    if ! timeout "${BUILD_TIMEOUT:-1800}" docker build -f docker/Dockerfile -t parbench:latest . \
        >"$log" 2>&1; then
        tail -n 25 "$log" >&2
        ddie "image build failed (or took over ${BUILD_TIMEOUT:-1800}s)"
    fi
    docker image prune -f --filter label=org.parbench.image >/dev/null 2>&1 || true
    dsay "time: image build $((SECONDS - t0))s"
}

# "service cpus memory_bytes" for every service of the compose file, from
# `compose config` (1.x writes 4g, v2 byte counts, either may quote).
compose_limits() {
    "${DC[@]}" -f docker/compose.yaml config 2>/dev/null | awk '
        function bytes(v, n, u) {
            gsub(/["\047]/, "", v); u = tolower(substr(v, length(v)))
            n = v + 0
            if (u == "k") n *= 1024; else if (u == "m") n *= 1048576
            else if (u == "g") n *= 1073741824
            return sprintf("%.0f", n)
        }
        /^services:/ { in_s = 1; next }
        /^[^ ]/ { in_s = 0 }
        in_s && /^  [A-Za-z0-9_.-]+:[ ]*$/ { s = $1; sub(/:$/, "", s); order[n++] = s; next }
        in_s && /^    cpus:/ { v = $2; gsub(/["\047]/, "", v); c[s] = v + 0 }
        in_s && /^    mem_limit:/ { m[s] = bytes($2) }
        END { for (i = 0; i < n; i++) print order[i], c[order[i]] + 0, (order[i] in m) ? m[order[i]] : 0 }'
}

gib() { awk -v b="$1" 'BEGIN { printf "%.1f GiB", b / 1073741824 }'; }

# Empty when service $1 fits the engine's machine; else why not.
too_big() {
    local svc=$1 cpus mem
    read -r _ cpus mem < <(compose_limits | awk -v s="$svc" '$1 == s')
    [ -n "${cpus:-}" ] || { echo "not in docker/compose.yaml"; return; }
    if awk -v a="$cpus" -v b="$ENGINE_CPUS" 'BEGIN { exit !(a > b) }'; then
        echo "needs $cpus CPUs, the Docker host has $ENGINE_CPUS"
    elif [ "$mem" -gt "$ENGINE_MEM" ]; then
        echo "needs $(gib "$mem") of memory, the Docker host has $(gib "$ENGINE_MEM")"
    fi
}
