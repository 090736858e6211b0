/* kernels/pyramid_wl.h: what the pyramid workload's two files share
 * (kernels/pyramid.c: options, plan, tasks and their dependencies, setup
 * and teardown; kernels/pyramid_task.c: a worker and its tasks).
 * Internal to the workload. */
#ifndef PB_PYRAMID_WL_H
#define PB_PYRAMID_WL_H

#include <limits.h>

#include "kernels/pyramid.h"

enum { ST_LEVEL = 0, ST_DATAFLOW, ST_BATCH };
enum { CACHE_WARM = 0, CACHE_COLD };

struct pyr_params {
    uint64_t images, side, min_side, depth, batch;
    const char *dir;  /* NULL: a temporary directory */
    const char *run_dir; /* internal: the directory the driver's setup
                            chose, for a process that rebuilds the
                            workload from its options (an mpi rank): it
                            then reads and writes there and never
                            removes anything */
    int format;       /* enum pyr_format */
    int strategy;
    int io;           /* enum pyr_iomode */
    int cache;
    int fsync;
};
PB_PARAMS_FIT(struct pyr_params);

struct pyr_run {
    struct pyr_plan lv;
    unsigned k;                 /* batch: log2 K */
    size_t K;
    unsigned supers;            /* batch: super-levels of k levels */
    size_t sfirst[PYR_MAX_LEVELS + 1]; /* batch: first task of super s */
    size_t scount[PYR_MAX_LEVELS + 1]; /* batch: its tasks */
    size_t ntasks;
    char dir[PATH_MAX];
    int dirfd;
    int made_dir;               /* 1: a temporary directory of ours */
    int borrowed;               /* 1: --run-dir: the driver's files, never
                                   removed here */
    int delayacct;              /* kernel.task_delayacct was 1 at setup */
};

static inline const struct pyr_params *cpar(const struct workload *w)
{
    return (const struct pyr_params *)(const void *)w->params;
}

static inline const struct pyr_run *crun(const struct workload *w)
{
    return w->plan;
}

/* Level/dataflow: task t makes output image (l, j).  Batch: task t is
 * batch m of super-level s. */
void pyr_task_image(const struct pyr_run *r, size_t t, unsigned *l,
                    size_t *j);
void pyr_task_batch(const struct pyr_run *r, size_t t, unsigned *s,
                    size_t *m);

/* kernels/pyramid_task.c: the worker ops. */
int pyr_worker_init(const struct workload *w, void **ctx);
void pyr_worker_fini(const struct workload *w, void *ctx);
int pyr_run_task(const struct workload *w, void *ctx, size_t t,
                 const void *in, void *out, struct task_result *r);

#endif
