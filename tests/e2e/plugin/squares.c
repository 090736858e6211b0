/* tests/e2e/plugin/squares.c: a throw-away workload, compiled in only by
 * tests/e2e/t_plugin.sh (make EXTRA_WORKLOADS=tests/e2e/plugin/squares.c)
 * to show that a workload is one file: its options, checks, report keys
 * and estimate are declared here and nowhere else.  Task i sums the
 * squares of --terms consecutive numbers starting at i * terms + offset. */
#include <errno.h>
#include <stdio.h>

#include "kernels/workload.h"

struct squares_params {
    uint64_t terms; /* numbers squared by each task */
    int64_t offset; /* added to every number first */
};
PB_PARAMS_FIT(struct squares_params);

#define SQ(f) offsetof(struct squares_params, f)
static const struct opt squares_opts[] = {
    {"terms", OT_UINT, SQ(terms), 1, 100000000, "N", "numbers each task squares and sums", "1000"},
    {"offset", OT_INT, SQ(offset), -1000, 1000, "K", "added to every number before squaring", "0"},
};
#undef SQ

static const struct squares_params *params_of(const struct workload *w)
{
    return (const struct squares_params *)(const void *)w->params;
}

/* Values together: the first task must square some number >= 0. */
static int check(const struct workload *w, char *err, size_t errlen)
{
    const struct squares_params *sp = params_of(w);
    if (sp->offset < 0 && (uint64_t)-sp->offset >= sp->terms) {
        snprintf(err, errlen, "--offset %lld needs --terms above %lld",
                 (long long)sp->offset, (long long)-sp->offset);
        return -EINVAL;
    }
    return 0;
}

static size_t in_size(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 0;
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
    const struct squares_params *sp = params_of(w);
    uint64_t sum = 0;
    for (uint64_t k = 0; k < sp->terms; k++) {
        uint64_t x = (uint64_t)((int64_t)(i * sp->terms + k) + sp->offset);
        sum += x * x;
    }
    unsigned char *o = out;
    for (int b = 0; b < 8; b++)
        o[b] = (unsigned char)(sum >> (8 * b));
    r->value = (int64_t)(sum & 0xffffffffu);
    return 0;
}

static void report(const struct workload *w, const struct wl_sink *s)
{
    s->num(s->ctx, "terms", (double)params_of(w)->terms);
    s->num(s->ctx, "offset", (double)params_of(w)->offset);
}

static void estimate(const struct workload *w, double par, unsigned workers,
                     double *rep_s, double *setup_s)
{
    (void)workers;
    *rep_s = (double)w->p.tasks * (double)params_of(w)->terms * 1e-9 / par;
    *setup_s = 0;
}

const struct workload_ops wl_squares = {
    .name = "squares",
    .help = "sums of squares of --terms numbers per task (a test plug-in)",
    .kind = WL_CPU,
    .has_value = 1,
    .opts = squares_opts,
    .nopts = sizeof squares_opts / sizeof *squares_opts,
    .check = check,
    .input_size = in_size,
    .output_size = out_size,
    .run_task = run_task,
    .report = report,
    .estimate = estimate,
};
