/* bench/plot/plot_charts.c: the charts of runs along tasks or workers, as
 * small multiples: execution time and peak memory against tasks, speedup
 * and efficiency or execution time against workers.  Writes one data
 * block per series, ordered by panel, and the panel layout, axis ranges
 * and legend for plots/time_tasks.gp, memory.gp, speedup.gp, workers.gp.
 * Ranges are computed here from everything drawn (error bars, the dashed
 * end-to-end lines, ideal lines), so no line leaves its axes, and they
 * are shared by the panels of a chart, so panels compare at a glance. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/plugin.h"
#include "bench/plot/plot.h"
#include "kernels/workload.h"

/* Word lists for gnuplot's word(): numbers, or strings in double quotes. */
static void add_word(char *buf, size_t n, const char *fmt, double num,
                     const char *text)
{
    size_t u = strlen(buf);
    if (u >= n)
        return;
    if (text)
        snprintf(buf + u, n - u, "%s\"%s\"", u ? " " : "", text);
    else /* (fmt is never NULL here; the fallback quiets -Wformat) */
        snprintf(buf + u, n - u, fmt ? fmt : "%s%g", u ? " " : "", num);
}

void plot_layout(const struct chart *c, size_t metrics, size_t extra_keys,
                 int title_lines, struct plotvars *v, double *w, double *h)
{
    char first[512] = "", count[512] = "", title[4096] = "", cpus[512] = "",
         colour[1024] = "", keys[1024] = "";
    for (size_t p = 0; p < c->npanels; p++) {
        add_word(first, sizeof first, "%s%g", (double)c->pfirst[p], NULL);
        add_word(count, sizeof count, "%s%g", (double)c->pcount[p], NULL);
        add_word(title, sizeof title, NULL, 0, c->ptitle[p]);
        add_word(cpus, sizeof cpus, "%s%g", c->pcpus[p], NULL);
    }
    size_t longest = 0;
    for (int k = 0; k < (int)c->ncolours; k++)
        for (size_t i = 0; i < c->ns; i++)
            if (c->s[i].colour == k) { /* the first block of each colour */
                add_word(keys, sizeof keys, "%s%g", (double)i, NULL);
                size_t l = strlen(c->s[i].label);
                longest = l > longest ? l : longest;
                break;
            }
    for (size_t i = 0; i < c->ns; i++)
        add_word(colour, sizeof colour, "%s%g", c->s[i].colour + 1.0, NULL);
    size_t rows = (c->npanels + c->pcols - 1) / c->pcols;
    /* Wide enough for the columns of plots, tall enough for the rows and
     * a legend below them that is never cut: gnuplot fits as many legend
     * columns as the width allows; reckon conservatively with about 7 px
     * a character plus the line sample. */
    size_t cols = c->pcols * metrics;
    *w = cols <= 2 ? 1000 : cols == 3 ? 1200 : cols == 4 ? 1400 : 1500;
    double cell = rows == 1 ? 430 : metrics > 1 ? 250 : 300;
    if (longest < 35)
        longest = 35; /* "dashed: end to end, with start-up" */
    size_t per_row = (size_t)((*w - 40) / (7.5 * (double)longest + 100));
    per_row = per_row ? per_row : 1;
    size_t entries = c->ncolours + extra_keys;
    size_t lrows = (entries + per_row - 1) / per_row;
    double top = 40 + 18.0 * title_lines, legend = 22.0 * (double)lrows + 22;
    /* A panel of several plots gets a heading above them. */
    int headings = metrics > 1 && c->npanels > 1;
    *h = top + (double)rows * (cell + (headings ? 22 : 0)) + legend;
    plotvars_num(v, "npanels", (double)c->npanels);
    plotvars_num(v, "pcols", (double)c->pcols);
    plotvars_num(v, "prows", (double)rows);
    plotvars_num(v, "metrics", (double)metrics);
    plotvars_num(v, "headings", headings);
    plotvars_str(v, "pfirst", first);
    plotvars_str(v, "pcount", count);
    plotvars_str(v, "ptitle", title);
    plotvars_str(v, "pcpus", cpus);
    plotvars_str(v, "bcolour", colour);
    plotvars_str(v, "keyblock", keys);
    plotvars_num(v, "nkeys", (double)c->ncolours);
    plotvars_num(v, "top_px", top);
    plotvars_num(v, "legend_px", legend);
}

