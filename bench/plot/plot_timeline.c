/* bench/plot/plot_timeline.c: the timeline (Gantt) chart of one run: the
 * repetition with the median wall time, one row per worker labelled with
 * the share of the timed region it was busy, one bar per task from its
 * start to its end, and the end of the timed region; gaps are idle time,
 * rows ending early are imbalance.  A run with task dependencies also
 * shows, on each worker's row, where it stood free while the task it ran
 * next was not ready yet (its inputs had not ended: from its previous
 * task's end, or the start, to that task's ready_s), apart from the
 * bars of running; tasks that carry a "level" are coloured by it.  Data
 * for plots/timeline.gp. */
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

struct twork {
    double start, end, ready;
    int worker;
};

static int by_worker_start(const void *a, const void *b)
{
    const struct twork *x = a, *y = b;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

/* Block 3: for each worker, each stretch it was free while the task it
 * ran next was not ready (from its previous task's end, or 0, to that
 * task's ready_s).  How many rows, or -1 when out of memory. */
static int timeline_waits(FILE *f, const cJSON *tasks, int nw, double scale)
{
    int n = tasks ? cJSON_GetArraySize(tasks) : 0, k = 0, rows = 0;
    struct twork *tw = calloc(n ? (size_t)n : 1, sizeof *tw);
    if (!tw)
        return -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, tasks) {
        double a = rl_num(t, "start_s"), b = rl_num(t, "end_s");
        int w = (int)rl_num(t, "worker");
        if (!(b >= a) || w < 0 || w >= nw)
            continue;
        tw[k++] = (struct twork){a, b, rl_num(t, "ready_s"), w};
    }
    qsort(tw, (size_t)k, sizeof *tw, by_worker_start);
    fputs("\n\n", f);
    for (int i = 0; i < k; i++) {
        double free_at = i > 0 && tw[i - 1].worker == tw[i].worker
                             ? tw[i - 1].end : 0;
        double until = tw[i].ready < tw[i].start ? tw[i].ready : tw[i].start;
        if (until > free_at) {
            fprintf(f, "%.6g %.6g %d\n", free_at * scale, until * scale,
                    tw[i].worker);
            rows++;
        }
    }
    if (!rows) /* gnuplot wants a block to exist */
        fputs("NaN NaN NaN\n", f);
    free(tw);
    return rows;
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
    fprintf(f, "# block 0: task start end worker colour (level or id); "
               "block 1: worker labels; block 2: end of the timed region; "
               "block 3: waiting for inputs: start end worker\n");
    const cJSON *t;
    int deps = 0, levels = 0;
    double maxc = 0;
    cJSON_ArrayForEach(t, tasks) {
        double a = rl_num(t, "start_s"), b = rl_num(t, "end_s");
        int w = (int)rl_num(t, "worker");
        if (!(b >= a) || w < 0 || w >= nw)
            continue;
        busy[w] += b - a;
        deps |= cJSON_IsNumber(cJSON_GetObjectItem(t, "ready_s"));
        const cJSON *lv = cJSON_GetObjectItem(t, "level");
        levels |= cJSON_IsNumber(lv);
        double c = cJSON_IsNumber(lv) ? lv->valuedouble : rl_num(t, "id");
        if (c > maxc)
            maxc = c;
        fprintf(f, "%g %.6g %.6g %d %g\n", rl_num(t, "id"), a * scale,
                b * scale, w, c);
    }
    fputs("\n\n", f);
    for (int w = 0; w < nw; w++)
        fprintf(f, "%d \"worker %d: %.0f%% busy\"\n", w, w,
                wall > 0 ? 100 * busy[w] / wall : 0);
    fprintf(f, "\n\n%.6g -0.5\n%.6g %.1f\n", wall * scale, wall * scale, nw - 0.5);
    int waits = timeline_waits(f, deps ? tasks : NULL, nw, scale);
    fclose(f);
    free(busy);
    if (waits < 0)
        return -ENOMEM;
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
    plotvars_num(&v, "waits", waits);
    plotvars_num(&v, "maxcolour", maxc);
    plotvars_str(&v, "colourby", levels ? "level" : "task id (order handed out)");
    /* 20 px a worker beyond 16, up to 4000 px: past that (about 200
     * workers) rows are too thin to label one by one, so the y axis gets
     * ordinary tics instead of a label per worker; the chart still
     * renders whatever the count. */
    double h = nw > 16 ? 600 + 20 * (nw - 16) : 600;
    plotvars_num(&v, "labels", nw <= 150);
    return plot_draw(p, "timeline", wl, dat, &v, 1000, h > 4000 ? 4000 : h,
                     err, errlen);
}
