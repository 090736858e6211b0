/* runners/single.c: every task in the calling process, in order.  The
 * baseline all speedups are measured against.  Its "pool" is the
 * workload's per-worker state, built before the timed region like every
 * other runner's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runners/graph.h"
#include "runners/runner.h"

struct solo {
    const struct workload *w;
    const struct task_data *d;
    void *ctx;
    struct pb_sched *sched; /* with dependencies: a topological order */
};

static int open_pool(const struct workload *w, const struct task_data *d,
                     const struct run_options *o, void **pool,
                     struct run_measure *m)
{
    (void)o;
    double s0 = pb_now();
    struct solo *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(m->error, sizeof m->error, "out of memory");
        return -1;
    }
    s->w = w, s->d = d;
    if (d->graph) {
        void *mem = malloc(pb_sched_bytes(d->graph));
        if (!mem) {
            snprintf(m->error, sizeof m->error, "out of memory");
            free(s);
            return -1;
        }
        s->sched = pb_sched_init(mem, d->graph);
    }
    if (w->ops->worker_init && w->ops->worker_init(w, &s->ctx) != 0) {
        snprintf(m->error, sizeof m->error, "worker initialisation failed");
        free(s->sched), free(s);
        return -1;
    }
    *pool = s;
    m->spawn_s = pb_now() - s0;
    return 0;
}

static int run(void *pool, struct run_measure *m)
{
    struct solo *s = pool;
    if (m->pids)
        m->pids[0] = (int32_t)getpid();
    double cu, cs;
    runner_region_begin(&cu, &cs);
    double t0 = pb_now();
    if (s->sched) {
        /* The ready queue in order is a topological order. */
        size_t i;
        pb_sched_reset(s->sched);
        while (pb_sched_take(s->sched, &i) == 1) {
            struct task_record *rec = &m->tasks[i];
            runner_exec_ready(s->w, s->ctx, s->d, i, t0, 0, rec,
                              pb_sched_ready_s(s->sched, i),
                              pb_sched_failed_input(s->sched, i));
            pb_sched_done(s->sched, i, rec->res.status != 0, rec->end_s);
        }
    } else {
        for (size_t i = 0; i < s->d->ntasks; i++)
            runner_exec_task(s->w, s->ctx, s->d, i, t0, 0, &m->tasks[i]);
    }
    m->wall_s = pb_now() - t0;
    runner_region_end(m, cu, cs);
    return 0;
}

static int close_pool(void *pool, struct run_measure *m)
{
    struct solo *s = pool;
    double t = pb_now();
    if (s->w->ops->worker_fini && s->ctx)
        s->w->ops->worker_fini(s->w, s->ctx);
    free(s->sched), free(s);
    m->stop_s = pb_now() - t;
    return 0;
}

const struct runner runner_single = {
    .name = "single",
    .help = "every task in the calling process, in order (the baseline)",
    .kinds = WL_CPU | WL_IO | WL_DISK | WL_DEPS,
    .transfers = 1u << TRANSFER_SHARED,
    .default_transfer = TRANSFER_SHARED,
    .max_workers = 1,
    .open = open_pool,
    .run = run,
    .close = close_pool,
    .persistent = 1,
    .baseline = 1,
};
