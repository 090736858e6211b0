/* runners/single.c: every task in the calling process, in order.  The
 * baseline all speedups are measured against. */
#include <stdio.h>
#include <string.h>

#include "runners/runner.h"

static int run(const struct workload *w, const struct task_data *d,
               const struct run_options *o, struct run_measure *m)
{
    (void)o;
    void *ctx = NULL;
    if (w->ops->worker_init && w->ops->worker_init(w, &ctx) != 0) {
        snprintf(m->error, sizeof m->error, "worker initialisation failed");
        return -1;
    }
    double t0 = pb_now();
    for (size_t i = 0; i < d->ntasks; i++)
        runner_exec_task(w, ctx, d, i, t0, 0, &m->tasks[i]);
    m->wall_s = pb_now() - t0;
    if (w->ops->worker_fini)
        w->ops->worker_fini(w, ctx);
    return 0;
}

const struct runner runner_single = {
    .name = "single",
    .help = "every task in the calling process, in order (the baseline)",
    .kinds = WL_CPU | WL_IO,
    .transfers = 1u << TRANSFER_SHARED,
    .default_transfer = TRANSFER_SHARED,
    .max_workers = 1,
    .run = run,
};