/* Comment lines naming each panel's blocks, so the data file says what
 * the chart shows without the template. */
static void write_panels(FILE *f, const struct chart *c)
{
    fprintf(f, "# panels split by: %s\n", *c->split ? c->split : "(none)");
    for (size_t p = 0; p < c->npanels; p++)
        fprintf(f, "# panel %zu \"%s\": blocks %zu to %zu\n", p,
                c->ptitle[p], c->pfirst[p], c->pfirst[p] + c->pcount[p] - 1);
}

/* Split the chart into panels and start its data file with them. */
static FILE *open_chart(const struct plot *p, struct chart *c,
                        const char *kind, const char *wl, const char *vary,
                        int force_cpus, size_t metrics, char *dat, size_t n,
                        char *err, size_t errlen)
{
    plot_split(c, vary, force_cpus, metrics);
    FILE *f = plot_open_dat(p, kind, wl, dat, n, err, errlen);
    if (f)
        write_panels(f, c);
    return f;
}

/* Times: milliseconds when everything is under a second. */
static double time_scale(const struct plot *p, const struct chart *c)
{
    double m = 0, med, lo, hi, e2e;
    for (size_t k = 0; k < c->ns; k++)
        for (size_t i = 0; i < c->s[k].n; i++) {
            plot_time_stats(p, c->s[k].run[i], &med, &lo, &hi, &e2e);
            m = fmax(m, fmax(hi, isnan(e2e) ? 0 : e2e));
        }
    return m < 1 ? 1e3 : 1;
}

/* One series' time points: x, median, min, max and the end-to-end median
 * when start-up adds more than 2% somewhere (else NaN: no dashed line, a
 * thread pool's microseconds would only double the lines). */
static int write_times(const struct plot *p, FILE *f, const struct series *s,
                       const char *x, double scale, double *ymax, double *ymin)
{
    double med[PLOT_MAXPOINTS], lo[PLOT_MAXPOINTS], hi[PLOT_MAXPOINTS],
        e2e[PLOT_MAXPOINTS];
    int dashed = 0;
    for (size_t i = 0; i < s->n; i++) {
        plot_time_stats(p, s->run[i], &med[i], &lo[i], &hi[i], &e2e[i]);
        dashed |= e2e[i] > med[i] * 1.02;
    }
    fprintf(f, "\"%s\" median min max end_to_end\n", s->label);
    for (size_t i = 0; i < s->n; i++) {
        double e = dashed ? e2e[i] * scale : NAN;
        fprintf(f, "%g %.6g %.6g %.6g %.6g\n", rl_num(s->run[i], x),
                med[i] * scale, lo[i] * scale, hi[i] * scale, e);
        *ymax = fmax(*ymax, fmax(hi[i] * scale, isnan(e) ? 0 : e));
        if (lo[i] > 0)
            *ymin = fmin(*ymin, lo[i] * scale);
    }
    fputs("\n\n", f);
    return dashed;
}

static const char *time_what(const struct plot *p)
{
    return p->time == PLOT_TIME_E2E ? "end to end (start-up + timed region + stop)"
                                    : "timed region";
}

/* Execution time (or memory) against tasks: needs a series with two task
 * counts or more. */
