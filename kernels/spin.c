/* kernels/spin.c: the `spin` workload, a task that computes for a set time.
 *
 * Used to measure what a runner costs per task: with tasks of known length,
 * wall time minus tasks x length / workers is overhead.  A task is a fixed
 * number of iterations of a dependent multiply-add chain (no clock in the
 * loop, no memory traffic), so its length does not depend on timer
 * resolution or on how it is scheduled.  setup() calibrates iterations per
 * second on the driver and stores the count in its spin_iters option,
 * which the report records (and which the mpi ranks receive, so they do
 * not calibrate again); --spin-iters pins it for runs that must be
 * comparable across machines.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "kernels/spin.h"

/* The workload's own options. */
struct spin_params {
    double duration_s;   /* compute time per task, turned into iterations */
    uint64_t spin_iters; /* iterations per task; 0 = calibrate from duration */
};
PB_PARAMS_FIT(struct spin_params);

#define SP(f) offsetof(struct spin_params, f)
static const struct opt spin_opts[] = {
    {"duration", OT_DURATION, SP(duration_s), 0, 0, "TIME", "compute time per task", "10ms"},
    {"spin-iters", OT_UINT, SP(spin_iters), 1, INT64_MAX, "N", "iterations per task, instead of calibrating them from --duration", NULL},
};
#undef SP

static struct spin_params *params_of(struct workload *w)
{
    return (struct spin_params *)(void *)w->params;
}

static const struct spin_params *cparams_of(const struct workload *w)
{
    return (const struct spin_params *)(const void *)w->params;
}

uint64_t spin_run(uint64_t iters, uint64_t x)
{
    for (uint64_t k = 0; k < iters; k++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        /* Opaque to the optimiser: the chain cannot be folded away. */
        __asm__ volatile("" : "+r"(x));
    }
    return x;
}

double spin_calibrate(void)
{
    uint64_t n = 1u << 16;
    double best = 0;
    /* Grow until one round takes >= 10 ms, then keep the fastest of five
     * rounds: the least disturbed by other load on the machine. */
    for (;;) {
        double t = pb_now();
        spin_run(n, 1);
        t = pb_now() - t;
        if (t >= 0.01)
            break;
        n *= 2;
    }
    for (int r = 0; r < 5; r++) {
        double t = pb_now();
        spin_run(n, 1);
        t = pb_now() - t;
        double rate = (double)n / t;
        if (rate > best)
            best = rate;
    }
    return best;
}

static int setup(struct workload *w, char *err, size_t errlen)
{
    struct spin_params *sp = params_of(w);
    if (sp->spin_iters == 0) {
        if (!(sp->duration_s > 0)) {
            snprintf(err, errlen, "--duration must be positive");
            return -EINVAL;
        }
        double it = sp->duration_s * spin_calibrate();
        sp->spin_iters = it < 1 ? 1 : (uint64_t)llround(it);
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
    (void)ctx, (void)in, (void)r;
    uint64_t s = w->p.seed ^ (0x9e3779b97f4a7c15ull * (i + 1));
    uint64_t x = spin_run(cparams_of(w)->spin_iters, s);
    unsigned char *o = out;
    for (int b = 0; b < 8; b++)
        o[b] = (unsigned char)(x >> (8 * b));
    return 0;
}

static int describe(const struct workload *w, const char **keys,
                    double *vals, int n)
{
    if (n < 1)
        return 0;
    keys[0] = "spin_iters";
    vals[0] = (double)cparams_of(w)->spin_iters;
    return 1;
}

static void report(const struct workload *w, const struct wl_sink *s)
{
    s->num(s->ctx, "duration_s", cparams_of(w)->duration_s);
}

static void estimate(const struct workload *w, double par, unsigned workers,
                     double *rep_s, double *setup_s)
{
    (void)workers;
    *rep_s = (double)w->p.tasks * cparams_of(w)->duration_s / par;
    *setup_s = 0;
}

const struct workload_ops wl_spin = {
    .name = "spin",
    .help = "each task computes for --duration (calibrated arithmetic)",
    .kind = WL_CPU,
    .opts = spin_opts,
    .nopts = sizeof spin_opts / sizeof *spin_opts,
    .setup = setup,
    .input_size = in_size,
    .output_size = out_size,
    .run_task = run_task,
    .describe = describe,
    .report = report,
    .estimate = estimate,
};
