# tests/e2e/lib.sh: helpers for end-to-end tests of the real binary.
# Sourced by each tests/e2e/t_*.sh; tests/e2e/run.sh runs them all and
# prints the closing "N passed, N failed" line.
#
#   ok NAME CMD...            passes when CMD exits 0
#   expect_exit CODE NAME CMD...   passes when CMD exits with CODE
#   jq_py FILE EXPR           prints a Python expression over the JSON in
#                             FILE, bound as `r` (e.g. 'r["runs"][0]["status"]')
#   skip NAME WHY             records a skipped check with its reason
# Results go to $E2E_RESULTS (one line per check).  $PB is the binary,
# $TMPD a scratch directory removed at exit by tmpd_cleanup, which first
# keeps a copy of every report parbench wrote there in $E2E_REPORTS (set
# by run.sh), for run.sh's closing check of them all against the schema
# (tests/e2e/validate_reports.py).  A script that sets its own EXIT trap
# calls tmpd_cleanup in it.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PB=${PB:-$ROOT/build/parbench}
E2E_RESULTS=${E2E_RESULTS:-/dev/null}
TMPD=$(mktemp -d /tmp/parbench-e2e.XXXXXX)
_script=$(basename "$0" .sh)
tmpd_cleanup() {
    if [ -n "${E2E_REPORTS:-}" ] && [ -d "$TMPD" ]; then
        python3 "$ROOT/tests/e2e/validate_reports.py" collect "$TMPD" \
            "$E2E_REPORTS" "$_script" ||
            _record FAIL "reports collected" "validate_reports.py collect failed"
    fi
    rm -rf "$TMPD"
}
trap tmpd_cleanup EXIT

_record() { # status name [detail]
    printf '%s %s: %s\n' "$1" "$_script" "$2" >>"$E2E_RESULTS"
    case $1 in
    PASS) printf 'ok   - %s\n' "$2" ;;
    SKIP) printf 'skip - %s (%s)\n' "$2" "${3:-}" ;;
    *) printf 'FAIL - %s%s\n' "$2" "${3:+: $3}" ;;
    esac
}

ok() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then _record PASS "$name"
    else _record FAIL "$name" "exit $? from: $*; output: $(printf '%s' "$out" | tail -c 600)"; fi
}

expect_exit() {
    local code=$1 name=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" = "$code" ]; then _record PASS "$name"
    else _record FAIL "$name" "expected exit $code, got $rc from: $*; output: $(printf '%s' "$out" | tail -c 600)"; fi
}

skip() { _record SKIP "$1" "$2"; }

jq_py() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# eq NAME EXPECTED ACTUAL
eq() {
    if [ "$2" = "$3" ]; then _record PASS "$1"
    else _record FAIL "$1" "expected '$2', got '$3'"; fi
}

# The worker processes of a parbench run started as $1: every
# configuration runs in a supervised child of parbench, and a pool's
# worker processes are that child's children.
run_workers() {
    local c
    for c in $(pgrep -P "$1"); do pgrep -P "$c"; done
}

# The first worker process of parbench $1, waited for up to 5 s ("" if none).
first_worker() {
    local v="" _
    for _ in $(seq 100); do
        v=$(run_workers "$1" | head -1)
        [ -n "$v" ] && break
        sleep 0.05
    done
    echo "$v"
}

# The pid of MPI rank $2 (the rank itself, not the watcher that waits for
# it) of the job started with --seed $1, waited for up to 10 s ("" if none).
mpi_rank_pid() {
    local seed=$1 want=$2 v="" ranks p _
    for _ in $(seq 200); do
        ranks=$(pgrep -f "mpi-rank .*--seed $seed ")
        for p in $ranks; do
            tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "PMI_RANK=$want" &&
                grep -qw "$(ps -o ppid= -p "$p" | tr -d ' ')" <<<"$ranks" && v=$p
        done
        [ -n "$v" ] && break
        sleep 0.05
    done
    echo "$v"
}
