/* bench/plot.c: `parbench plot`, charts of a report through gnuplot.
 *
 * The C side decides what a report can show and writes it as data files
 * (DIR/<chart>_<workload>.dat: whitespace-separated columns, one block per
 * series, the series' name as each block's header line); the gnuplot
 * templates in plots/ draw them.  Parameters reach a template as
 * `gnuplot -e "name='value'; ..." plots/<chart>.gp`, so a template can be
 * run by hand on the .dat files left in DIR.  Chart kinds:
 *   time_tasks  execution time against tasks, a line per runner/workers/limit
 *   speedup     speedup and parallel efficiency against workers, ideal lines
 *   memory      peak RSS against tasks: driver, largest worker, total
 *   timeline    one run's tasks as bars on one row per worker (Gantt)
 *   workers     prime and url: execution time against workers (log2 x
 *               when workers exceed the CPUs, i.e. oversubscription)
 * gnuplot is looked up at run time ($GNUPLOT, else PATH) and nothing else
 * in parbench needs it. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/opts.h"
#include "bench/commands.h"
#include "bench/plot.h"
#include "bench/stats.h"

#define MAXSERIES 32
#define MAXPOINTS 64

struct series {
    char label[256];  /* legend text */
    const cJSON *run[MAXPOINTS];
    size_t n;
};

/* Median and range of a repetition field. */
void plot_rep_stats(const cJSON *run, const char *path, double *med,
                    double *lo, double *hi)
{
    double *x;
    size_t n = rl_rep_values(run, path, &x);
    struct pb_summary s;
    pb_summarize(x, n, &s);
    free(x);
    *med = s.median, *lo = s.min, *hi = s.max;
}

int plot_run_ok(const cJSON *run)
{
    const char *st = rl_str(run, "status");
    return st && !strcmp(st, "ok") && cJSON_GetArraySize(rl_get(run, "repetitions")) > 0;
}

/* Legend text: the runner, workers and tasks unless they are the x axis
 * (tasks only when they vary), then the other fields that vary among the
 * workload's runs (extra). */
void plot_series_label(const cJSON *run, const char *vary, const char *extra,
                       int tasks_vary, char *buf, size_t n)
{
    double w = rl_num(run, "workers"), t = rl_num(run, "tasks");
    size_t used = (size_t)snprintf(buf, n, "%s", rl_str(run, "runner"));
    if (strcmp(vary, "workers") && used < n)
        used += (size_t)snprintf(buf + used, n - used, ", %g worker%s", w,
                                 w == 1 ? "" : "s");
    if (strcmp(vary, "tasks") && tasks_vary && used < n)
        used += (size_t)snprintf(buf + used, n - used, ", %g tasks", t);
    struct rl_config c = {0};
    char kv[160];
    rl_config_of(run, &c); /* out of memory: no extra fields in the legend */
    for (int i = 4; i < c.n && used < n; i++)
        if (rl_in_list(extra, c.f[i].name) && rl_field_text(&c.f[i], kv, sizeof kv))
            used += (size_t)snprintf(buf + used, n - used, ", %s", kv);
    rl_config_free(&c);
    for (char *c = buf; *c; c++)
        if (*c == '"')
            *c = '\'';
}

static int by_x_field; /* qsort context: 0 tasks, 1 workers */
static int cmp_run(const void *a, const void *b)
{
    const char *f = by_x_field ? "workers" : "tasks";
    double x = rl_num(*(const cJSON *const *)a, f);
    double y = rl_num(*(const cJSON *const *)b, f);
    return (x > y) - (x < y);
}

/* The workload's successful runs grouped into series along vary ("tasks"
 * or "workers"); returns the number of series. */
static size_t group(const struct plot *p, const char *wl, const char *vary,
                    struct series *s)
{
    const cJSON *runs[1024];
    size_t nr = 0, ns = 0;
    double t0 = NAN;
    int tasks_vary = 0;
    for (int i = 0; i < p->r.nruns && nr < 1024; i++) {
        const cJSON *run = rl_run(&p->r, i);
        if (strcmp(rl_str(run, "workload"), wl) || !plot_run_ok(run))
            continue;
        runs[nr++] = run;
        double t = rl_num(run, "tasks");
        tasks_vary |= !isnan(t0) && t != t0;
        t0 = t;
    }
    char extra[512] = "";
    if (nr)
        rl_varying(runs, nr, extra, sizeof extra);
    for (size_t i = 0; i < nr; i++) {
        /* Same configuration but the x field: the same series.  Out of
         * memory (< 0) starts a series of its own rather than merging. */
        size_t k = 0;
        while (k < ns && rl_same_config(runs[i], s[k].run[0], vary) != 1)
            k++;
        if (k == ns) {
            if (ns == MAXSERIES)
                continue;
            memset(&s[ns], 0, sizeof *s);
            plot_series_label(runs[i], vary, extra, tasks_vary, s[ns].label,
                         sizeof s[ns].label);
            ns++;
        }
        if (s[k].n < MAXPOINTS)
            s[k].run[s[k].n++] = runs[i];
    }
    by_x_field = !strcmp(vary, "workers");
    for (size_t k = 0; k < ns; k++)
        qsort(s[k].run, s[k].n, sizeof *s[k].run, cmp_run);
    return ns;
}

