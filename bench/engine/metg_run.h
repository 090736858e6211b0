/* bench/engine/metg_run.h: running one METG sweep (one runner configuration) on
 * the spin workload through the ordinary run path, into its report entry.
 * The arithmetic is bench/engine/metg.c; the command line is bench/cli/cmd_metg.c. */
#ifndef PB_METG_RUN_H
#define PB_METG_RUN_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/engine/config.h"
#include "bench/engine/metg.h"

/* One runner configuration of a metg report. */
struct metg_entry {
    const char *runner;
    unsigned workers;
    const char *transfer; /* NULL: the runner's default */
    const char *schedule; /* "dynamic" or "static" */
    char label[128];      /* "mpi static, 2 workers" */
};

/* What every sweep of one command shares. */
struct metg_opts {
    struct metg_sweep sweep;
    unsigned repeat, warmup;
    double cpus;     /* --cpus, 0: none */
    uint64_t memory; /* --memory bytes, 0: none */
    const char *pool; /* --pool, NULL: the default */
    FILE *log;       /* progress and tables; NULL: quiet */
};

/* The run configuration of one run of e at `workers` workers: tasks of
 * iters spin iterations; limited: with --cpus/--memory. */
int metg_config(const struct metg_entry *e, const struct metg_opts *o,
                unsigned workers, uint64_t tasks, uint64_t iters, int limited,
                struct run_config *c, char *err, size_t errlen);

/* Sweep e: measure iter_s on e's runner at 1 worker, then the points from
 * o->sweep.start_s down.  Returns the entry's report object (NULL only
 * out of memory); *failed is 1 when a run failed (recorded in "status" and
 * "error", with the points measured before it). */
cJSON *metg_run_entry(const struct metg_entry *e, const struct metg_opts *o,
                      int *failed);

/* "3.10 us": a duration for people. */
void metg_format_s(double s, char *buf, size_t n);
#endif
