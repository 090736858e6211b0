/* bench/plot.h: what the chart kinds of `parbench plot` share: the
 * command's state, run selection, legend text, data files and drawing.
 * Private to bench/plot.c and bench/plot_timeline.c. */
#ifndef PB_PLOT_H
#define PB_PLOT_H
#include <stdio.h>

#include "bench/plotrun.h"
#include "bench/reportload.h"

/* One `parbench plot`. */
struct plot {
    const char *out, *format, *run_arg; /* --out, --format, --run */
    struct rl_report r;
    struct plotrun g;          /* gnuplot and the templates */
    char host[256];            /* "host vm (AMD EPYC, 2 CPUs)" */
    int written;               /* charts written so far */
};

/* Median, min and max over the repetitions of a run's field. */
void plot_rep_stats(const cJSON *run, const char *path, double *med,
                    double *lo, double *hi);
/* The run succeeded and has repetitions. */
int plot_run_ok(const cJSON *run);
/* Legend text: runner, then workers / tasks unless vary names them (tasks
 * only when tasks_vary), then the fields listed in extra. */
void plot_series_label(const cJSON *run, const char *vary, const char *extra,
                       int tasks_vary, char *buf, size_t n);
/* Create DIR/kind_wl.dat (path returned in path) with a comment line. */
FILE *plot_open_dat(const struct plot *p, const char *kind, const char *wl,
                    char *path, size_t n, char *err, size_t errlen);
/* Run plots/kind.gp on datafile into DIR/kind_wl.png|svg, w x h pixels,
 * with the common parameters added to v; prints the chart's path. */
int plot_draw(struct plot *p, const char *kind, const char *wl,
              const char *datafile, struct plotvars *v, double w, double h,
              char *err, size_t errlen);
/* bench/plot_timeline.c: the run a workload's timeline shows, and the
 * timeline (Gantt) chart of one run. */
const cJSON *plot_timeline_run(const struct plot *p, const char *wl);
int plot_timeline(struct plot *p, const cJSON *run, char *err, size_t errlen);
#endif