FILE *plot_open_dat(const struct plot *p, const char *kind, const char *wl,
                    char *path, size_t n, char *err, size_t errlen)
{
    snprintf(path, n, "%s/%s_%s.dat", p->out, kind, wl);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    else
        fprintf(f, "# parbench plot: %s of workload %s, from %s\n", kind, wl,
                p->r.path);
    return f;
}

/* Run kind.gp on datafile into DIR/kind_wl.png|svg. */
int plot_draw(struct plot *p, const char *kind, const char *wl,
              const char *datafile, struct plotvars *v, double w, double h,
              char *err, size_t errlen)
{
    char outfile[4200], tmpl[64];
    snprintf(outfile, sizeof outfile, "%s/%s_%s.%s", p->out, kind, wl,
             p->format);
    snprintf(tmpl, sizeof tmpl, "%s.gp", kind);
    plotvars_str(v, "datafile", datafile);
    plotvars_str(v, "outfile", outfile);
    plotvars_str(v, "termtype", p->format);
    plotvars_str(v, "host", p->host);
    plotvars_str(v, "workload", wl);
    plotvars_num(v, "width", w);
    plotvars_num(v, "height", h);
    int rc = plotrun_template(&p->g, tmpl, v, err, errlen);
    if (!rc) {
        printf("%s\n", outfile);
        p->written++;
    }
    return rc;
}

static double max_median(struct series *s, size_t ns, const char *path)
{
    double m = 0, med, lo, hi;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            plot_rep_stats(s[k].run[i], path, &med, &lo, &hi);
            if (med > m)
                m = med;
        }
    return m;
}

/* Execution time (or memory) against tasks: needs a series with two task
 * counts or more. */
static int chart_tasks(struct plot *p, const char *wl, int memory, char *err,
                       size_t errlen)
{
    struct series *s = calloc(MAXSERIES, sizeof *s);
    if (!s)
        return -ENOMEM;
    size_t ns = group(p, wl, "tasks", s), longest = 0;
    for (size_t k = 0; k < ns; k++)
        longest = s[k].n > longest ? s[k].n : longest;
    int rc = 0;
    if (longest < 2) {
        fprintf(stderr, "parbench: plot: %s: no %s chart (needs runs with two "
                "task counts or more)\n", wl, memory ? "memory" : "time");
        free(s);
        return 0;
    }
    const char *kind = memory ? "memory" : "time_tasks";
    char dat[4200];
    FILE *f = plot_open_dat(p, kind, wl, dat, sizeof dat, err, errlen);
    if (!f) {
        free(s);
        return -EIO;
    }
    double scale = max_median(s, ns, "wall_s") < 1 ? 1e3 : 1;
    for (size_t k = 0; k < ns; k++) {
        fprintf(f, memory ? "\"%s\" driver worker_max total\n"
                          : "\"%s\" median min max\n", s[k].label);
        for (size_t i = 0; i < s[k].n; i++) {
            const cJSON *run = s[k].run[i];
            double a, b, c, lo, hi;
            if (memory) {
                plot_rep_stats(run, "rss_peak_bytes.driver", &a, &lo, &hi);
                plot_rep_stats(run, "rss_peak_bytes.worker_max", &b, &lo, &hi);
                plot_rep_stats(run, "rss_peak_bytes.total", &c, &lo, &hi);
                fprintf(f, "%g %.6g %.6g %.6g\n", rl_num(run, "tasks"),
                        a / 1048576, b / 1048576, c / 1048576);
            } else {
                plot_rep_stats(run, "wall_s", &a, &lo, &hi);
                fprintf(f, "%g %.6g %.6g %.6g\n", rl_num(run, "tasks"),
                        a * scale, lo * scale, hi * scale);
            }
        }
        fputs("\n\n", f);
    }
    if (fclose(f) != 0) {
        snprintf(err, errlen, "writing '%.900s' failed", dat);
        free(s);
        return -EIO;
    }
    struct plotvars v;
    plotvars_init(&v);
    plotvars_num(&v, "nseries", (double)ns);
    plotvars_str(&v, "unit", scale > 1 ? "ms" : "s");
    rc = plot_draw(p, kind, wl, dat, &v, memory ? 1200 : 1000, 600, err, errlen);
    free(s);
    return rc;
}

