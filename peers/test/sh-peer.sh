#!/bin/bash
# peers/test/sh-peer.sh: a parbench peer in bash alone (no Python, no awk),
# proving that the protocol (peers/PROTOCOL.md) asks nothing of a peer but
# reading and writing lines: it runs prime and spin with --workers
# background subshells per run, worker k taking tasks k, k+N, k+2N, ...
#
# Bash cannot read CLOCK_MONOTONIC, so it declares the "relative" clock:
# its times are seconds since it read the run line, from $EPOCHREALTIME.
# It reads only the fields it needs from the setup line with bash regular
# expressions, which is enough for the flat documents parbench writes (a
# general JSON reader is not the point here).  Slow by design: a test peer.
set -u

PROTOCOL=parbench.peer/1

if [ "${1:-}" = "--version" ]; then
    echo "bash $BASH_VERSION"
    exit 0
fi

send() { printf '%s\n' "$1"; }

fail() {
    send "{\"type\":\"error\",\"message\":\"sh-peer: $1\"}"
    exit 1
}

# field NAME TEXT: the value of the first "NAME": VALUE in TEXT (a number,
# true/false, or a string's contents).
field() {
    local re="\"$1\"[[:space:]]*:[[:space:]]*\"?([^\",}]*)"
    [[ $2 =~ $re ]] && printf '%s' "${BASH_REMATCH[1]}"
}

now_us() { local t=$EPOCHREALTIME; echo $((10#${t/[.,]/})); }

since() { # seconds since $1 (microseconds), as text
    local d=$(($(now_us) - $1))
    printf '%d.%06d' $((d / 1000000)) $((d % 1000000))
}

is_prime() {
    local n=$1 d
    ((n < 2)) && return 1
    ((n < 4)) && return 0
    ((n % 2 == 0 || n % 3 == 0)) && return 1
    for ((d = 5; d * d <= n; d += 6)); do
        ((n % d == 0 || n % (d + 2) == 0)) && return 1
    done
    return 0
}

prime_sum() {
    local lo=$1 hi=$2 n s=0
    for ((n = lo; n < hi; n++)); do
        is_prime "$n" && s=$((s + n))
    done
    echo "$s"
}

# The multiply-add chain of parbench's spin; bash arithmetic is 64-bit and
# wraps, as the chain wants.
spin() {
    local iters=$1 x=$2 j
    for ((j = 0; j < iters; j++)); do
        x=$((x * 6364136223846793005 + 1442695040888963407))
    done
    printf '%u' "$x"
}

# Iterations of spin for DURATION seconds on this machine.
spin_calibrate() {
    local duration=$1 n=2000 t d us
    while :; do
        t=$(now_us)
        spin "$n" 1 >/dev/null
        d=$(($(now_us) - t))
        ((d >= 20000)) && break
        n=$((n * 2))
    done
    printf -v us '%.6f' "$duration"
    us=$((10#${us/./}))
    local iters=$((us * n / d))
    echo $((iters < 1 ? 1 : iters))
}

read -r setup || fail "no setup document on standard input"
[ "$(field protocol "$setup")" = "$PROTOCOL" ] || fail "not $PROTOCOL"
workload=$(field workload "$setup")
workers=$(field workers "$setup")
case $workload in prime | spin) ;; *) fail "workload $workload not supported" ;; esac
[[ $workers =~ ^[1-9][0-9]*$ ]] || fail "bad worker count '$workers'"

# One task object per line: {"id":...} (task objects hold no braces).
mapfile -t tasks < <(printf '%s\n' "$setup" | grep -oE '\{[[:space:]]*"id"[^{}]*\}')
((${#tasks[@]} > 0)) || fail "no tasks"

iters=0
if [ "$workload" = spin ]; then
    if [ "$(field iters_fixed "$setup")" = true ]; then
        iters=$(field iters "$setup")
    else
        iters=$(spin_calibrate "$(field duration_s "$setup")")
    fi
fi

worker_list=""
for ((k = 0; k < workers; k++)); do
    worker_list+="${worker_list:+,}{\"worker\":$k}"
done
send "{\"type\":\"ready\",\"protocol\":\"$PROTOCOL\",\"pid\":$$,\"clock\":\"relative\",\"workers\":[$worker_list],\"peer\":{\"language\":\"bash\",\"engine\":\"subshells\",\"label\":\"bash $BASH_VERSION subshells\"},\"params\":{\"spin_iters\":$iters}}"

# worker K REP T0: run tasks K, K+workers, ... and print their lines (each
# line one write, shorter than PIPE_BUF, so lines of workers never mix).
worker() {
    local k=$1 rep=$2 t0=$3 i task id start value extra
    for ((i = k; i < ${#tasks[@]}; i += workers)); do
        task=${tasks[i]}
        id=$(field id "$task")
        start=$(since "$t0")
        extra=""
        if [ "$workload" = prime ]; then
            value=$(prime_sum "$(field lo "$task")" "$(field hi "$task")")
        else
            value=$(spin "$iters" $((16#$(field x0 "$task"))))
            extra=",\"iters\":$iters"
        fi
        send "{\"type\":\"task\",\"rep\":$rep,\"id\":$id,\"worker\":$k,\"start\":$start,\"end\":$(since "$t0"),\"status\":0,\"error\":null,\"bytes\":8,\"value\":\"$value\"$extra}"
    done
}

while read -r line; do
    [[ $line =~ \"type\"[[:space:]]*:[[:space:]]*\"run\" ]] || fail "expected a run line"
    rep=$(field rep "$line")
    t0=$(now_us)
    for ((k = 0; k < workers; k++)); do
        worker "$k" "$rep" "$t0" &
    done
    wait
    send "{\"type\":\"end\",\"rep\":$rep,\"start\":0,\"end\":$(since "$t0"),\"tasks\":${#tasks[@]}}"
done
send '{"type":"done","stop_s":0}'