int plot_chart_tasks(struct plot *p, const char *wl, int memory, char *err,
                     size_t errlen)
{
    struct chart *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    plot_group(p, wl, "tasks", 0, c);
    size_t longest = 0;
    for (size_t k = 0; k < c->ns; k++)
        longest = c->s[k].n > longest ? c->s[k].n : longest;
    if (longest < 2) {
        fprintf(stderr, "parbench: plot: %s: no %s chart (needs runs with two "
                "task counts or more)\n", wl, memory ? "memory" : "time");
        free(c);
        return 0;
    }
    const char *kind = memory ? "memory" : "time_tasks";
    char dat[4200];
    FILE *f = open_chart(p, c, kind, wl, "tasks", 0, memory ? 3 : 1, dat,
                         sizeof dat, err, errlen);
    if (!f) {
        free(c);
        return -EIO;
    }
    double scale = time_scale(p, c), xmax = 0, ymax[3] = {0, 0, 0};
    double ymin = INFINITY;
    int dashed = 0;
    for (size_t k = 0; k < c->ns; k++) {
        const struct series *s = &c->s[k];
        xmax = fmax(xmax, rl_num(s->run[s->n - 1], "tasks"));
        if (!memory) {
            dashed += write_times(p, f, s, "tasks", scale, &ymax[0], &ymin);
            continue;
        }
        fprintf(f, "\"%s\" driver worker_max total\n", s->label);
        static const char *const fig[] = {"rss_peak_bytes.driver",
            "rss_peak_bytes.worker_max", "rss_peak_bytes.total"};
        for (size_t i = 0; i < s->n; i++) {
            double m[3], lo, hi;
            for (int j = 0; j < 3; j++) {
                plot_rep_stats(s->run[i], fig[j], &m[j], &lo, &hi);
                m[j] /= 1048576;
                ymax[j] = fmax(ymax[j], m[j]);
            }
            fprintf(f, "%g %.6g %.6g %.6g\n", rl_num(s->run[i], "tasks"),
                    m[0], m[1], m[2]);
        }
        fputs("\n\n", f);
    }
    int rc = plot_close_dat(f, dat, err, errlen);
    struct plotvars v;
    double w, h;
    plotvars_init(&v);
    plot_layout(c, memory ? 3 : 1, dashed > 0, 2, &v, &w, &h);
    plotvars_num(&v, "xmax", xmax);
    for (int j = 0; j < (memory ? 3 : 1); j++) {
        char name[8];
        snprintf(name, sizeof name, "ymax%d", j + 1);
        plotvars_num(&v, name, ymax[j] > 0 ? ymax[j] : 1);
    }
    plotvars_num(&v, "e2e", dashed > 0);
    /* When the lines span more than 8x (a one-shot mpi job's start-up
     * beside timed regions of milliseconds), a linear axis flattens the
     * small ones against zero: a log axis keeps every line readable. */
    int logy = !memory && isfinite(ymin) && ymax[0] > 8 * ymin;
    plotvars_num(&v, "logy", logy);
    plotvars_num(&v, "ymin1", logy ? ymin : 0);
    plotvars_str(&v, "unit", scale > 1 ? "ms" : "s");
    plotvars_str(&v, "timewhat", time_what(p));
    if (!rc)
        rc = plot_draw(p, kind, wl, dat, &v, w, h, err, errlen);
    free(c);
    return rc;
}

/* Speedup and efficiency against workers (speedup), or for prime and url
 * execution time against workers (workers). */