/* The run a series' speedup is relative to: the single runner's run of
 * the same configuration, else the series' own one-worker run. */
static const cJSON *speedup_base(const struct plot *p, const struct series *s)
{
    const char *loose = "runner,workers,transfer,schedule";
    for (int i = 0; i < p->r.nruns; i++) {
        const cJSON *run = rl_run(&p->r, i);
        if (!strcmp(rl_str(run, "runner"), "single") && plot_run_ok(run) &&
            rl_same_config(run, s->run[0], loose) == 1)
            return run;
    }
    for (size_t i = 0; i < s->n; i++)
        if (rl_num(s->run[i], "workers") == 1)
            return s->run[i];
    return NULL;
}

/* Speedup and efficiency against workers (speedup), or for prime and url
 * execution time against workers (workers). */
static int chart_workers(struct plot *p, const char *wl, int speedup,
                         char *err, size_t errlen)
{
    struct series *s = calloc(MAXSERIES, sizeof *s);
    if (!s)
        return -ENOMEM;
    size_t ns = group(p, wl, "workers", s), points = 0;
    double minw = INFINITY, maxw = 0;
    const cJSON *base[MAXSERIES] = {0};
    for (size_t k = 0; k < ns; k++) {
        if (speedup && (!strcmp(rl_str(s[k].run[0], "runner"), "single") ||
                        !(base[k] = speedup_base(p, &s[k]))))
            continue;
        for (size_t i = 0; i < s[k].n; i++) {
            double w = rl_num(s[k].run[i], "workers");
            minw = fmin(minw, w), maxw = fmax(maxw, w);
            points++;
        }
    }
    const char *kind = speedup ? "speedup" : "workers";
    if (points < 2 || maxw <= minw) {
        fprintf(stderr, "parbench: plot: %s: no %s chart (needs runs with two "
                "worker counts or more%s)\n", wl, kind,
                speedup ? " and a single-runner or 1-worker baseline" : "");
        free(s);
        return 0;
    }
    char dat[4200];
    FILE *f = plot_open_dat(p, kind, wl, dat, sizeof dat, err, errlen);
    if (!f) {
        free(s);
        return -EIO;
    }
    double scale = max_median(s, ns, "wall_s") < 1 ? 1e3 : 1;
    size_t drawn = 0, from_single = 0;
    for (size_t k = 0; k < ns; k++) {
        if (speedup && !base[k])
            continue;
        double t1 = NAN, lo, hi, med;
        if (speedup) {
            plot_rep_stats(base[k], "wall_s", &t1, &lo, &hi);
            from_single += !strcmp(rl_str(base[k], "runner"), "single");
        }
        fprintf(f, speedup ? "\"%s\" speedup efficiency\n"
                           : "\"%s\" median min max\n", s[k].label);
        for (size_t i = 0; i < s[k].n; i++) {
            double w = rl_num(s[k].run[i], "workers");
            plot_rep_stats(s[k].run[i], "wall_s", &med, &lo, &hi);
            if (speedup)
                fprintf(f, "%g %.6g %.6g\n", w, t1 / med, t1 / med / w);
            else
                fprintf(f, "%g %.6g %.6g %.6g\n", w, med * scale, lo * scale,
                        hi * scale);
        }
        fputs("\n\n", f);
        drawn++;
    }
    fclose(f);
    struct plotvars v;
    plotvars_init(&v);
    plotvars_num(&v, "nseries", (double)drawn);
    plotvars_num(&v, "maxworkers", maxw);
    plotvars_str(&v, "unit", scale > 1 ? "ms" : "s");
    /* Oversubscription (more workers than CPUs) or a wide range of worker
     * counts: a log2 axis spreads 1, 2, 4 ... 64 evenly. */
    int logx = (p->r.cpus > 0 && maxw > p->r.cpus) || maxw / minw >= 16;
    plotvars_num(&v, "logx", logx && minw > 0);
    plotvars_num(&v, "cpus", p->r.cpus > 0 ? p->r.cpus : 0);
    /* CPU-bound work cannot go faster than the CPUs allow; url waits on the
     * network, so its ideal speedup is not capped. */
    plotvars_num(&v, "cpubound", strcmp(wl, "url") != 0);
    plotvars_str(&v, "baseline",
                 from_single == drawn ? "baseline T: the single runner's run "
                 "with the same tasks and parameters"
                 : from_single ? "baseline T: the single runner's run with the "
                 "same tasks and parameters, else the same runner's 1-worker run"
                 : "baseline T: the same runner's run with 1 worker");
    int rc = plot_draw(p, kind, wl, dat, &v, 1000, 600, err, errlen);
    free(s);
    return rc;
}

