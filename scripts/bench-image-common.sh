# scripts/bench-image-common.sh: the set-up the image-workload benchmarks
# (bench-runners.sh, bench-mpi.sh) share, sourced by them, so the sizes a
# user sets in the environment mean the same in each and every run is
# written the same way.
#   bench_image_start NAME TASKS   SIZE/TASKS/COMPLEXITY/REPEAT from the
#                                  environment (TASKS defaults to the
#                                  argument), $out a fresh directory for
#                                  the reports, a line saying what runs
#   runone ARGS...                 one `parbench run` of the image workload
#                                  with ARGS, its report $out/NN.json; a
#                                  failed run is said and skipped
PB=build/parbench

bench_image_start() {
    SIZE=${SIZE:-100MB} TASKS=${TASKS:-$2} COMPLEXITY=${COMPLEXITY:-2} REPEAT=${REPEAT:-5}
    out=$(mktemp -d "/tmp/parbench-$1.XXXXXX")
    common=(--workload image --size "$SIZE" --tasks "$TASKS" --complexity "$COMPLEXITY"
            --repeat "$REPEAT" --warmup 1 --quiet)
    echo "image workload: $SIZE in $TASKS tasks, complexity $COMPLEXITY, $REPEAT repetitions," \
         "$(nproc) CPUs (reports in $out)"
    n=0
}

runone() {
    n=$((n + 1))
    "$PB" run "${common[@]}" "$@" --output "$out/$(printf %02d $n).json" ||
        echo "  (run failed: $*)"
}
