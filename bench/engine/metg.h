/* bench/engine/metg.h: the arithmetic of METG, Task Bench's minimum effective task
 * granularity, apart from running anything (no I/O, no clocks), so it can
 * be tested on made-up timings.
 *
 * A sweep runs the same amount of useful work cut into tasks of shrinking
 * duration.  At each point, efficiency = useful work time / (workers x
 * wall).  METG(50%) is the task duration at which efficiency falls to 50%:
 * the smaller it is, the finer the work a runner can still run well. */
#ifndef PB_METG_H
#define PB_METG_H
#include <stddef.h>
#include <stdint.h>

/* One measured point of a sweep. */
struct metg_point {
    double task_s;     /* intended task duration (spin_iters x iter_s) */
    double efficiency; /* useful / (workers x wall); NaN if unmeasured */
};

/* How a sweep chooses and sizes its points. */
struct metg_sweep {
    double start_s;      /* largest task duration, the first point */
    double floor_s;      /* no point below this duration */
    double stop_eff;     /* stop once a point's efficiency is below this */
    double work_s;       /* useful time per worker aimed at per point */
    double max_wall_s;   /* predicted wall of one repetition at most this */
    uint64_t min_tasks_per_worker; /* at least this many tasks per worker */
    uint64_t max_tasks;  /* at most this many tasks per point (memory) */
};

/* useful_s / (workers x wall_s); NaN when wall_s or workers is not
 * positive (nothing was measured). */
double metg_efficiency(double useful_s, unsigned workers, double wall_s);

/* Spin iterations that last task_s at iter_s seconds each: rounded, at
 * least 1. */
uint64_t metg_spin_iters(double task_s, double iter_s);

/* The next point's duration (half of task_s), or 0 when the sweep stops:
 * the efficiency just measured is below s->stop_eff (or NaN), or half of
 * task_s would be under the floor. */
double metg_next(const struct metg_sweep *s, double task_s, double efficiency);

/* Tasks for a point of task_s on `workers` workers: enough for s->work_s
 * of useful time per worker and s->min_tasks_per_worker each, at most
 * s->max_tasks, and, when the previous point is known (prev_tasks > 0),
 * few enough that the predicted wall of one repetition stays within
 * s->max_wall_s.  The prediction models wall per task as task_s / workers
 * plus a constant overhead, taken from the previous point: small tasks on
 * a runner with a large per-task cost would otherwise take minutes. */
uint64_t metg_tasks(const struct metg_sweep *s, double task_s,
                    unsigned workers, double prev_task_s, uint64_t prev_tasks,
                    double prev_wall_s);

/* METG at `threshold` (0.5 for METG(50%)) over pts[0..n) in descending
 * task_s order.  The crossing is the first point below the threshold that
 * the next point confirms (it is below too, or there is no next point); a
 * single point below followed by one at or above is taken as noise.  The
 * result is interpolated between the crossing and the point before it,
 * linearly in log(task_s).  Returns 0 with *metg_s set; 1 when efficiency
 * never fell below the threshold for good (METG is under the last point);
 * 2 when the first point is already below it (METG is above the sweep);
 * -EINVAL for no points or a point with non-positive task_s. */
int metg_find(const struct metg_point *pts, size_t n, double threshold,
              double *metg_s);
#endif
