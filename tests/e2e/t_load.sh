#!/usr/bin/env bash
# Load (issue 10): 100,000 tiny tasks on each runner complete, and a
# long-lived parbench (a matrix of four such cells) neither leaks file
# descriptors nor grows in memory beyond the report it holds, and leaves no
# zombie: checked from /proc between cells and after the run.  Each cell
# runs in a child of its own, so what could leak across cells is the
# parent's: it keeps the report (every task's record), which grows by the
# same amount each cell; a leak would grow faster.
. "$(dirname "$0")/lib.sh"

runners=("single" "pthreads" "fork shared" "fork copy")
command -v mpiexec >/dev/null && runners+=("mpi local")
for rc in "${runners[@]}"; do
    set -- $rc
    name="${1}${2:+-$2}"
    extra=""
    [ "$1" != single ] && extra="\"workers\": 2,"
    [ -n "${2:-}" ] && extra="$extra \"transfer\": \"$2\","
    cat >"$TMPD/$name.json" <<M
{"defaults": {"repeat": 1, "warmup": 0, "workload": "spin", "spin-iters": 1,
              "tasks": 100000, $extra "runner": "$1"},
 "grid": {"seed": [1, 2, 3, 4]}}
M
    out="$TMPD/$name-report.json"
    "$PB" matrix "$TMPD/$name.json" --output "$out" 2>/dev/null &
    pb=$!
    fds=() rss=() size=() seen=0 fdmin=()
    # While the report holds k runs (k = 1..3), the least number of files
    # the matrix process holds (not pipes: those to the running cell's
    # child): a descriptor open for a while (a report being written) is
    # not a leak; one that leaks stays, so the last cell's least is above
    # the first's (a middle cell may hold a slow-closing one for a while).
    while kill -0 "$pb" 2>/dev/null; do
        # Runs in the report so far: one "cell" object each (a grep, not a
        # JSON parse: parsing hundreds of MB takes seconds on a loaded
        # machine, and samples that sparse all fall inside report writes).
        n=$(grep -cE '"cell":[[:space:]]*[{]' "$out" 2>/dev/null)
        c=$(find /proc/$pb/fd -mindepth 1 ! -lname 'pipe:*' 2>/dev/null | wc -l)
        [ -d /proc/$pb/fd ] || break # (ended meanwhile: nothing to count)
        n=${n:-0}
        if [ "$n" -ge 1 ] && [ "$n" -lt 4 ]; then
            { [ -z "${fdmin[$n]:-}" ] || [ "$c" -lt "${fdmin[$n]}" ]; } && fdmin[$n]=$c
        fi
        # After each cell: the report holds one more run; sample memory.
        if [ "$n" -gt "$seen" ] && [ "$n" -lt 4 ]; then
            seen=$n
            rss+=("$(awk '/^VmRSS/ {print $2}' /proc/$pb/status 2>/dev/null)")
            size+=("$(stat -c %s "$out")")
        fi
        sleep 0.05
    done
    for k in 1 2 3; do [ -n "${fdmin[$k]:-}" ] && fds+=("${fdmin[$k]}"); done
    wait "$pb"
    eq "$name: 4 cells of 100000 tasks, all ok" "ok ok ok ok" \
       "$(jq_py "$out" '" ".join(x["status"] for x in r["runs"])')"
    eq "$name: every task recorded" "400000" \
       "$(jq_py "$out" 'sum(len(x["repetitions"][0]["tasks"]) for x in r["runs"])')"
    case $("$PB" --version) in *sanitize=*) sanitized=1 ;; *) sanitized=0 ;; esac
    if [ "${#fds[@]}" -ge 3 ]; then
        eq "$name: no file descriptor growth between cells (${fds[*]})" "no growth" \
           "$([ "${fds[2]}" -le "${fds[0]}" ] && echo no growth || echo grew)"
        # The parent holds the report as a cJSON tree (several times its
        # text) and, while writing it, the text too: its memory may grow
        # with the report, within a fixed multiple of it, never beyond.
        # (A sanitizer's allocator keeps freed memory in quarantine and
        # pads every block: that bound does not hold there.)
        [ "$sanitized" = 1 ] && skip "$name: memory bound" "sanitizer build: its allocator's quarantine and redzones" ||
        eq "$name: memory bounded by the report it holds (${rss[*]} kB; report ${size[*]} B)" True \
           "$(python3 -c "
r, s = [$(IFS=,; echo "${rss[*]}")], [$(IFS=,; echo "${size[*]}")]
print(all(r[k] * 1024 <= r[0] * 1024 + 12 * s[k] for k in range(len(r))))")"
    else
        skip "$name: growth between cells" "cells too quick to sample"
    fi
    eq "$name: no zombie left" "" "$(ps -eo stat,ppid | awk -v p=$$ '$1 ~ /^Z/ && $2 == p')"
done
