#!/usr/bin/env bash
# tests/fuzz/run.sh: build and run the libFuzzer targets (called by make).
#   run.sh check   each target once over tests/fuzz/corpus/<name>/; one
#                  line per target; non-zero exit on any crash, leak,
#                  undefined behaviour, failed property or timeout
#   run.sh fuzz    each target for FUZZ_TIME seconds, one after the other;
#                  new inputs go to build/fuzz/corpus-new/<name>/ (the kept
#                  corpus is only read), crashes to build/fuzz/crash-<name>-*
# Environment (from make): MAKE, FUZZ_CC, FUZZ_TIME, FUZZ_TARGETS.
# Without clang or its libFuzzer this prints SKIP and succeeds: on Debian
# `scripts/deps.sh --test` installs them, so CI runs the targets.
set -u
cd "$(dirname "$0")/../.."
mode=${1:-check}
cc=${FUZZ_CC:-clang}
make=${MAKE:-make}

probe=$(mktemp -d /tmp/parbench-fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; return (int)(n & 0); }\n' >"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >"$probe/log" 2>&1; then
    echo "SKIP fuzz: '$cc' cannot build libFuzzer targets (Debian packages: clang libclang-rt-14-dev): $(head -c 200 "$probe/log" | tr '\n' ' ')"
    exit 0
fi

# Run the build with the caller's flags (FUZZ_TARGETS, WERROR) as given.
"$make" --no-print-directory fuzz-build FUZZ_TARGETS="$FUZZ_TARGETS" || exit 2

# Leaks are failures; a slow input is a hang (libFuzzer's default is 20
# minutes); a run that grows past 2 GiB is reported, not swapped.
common=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
fail=0
for t in $FUZZ_TARGETS; do
    bin=build/fuzz/fuzz_$t corpus=tests/fuzz/corpus/$t
    dict=tests/fuzz/$t.dict args=("${common[@]}")
    [ -f "$dict" ] && args+=(-dict="$dict")
    log=build/fuzz/$t.log
    start=$EPOCHREALTIME
    if [ "$mode" = check ]; then
        n=$(find "$corpus" -type f | wc -l)
        "$bin" "${args[@]}" -runs=0 -artifact_prefix="build/fuzz/crash-$t-" \
            "$corpus" >"$log" 2>&1
    else
        n=$FUZZ_TIME
        mkdir -p "build/fuzz/corpus-new/$t"
        # Seeds past 8 KiB (the long lists) are cut: mutating them only
        # slows the search; `check` runs them whole.
        "$bin" "${args[@]}" -max_total_time="$FUZZ_TIME" -max_len=8192 \
            -artifact_prefix="build/fuzz/crash-$t-" \
            "build/fuzz/corpus-new/$t" "$corpus" >"$log" 2>&1
    fi
    rc=$?
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
    if [ "$rc" -ne 0 ]; then
        fail=1
        echo "FAIL fuzz $t (exit $rc, log $log):"
        grep -E 'ERROR|SUMMARY|property failed|runtime error|Test unit written' "$log" | head -8
    elif [ "$mode" = check ]; then
        printf 'ok   fuzz %-7s %4d inputs  %5.1f s\n' "$t" "$n" "$secs"
    else
        stats=$(grep -E '^#[0-9]+.*DONE|^Done [0-9]+ runs' "$log" | tail -1)
        printf 'ok   fuzz %-7s %ss: %s; new inputs: %s\n' "$t" "$n" "$stats" \
            "$(find "build/fuzz/corpus-new/$t" -type f | wc -l)"
    fi
done
exit $fail
