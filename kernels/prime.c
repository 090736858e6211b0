/* kernels/prime.c: the CPU-bound counterpart of the reference experiment
 * 002: the sum of primes below --limit by 6k+-1 trial division, split into
 * --tasks equal ranges of [2, limit).  Trial division makes later ranges
 * dearer, exactly as in the reference, so dynamic scheduling matters. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernels/prime.h"

/* Largest --limit accepted: the sum of primes below it must fit int64
 * (it is about limit^2 / (2 ln limit)). */
#define PRIME_LIMIT_MAX 10000000000ull

/* The workload's own options. */
struct prime_params {
    uint64_t limit; /* sum the primes p < limit */
};
PB_PARAMS_FIT(struct prime_params);

static const struct opt prime_opts[] = {
    {"limit", OT_UINT, offsetof(struct prime_params, limit), 2, INT64_MAX,
     "N", "sum the primes below N", "1000000"},
};

static uint64_t limit_of(const struct workload *w)
{
    return ((const struct prime_params *)(const void *)w->params)->limit;
}

int prime_is_prime(uint64_t n)
{
    if (n < 2)
        return 0;
    if (n < 4)
        return 1;
    if (n % 2 == 0 || n % 3 == 0)
        return 0;
    for (uint64_t d = 5; d * d <= n; d += 6)
        if (n % d == 0 || n % (d + 2) == 0)
            return 0;
    return 1;
}

int64_t prime_sum_range(uint64_t lo, uint64_t hi)
{
    int64_t s = 0;
    for (uint64_t n = lo; n < hi; n++)
        if (prime_is_prime(n))
            s += (int64_t)n;
    return s;
}

void prime_task_range(uint64_t limit, size_t tasks, size_t i, uint64_t *lo,
                      uint64_t *hi)
{
    uint64_t span = limit > 2 ? limit - 2 : 0;
    /* 128-bit products: span * i overflows 64 bits for large limits. */
    *lo = 2 + (uint64_t)((unsigned __int128)span * i / tasks);
    *hi = 2 + (uint64_t)((unsigned __int128)span * (i + 1) / tasks);
}

static int setup(struct workload *w, char *err, size_t errlen)
{
    uint64_t limit = limit_of(w);
    if (limit > PRIME_LIMIT_MAX) {
        snprintf(err, errlen, "limit %llu is too large (at most %llu)",
                 (unsigned long long)limit, PRIME_LIMIT_MAX);
        return -EINVAL;
    }
    if (limit < 2 + w->p.tasks && w->p.tasks > 1) {
        snprintf(err, errlen,
                 "limit %llu leaves fewer numbers than %zu tasks",
                 (unsigned long long)limit, w->p.tasks);
        return -EINVAL;
    }
    return 0;
}

static size_t in_size(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 0; /* the range is a function of the task index */
}

static size_t out_size(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 8;
}

static int run_task(const struct workload *w, void *ctx, size_t i,
                    const void *in, void *out, struct task_result *r)
{
    (void)ctx, (void)in;
    uint64_t lo, hi;
    prime_task_range(limit_of(w), w->p.tasks, i, &lo, &hi);
    int64_t s = prime_sum_range(lo, hi);
    unsigned char *o = out;
    for (int b = 0; b < 8; b++)
        o[b] = (unsigned char)((uint64_t)s >> (8 * b));
    r->value = s;
    return 0;
}

static void report(const struct workload *w, const struct wl_sink *s)
{
    s->num(s->ctx, "limit", (double)limit_of(w));
}

/* Trial division: n numbers, about sqrt(n)/ln(n) divisions each, scaled
 * by this machine's time for [2, 200000), measured once. */
static void estimate(const struct workload *w, double par, unsigned workers,
                     double *rep_s, double *setup_s)
{
    (void)workers;
    static double per;
    if (per == 0) {
        double t0 = pb_now();
        prime_sum_range(2, 200000);
        per = pb_now() - t0;
    }
    double limit = (double)limit_of(w), r = limit / 200000.0;
    *rep_s = per * pow(r, 1.5) * log(200000.0) / log(limit + 2) / par;
    *setup_s = 0;
}

const struct workload_ops wl_prime = {
    .name = "prime",
    .help = "sum of primes below --limit by 6k+-1 trial division",
    .kind = WL_CPU,
    .has_value = 1,
    .opts = prime_opts,
    .nopts = sizeof prime_opts / sizeof *prime_opts,
    .setup = setup,
    .input_size = in_size,
    .output_size = out_size,
    .run_task = run_task,
    .report = report,
    .estimate = estimate,
    .workers_chart = 1,
};
