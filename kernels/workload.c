/* kernels/workload.c: the workload table and what every workload shares:
 * running a task with its digest, folding digests, the clock. */
#include <string.h>
#include <time.h>

#include "kernels/list.h"
#include "kernels/workload.h"

#define DECLARE(n) extern const struct workload_ops wl_##n;
PB_WORKLOADS(DECLARE)
#undef DECLARE

/* The one table of workloads, from kernels/list.h. */
#define ENTRY(n) &wl_##n,
const struct workload_ops *const wl_table[] = {PB_WORKLOADS(ENTRY) NULL};
#undef ENTRY

const char *wl_kind_text(unsigned kind)
{
    if (kind & WL_DEPS)
        return kind & WL_IO     ? "I/O-bound, with task dependencies"
               : kind & WL_DISK ? "disk-bound, with task dependencies"
                                : "CPU-bound, with task dependencies";
    return kind & WL_IO ? "I/O-bound" : kind & WL_DISK ? "disk-bound"
                                                       : "CPU-bound";
}

const struct workload_ops *wl_find(const char *name)
{
    for (size_t i = 0; wl_table[i]; i++)
        if (strcmp(wl_table[i]->name, name) == 0)
            return wl_table[i];
    return NULL;
}

int wl_exec(const struct workload *w, void *ctx, size_t i, const void *in,
            void *out, struct task_result *r)
{
    memset(r, 0, sizeof *r);
    int rc = w->ops->run_task(w, ctx, i, in, out, r);
    if (!w->ops->sets_digest) {
        size_t n = w->ops->output_size(w, i);
        r->digest = pb_hash64(out, n, 0);
        r->bytes = n;
    }
    if (rc != 0 && r->status == 0)
        r->status = -1;
    return rc;
}

uint64_t wl_fold_digests(const uint64_t *digests, size_t n)
{
    struct pb_hasher h;
    pb_hash_init(&h, 0x70617262656e6368ull); /* "parbench" */
    for (size_t i = 0; i < n; i++) {
        unsigned char le[8];
        for (int b = 0; b < 8; b++)
            le[b] = (unsigned char)(digests[i] >> (8 * b));
        pb_hash_update(&h, le, sizeof le);
    }
    return pb_hash_final(&h);
}

double pb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void wl_memory(const struct workload *w, struct wl_memory *m)
{
    *m = (struct wl_memory){0};
    for (size_t i = 0; i < w->p.tasks; i++) {
        size_t in = w->ops->input_size(w, i), out = w->ops->output_size(w, i);
        m->inputs += in;
        m->outputs += out;
        m->max_input = in > m->max_input ? in : m->max_input;
        m->max_output = out > m->max_output ? out : m->max_output;
    }
    m->worker = w->ops->worker_bytes ? w->ops->worker_bytes(w) : 0;
}
