/* bench/plot/plot_timeline.c: the timeline (Gantt) chart of one run: the
 * repetition with the median wall time, one row per worker labelled with
 * the share of the timed region it was busy, one bar per task from its
 * start to its end, and the end of the timed region; gaps are idle time,
 * rows ending early are imbalance.  Data for plots/timeline.gp. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plot/plot.h"
#include "bench/report/stats.h"

/* The run whose timeline is drawn: the most workers the CPUs can run at
 * once (oversubscribed runs show little but waiting), then the most tasks. */
const cJSON *plot_timeline_run(const struct plot *p, const char *wl)
{
    const cJSON *best = NULL;
    double cap = p->r.cpus > 0 ? p->r.cpus : INFINITY, bw = 0, bt = 0;
    for (int i = 0; i < p->r.nruns; i++) {
        const cJSON *run = rl_run(&p->r, i);
        if (strcmp(rl_str(run, "workload"), wl) || !plot_run_ok(run))
            continue;
        double w = rl_num(run, "workers"), t = rl_num(run, "tasks");
        int fits = w <= cap, bfits = bw <= cap;
        if (!best || (fits && !bfits) ||
            (fits == bfits && (fits ? w > bw : w < bw)) ||
            (w == bw && t > bt))
            best = run, bw = w, bt = t;
    }
    return best;
}

/* Gantt chart of the repetition with the median wall time. */
int plot_timeline(struct plot *p, const cJSON *run, char *err,
                  size_t errlen)
{
    const char *wl = rl_str(run, "workload");
    double *x;
    size_t n = rl_rep_values(run, "wall_s", &x);
    double med = pb_median(x, n);
    free(x);
    const cJSON *rep, *pick = NULL;
    int idx = 0, pidx = 0;
    cJSON_ArrayForEach(rep, rl_get(run, "repetitions")) {
        double w = rl_num(rep, "wall_s");
        if (!pick || fabs(w - med) < fabs(rl_num(pick, "wall_s") - med))
            pick = rep, pidx = idx;
        idx++;
    }
    const cJSON *tasks = rl_get(pick, "tasks");
    int nw = (int)rl_num(run, "workers"), nt = cJSON_GetArraySize(tasks);
    if (!pick || nt == 0 || nw < 1 || nw > 1000000) {
        fprintf(stderr, "parbench: plot: %s: no timeline (the run recorded no "
                "tasks)\n", wl);
        return 0;
    }
    double wall = rl_num(pick, "wall_s"), scale = wall < 1 ? 1e3 : 1;
    double *busy = calloc((size_t)nw, sizeof *busy);
    char dat[4200];
    FILE *f = busy ? plot_open_dat(p, "timeline", wl, dat, sizeof dat, err, errlen)
                   : NULL;
    if (!f) {
        free(busy);
        return busy ? -EIO : -ENOMEM;
    }
    fprintf(f, "# block 0: task start end worker; block 1: worker labels; "
               "block 2: end of the timed region\n");
    const cJSON *t;
    cJSON_ArrayForEach(t, tasks) {
        double a = rl_num(t, "start_s"), b = rl_num(t, "end_s");
        int w = (int)rl_num(t, "worker");
        if (!(b >= a) || w < 0 || w >= nw)
            continue;
        busy[w] += b - a;
        fprintf(f, "%g %.6g %.6g %d\n", rl_num(t, "id"), a * scale, b * scale, w);
    }
    fputs("\n\n", f);
    for (int w = 0; w < nw; w++)
        fprintf(f, "%d \"worker %d: %.0f%% busy\"\n", w, w,
                wall > 0 ? 100 * busy[w] / wall : 0);
    fprintf(f, "\n\n%.6g -0.5\n%.6g %.1f\n", wall * scale, wall * scale, nw - 0.5);
    fclose(f);
    free(busy);
    char what[512], lab[256];
    plot_series_label(run, "", "", 1, lab, sizeof lab);
    snprintf(what, sizeof what, "%s, repetition %d of %zu (median wall time)",
             lab, pidx + 1, n);
    struct plotvars v;
    plotvars_init(&v);
    plotvars_str(&v, "what", what);
    plotvars_num(&v, "nworkers", nw);
    plotvars_num(&v, "ntasks", nt);
    plotvars_str(&v, "unit", scale > 1 ? "ms" : "s");
    /* 20 px a worker beyond 16, up to 4000 px: past that (about 200
     * workers) rows are too thin to label one by one, so the y axis gets
     * ordinary tics instead of a label per worker; the chart still
     * renders whatever the count. */
    double h = nw > 16 ? 600 + 20 * (nw - 16) : 600;
    plotvars_num(&v, "labels", nw <= 150);
    return plot_draw(p, "timeline", wl, dat, &v, 1000, h > 4000 ? 4000 : h,
                     err, errlen);
}