static int plot_all(struct plot *p, char *err, size_t errlen)
{
    if (p->run_arg) {
        char *end;
        long i = strtol(p->run_arg, &end, 10);
        if (*end || end == p->run_arg || i < 0 || i >= p->r.nruns) {
            snprintf(err, errlen, "--run '%s': the report has runs 0 to %d",
                     p->run_arg, p->r.nruns - 1);
            return -EINVAL;
        }
        const cJSON *run = rl_run(&p->r, (int)i);
        if (!plot_run_ok(run)) {
            snprintf(err, errlen, "--run %ld: that run's status is '%s'", i,
                     rl_str(run, "status"));
            return -EINVAL;
        }
        return plot_timeline(p, run, err, errlen);
    }
    const char *wls[64];
    int nw = 0, rc = 0;
    for (int i = 0; i < p->r.nruns && nw < 64; i++) {
        const char *w = rl_str(rl_run(&p->r, i), "workload");
        int seen = 0;
        for (int k = 0; k < nw; k++)
            seen |= !strcmp(wls[k], w);
        if (!seen && plot_timeline_run(p, w))
            wls[nw++] = w;
    }
    if (!nw) {
        snprintf(err, errlen, "%s: no successful run to chart", p->r.path);
        return -EINVAL;
    }
    for (int k = 0; k < nw && !rc; k++) {
        const char *wl = wls[k];
        rc = chart_tasks(p, wl, 0, err, errlen);
        if (!rc)
            rc = chart_workers(p, wl, 1, err, errlen);
        if (!rc)
            rc = chart_tasks(p, wl, 1, err, errlen);
        if (!rc)
            rc = plot_timeline(p, plot_timeline_run(p, wl), err, errlen);
        if (!rc && (!strcmp(wl, "prime") || !strcmp(wl, "url")))
            rc = chart_workers(p, wl, 0, err, errlen);
    }
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    struct plot p;
    memset(&p, 0, sizeof p);
#define F(field) offsetof(struct plot, field)
    static const struct opt opts[] = {
        {"out", OT_STR, F(out), 0, 0, "DIR", "write the charts and their .dat files here (required)"},
        {"format", OT_STR, F(format), 0, 0, "png|svg", "image format (png)"},
        {"run", OT_STR, F(run_arg), 0, 0, "N", "only the timeline of runs[N]"},
    };
#undef F
    size_t nopt = sizeof opts / sizeof *opts;
    if (opt_wants_help(argc, argv)) {
        fputs("usage: parbench plot REPORT.json --out DIR [OPTIONS]\n\n"
              "Charts of whatever the report holds, drawn by gnuplot ($GNUPLOT\n"
              "or gnuplot on PATH) from the templates in plots/ ($PARBENCH_PLOTS):\n"
              "time and memory against tasks, speedup and efficiency against\n"
              "workers, a per-worker task timeline, and for prime and url time\n"
              "against workers.  Prints the path of each chart written.\n\n"
              "options:\n", stdout);
        opt_print(stdout, opts, nopt);
        return 0;
    }
    const char *pos[1];
    size_t npos;
    char err[1024];
    if (opt_parse(opts, nopt, &p, NULL, argc, argv, pos, 1, &npos, err,
                  sizeof err))
        return pb_usage_error("plot: %s", err);
    if (npos != 1)
        return pb_usage_error("plot: needs one report: parbench plot "
                              "REPORT.json --out DIR");
    if (!p.out)
        return pb_usage_error("plot: --out DIR is required");
    if (!p.format)
        p.format = "png";
    if (strcmp(p.format, "png") && strcmp(p.format, "svg"))
        return pb_usage_error("plot: --format '%s': use png or svg", p.format);
    if (rl_load(pos[0], &p.r, err, sizeof err))
        return pb_usage_error("plot: %s", err);
    int rc = plotrun_find_gnuplot(&p.g, err, sizeof err);
    if (!rc)
        rc = plotrun_find_templates(&p.g, err, sizeof err);
    if (!rc)
        rc = plotrun_mkdirs(p.out, err, sizeof err);
    if (rc) {
        rl_free(&p.r);
        return pb_usage_error("plot: %s", err);
    }
    if (p.r.cpus > 0)
        snprintf(p.host, sizeof p.host, "host %s (%s%s%g CPUs)", p.r.hostname,
                 p.r.cpu_model, *p.r.cpu_model ? ", " : "", p.r.cpus);
    else
        snprintf(p.host, sizeof p.host, "host %s%s%s%s", p.r.hostname,
                 *p.r.cpu_model ? " (" : "", p.r.cpu_model,
                 *p.r.cpu_model ? ")" : "");
    rc = plot_all(&p, err, sizeof err);
    rl_free(&p.r);
    if (rc == -EINVAL)
        return pb_usage_error("plot: %s", err);
    if (rc) {
        fprintf(stderr, "parbench: plot: %s\n", err);
        return 1;
    }
    return 0;
}