int plot_chart_workers(struct plot *p, const char *wl, int speedup,
                       char *err, size_t errlen)
{
    struct chart *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    plot_group(p, wl, "workers", speedup, c);
    size_t points = 0;
    double minw = INFINITY, maxw = 0;
    for (size_t k = 0; k < c->ns; k++)
        for (size_t i = 0; i < c->s[k].n; i++) {
            double w = rl_num(c->s[k].run[i], "workers");
            minw = fmin(minw, w), maxw = fmax(maxw, w);
            points++;
        }
    const char *kind = speedup ? "speedup" : "workers";
    if (points < 2 || maxw <= minw) {
        fprintf(stderr, "parbench: plot: %s: no %s chart (needs runs with two "
                "worker counts or more%s)\n", wl, kind,
                speedup ? " and a single-runner or 1-worker baseline" : "");
        free(c);
        return 0;
    }
    /* Under different CPU limits the ideal speedup differs: a panel each. */
    char dat[4200];
    FILE *f = open_chart(p, c, kind, wl, "workers", speedup, speedup ? 2 : 1,
                         dat, sizeof dat, err, errlen);
    if (!f) {
        free(c);
        return -EIO;
    }
    /* CPU-bound work cannot go faster than the CPUs allow; I/O-bound work
     * waits on the network, so its ideal speedup is not capped.  The
     * workload says which it is (a report's unknown workload: CPU). */
    const struct workload_ops *wo = wl_find(wl);
    int cpubound = !wo || wo->kind != WL_IO;
    /* Oversubscription (more workers than CPUs) or a wide range of worker
     * counts: a log2 axis spreads 1, 2, 4 ... 64 evenly. */
    int logx = ((p->r.cpus > 0 && maxw > p->r.cpus) || maxw / minw >= 16) &&
               minw > 0;
    double scale = time_scale(p, c), ymax[2] = {0, 1}, ymin = INFINITY;
    size_t from_single = 0;
    int dashed = 0;
    for (size_t k = 0; k < c->ns; k++) {
        const struct series *s = &c->s[k];
        if (!speedup) {
            dashed += write_times(p, f, s, "workers", scale, &ymax[0], &ymin);
            continue;
        }
        double t1, lo, hi, med;
        plot_rep_stats(s->base, "wall_s", &t1, &lo, &hi);
        from_single += plug_runner_is_baseline(rl_str(s->base, "runner"));
        /* The ideal line runs to the right edge of the axis. */
        double cpus = c->pcpus[s->panel] > 0 ? c->pcpus[s->panel] : p->r.cpus;
        double xend = maxw * (logx ? 1.25 : 1.06);
        double ideal = cpubound && cpus > 0 && cpus < xend ? cpus : xend;
        ymax[0] = fmax(ymax[0], ideal);
        fprintf(f, "\"%s\" speedup efficiency\n", s->label);
        for (size_t i = 0; i < s->n; i++) {
            double w = rl_num(s->run[i], "workers");
            plot_rep_stats(s->run[i], "wall_s", &med, &lo, &hi);
            fprintf(f, "%g %.6g %.6g\n", w, t1 / med, t1 / med / w);
            ymax[0] = fmax(ymax[0], t1 / med);
            ymax[1] = fmax(ymax[1], t1 / med / w);
        }
        fputs("\n\n", f);
    }
    int rc = plot_close_dat(f, dat, err, errlen);
    struct plotvars v;
    double w, h;
    plotvars_init(&v);
    plot_layout(c, speedup ? 2 : 1, speedup || dashed > 0, speedup ? 3 : 2,
                &v, &w, &h);
    plotvars_num(&v, "maxworkers", maxw);
    plotvars_num(&v, "ymax1", ymax[0]);
    plotvars_num(&v, "ymax2", ymax[1]);
    plotvars_num(&v, "e2e", dashed > 0);
    plotvars_str(&v, "unit", scale > 1 ? "ms" : "s");
    plotvars_str(&v, "timewhat", time_what(p));
    plotvars_num(&v, "logx", logx);
    plotvars_num(&v, "cpus", p->r.cpus > 0 ? p->r.cpus : 0);
    plotvars_num(&v, "cpubound", cpubound);
    char base[200];
    snprintf(base, sizeof base, "baseline T: the %s runner's run with the "
             "same tasks and parameters%s", plug_baseline_runner(),
             from_single == c->ns ? "" : ", else the same runner's 1-worker "
             "run");
    plotvars_str(&v, "baseline", from_single ? base
                 : "baseline T: the same runner's run with 1 worker");
    if (!rc)
        rc = plot_draw(p, kind, wl, dat, &v, w, h, err, errlen);
    free(c);
    return rc;
}
