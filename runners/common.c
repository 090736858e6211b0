/* runners/common.c: the runner table and the few steps every runner shares. */
#include <string.h>

#include "runners/list.h"
#include "runners/runner.h"

#define DECLARE(n) extern const struct runner runner_##n;
PB_RUNNERS(DECLARE)
#undef DECLARE

#define ENTRY(n) &runner_##n,
const struct runner *const runner_table[] = {PB_RUNNERS(ENTRY) NULL};
#undef ENTRY

const struct runner *runner_find(const char *name)
{
    for (size_t i = 0; runner_table[i]; i++)
        if (strcmp(runner_table[i]->name, name) == 0)
            return runner_table[i];
    return NULL;
}

void runner_exec_task(const struct workload *w, void *ctx,
                      const struct task_data *d, size_t i, double t0,
                      int32_t worker, struct task_record *rec)
{
    const void *in = d->in ? d->in + d->in_off[i] : NULL;
    void *out = d->out + d->out_off[i];
    rec->worker = worker;
    rec->start_s = pb_now() - t0;
    wl_exec(w, ctx, i, in, out, &rec->res);
    rec->end_s = pb_now() - t0;
}

void runner_static_block(size_t ntasks, unsigned n, unsigned k, size_t *lo,
                         size_t *hi)
{
    *lo = ntasks * k / n;
    *hi = ntasks * (k + 1) / n;
}

int runner_bind_worker(const struct run_options *o, unsigned worker)
{
    return o->bind_worker ? o->bind_worker(o->bind_arg, worker) : 0;
}
