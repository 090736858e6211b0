/* bench/estimate.c: how long a configuration will take, roughly.
 *
 * A small cost model per workload, scaled by a one-off measurement of this
 * machine: the image pipeline's time per byte at the plan's complexity
 * (one small image), and the prime kernel's time for a fixed range.  The
 * parallelism a run can get is min(workers, usable CPUs, --cpus).  Good
 * to a factor of about two, which is what a progress estimate needs; the
 * matrix progress line corrects it with the times actually measured. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/estimate.h"
#include "bench/host.h"
#include "kernels/prime.h"

/* Seconds per input byte of the image pipeline, per complexity. */
static double image_cost(const struct workload *w)
{
    static double cache[101];
    unsigned c = w->p.complexity > 100 ? 100 : w->p.complexity;
    if (cache[c] > 0)
        return cache[c];
    struct workload probe = {.ops = w->ops, .p = w->p};
    probe.p.tasks = 1;
    probe.p.size_bytes = 3 * 192 * 192;
    char err[200];
    if (probe.ops->setup(&probe, err, sizeof err))
        return 1e-8;
    size_t n = probe.ops->input_size(&probe, 0);
    unsigned char *in = malloc(n), *out = malloc(n);
    void *ctx = NULL;
    double t = 1e-8;
    if (in && out &&
        (!probe.ops->worker_init || !probe.ops->worker_init(&probe, &ctx))) {
        probe.ops->make_input(&probe, 0, in);
        struct task_result r;
        double t0 = pb_now();
        wl_exec(&probe, ctx, 0, in, out, &r);
        t = (pb_now() - t0) / (double)n;
        if (probe.ops->worker_fini)
            probe.ops->worker_fini(&probe, ctx);
    }
    free(in), free(out);
    if (probe.ops->teardown)
        probe.ops->teardown(&probe);
    return cache[c] = t;
}

static double prime_cost(uint64_t limit)
{
    static double per; /* seconds for [2, 200000) */
    if (per == 0) {
        double t0 = pb_now();
        prime_sum_range(2, 200000);
        per = pb_now() - t0;
    }
    /* Trial division: n numbers, about sqrt(n)/ln(n) divisions each. */
    double r = (double)limit / 200000.0;
    return per * pow(r, 1.5) * log(200000.0) / log((double)limit + 2);
}

double estimate_run_s(const struct run_plan *p)
{
    const struct workload *w = &p->w;
    double par = p->ro.workers;
    unsigned cpus = host_effective_cpus();
    if (par > cpus)
        par = cpus;
    if (p->limits.cpus > 0 && par > p->limits.cpus)
        par = p->limits.cpus;
    if (par < 1e-3)
        par = 1;
    double reps = p->warmup + p->repeat, one = 0.01, setup = 0;
    const char *name = w->ops->name;
    if (!strcmp(name, "image")) {
        double bytes = (double)w->p.size_bytes;
        one = bytes * image_cost(w) / par;
        setup = bytes * 2e-9;
    } else if (!strcmp(name, "prime")) {
        one = prime_cost(w->p.limit) / par;
    } else if (!strcmp(name, "spin")) {
        one = (double)w->p.tasks * w->p.duration_s / par;
    } else {
        /* I/O: the server's latency per round of `workers` requests. */
        double rounds = ceil((double)w->p.tasks / p->ro.workers);
        one = rounds * 0.05 + 0.02;
        setup = 0.2;
    }
    if (!strcmp(p->runner->name, "mpi"))
        one += 0.3; /* mpiexec start-up per repetition */
    return setup + reps * one;
}
