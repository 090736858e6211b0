/* bench/engine/metg.c: the arithmetic of METG sweeps (see metg.h): efficiency,
 * sizing and choosing points, and finding METG between them.
 *
 * Why the crossing rule is "the first drop below the threshold confirmed by
 * the next point" rather than Task Bench's "smallest duration still at or
 * above it": the two agree on a monotone curve, but on a shared machine a
 * single lucky repetition at a tiny duration would make the latter report
 * a METG far below where the runner really collapsed, and a single unlucky
 * one near the start would make a plain "first drop" report one far above.
 * Requiring two points in a row below the threshold ignores one outlier
 * either way; medians over repetitions take care of the rest. */
#include <errno.h>
#include <math.h>

#include "bench/engine/metg.h"

double metg_efficiency(double useful_s, unsigned workers, double wall_s)
{
    if (!(wall_s > 0) || workers == 0 || !(useful_s >= 0))
        return NAN;
    return useful_s / ((double)workers * wall_s);
}

uint64_t metg_spin_iters(double task_s, double iter_s)
{
    if (!(task_s > 0) || !(iter_s > 0))
        return 1;
    double it = round(task_s / iter_s);
    if (it < 1)
        return 1;
    if (it > 9e18)
        return UINT64_C(9000000000000000000);
    return (uint64_t)it;
}

double metg_next(const struct metg_sweep *s, double task_s, double efficiency)
{
    if (!(efficiency >= s->stop_eff))
        return 0;
    double half = task_s / 2;
    /* A little slack so a floor given as an exact halving of the start
     * (4 ms -> 125 us) is still reached despite rounding. */
    if (half < s->floor_s * (1 - 1e-9))
        return 0;
    return half;
}

uint64_t metg_tasks(const struct metg_sweep *s, double task_s,
                    unsigned workers, double prev_task_s, uint64_t prev_tasks,
                    double prev_wall_s)
{
    double w = workers ? workers : 1;
    double n = task_s > 0 ? ceil(s->work_s * w / task_s) : (double)s->max_tasks;
    if (prev_tasks > 0 && prev_wall_s > 0 && s->max_wall_s > 0) {
        double over = prev_wall_s / (double)prev_tasks - prev_task_s / w;
        if (over < 0)
            over = 0;
        double per = task_s / w + over;
        if (per > 0 && floor(s->max_wall_s / per) < n)
            n = floor(s->max_wall_s / per);
    }
    double least = (double)s->min_tasks_per_worker * w;
    if (n < least)
        n = least;
    if (n > (double)s->max_tasks)
        n = (double)s->max_tasks;
    return n < 1 ? 1 : (uint64_t)n;
}

int metg_find(const struct metg_point *pts, size_t n, double threshold,
              double *metg_s)
{
    if (n == 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(pts[i].task_s > 0) || isnan(pts[i].efficiency))
            return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!(pts[i].efficiency < threshold))
            continue;
        if (i + 1 < n && !(pts[i + 1].efficiency < threshold))
            continue; /* an isolated dip: noise */
        if (i == 0)
            return 2;
        /* pts[i - 1] is at or above the threshold: had it been below, the
         * loop would have stopped there, confirmed by pts[i]. */
        const struct metg_point *a = &pts[i - 1], *b = &pts[i];
        double frac = (a->efficiency - threshold) /
                      (a->efficiency - b->efficiency);
        double la = log(a->task_s), lb = log(b->task_s);
        *metg_s = exp(la + frac * (lb - la));
        return 0;
    }
    return 1;
}
