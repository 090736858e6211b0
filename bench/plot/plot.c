/* bench/plot/plot.c: `parbench plot`, charts of a report through gnuplot.
 *
 * The C side decides what a report can show and writes it as data files
 * (DIR/<chart>_<workload>.dat: whitespace-separated columns, one block per
 * series, the series' name as each block's header line); the gnuplot
 * templates in plots/ draw them.  Parameters reach a template as
 * `gnuplot -e "name='value'; ..." plots/<chart>.gp`, so a template can be
 * run by hand on the .dat files left in DIR.  Chart kinds:
 *   time_tasks  execution time against tasks, a line per runner/workers/limit
 *               (dashed beside it: end to end, with start-up and stop)
 *   speedup     speedup and parallel efficiency against workers, ideal lines
 *   memory      peak RSS against tasks: driver, largest worker, total
 *   timeline    one run's tasks as bars on one row per worker (Gantt)
 *   workers     prime, url, pyramid: execution time against workers (log2
 *               x when workers exceed the CPUs, i.e. oversubscription)
 *   iosplit     disk workloads: task time split into read / compute /
 *               write, a bar per run, with CPU use and device bytes
 *   metg        `parbench metg` results: efficiency against task duration
 * Crowded charts become small multiples (bench/plot/plot_series.c), drawn by
 * bench/plot/plot_charts.c; timelines by bench/plot/plot_timeline.c, METG by
 * bench/plot/plot_metg.c; this file is the command and the file handling.
 * gnuplot is looked up at run time ($GNUPLOT, else PATH) and nothing else
 * in parbench needs it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cli/opts.h"
#include "bench/cli/commands.h"
#include "bench/engine/plugin.h"
#include "bench/plot/plot.h"

/* Charts and data files are made in a private directory created inside
 * --out (mode 0700, a fresh name) and renamed into place: a symlink or
 * device planted under a chart's name in a shared --out is replaced,
 * never written through, and a reader never sees half a chart. */
static int stage_open(struct plot *p, char *err, size_t errlen)
{
    snprintf(p->tmpdir, sizeof p->tmpdir, "%.4000s/.parbench-plot.XXXXXX", p->out);
    if (!mkdtemp(p->tmpdir)) {
        snprintf(err, errlen, "--out '%.400s': cannot create a directory in "
                 "it: %s", p->out, strerror(errno));
        p->tmpdir[0] = 0;
        return -EIO;
    }
    return 0;
}

/* Remove the staging directory and whatever a failed chart left there. */
static void stage_close(struct plot *p)
{
    if (!*p->tmpdir)
        return;
    DIR *d = opendir(p->tmpdir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    rmdir(p->tmpdir);
    p->tmpdir[0] = 0;
}

/* A report's workload name as part of a file name: a name read from a
 * report may hold anything ("../x", a newline), so only letters, digits
 * and ._+- pass; the rest (and a leading dot) become '_'. */
static void safe_name(const char *in, char *out, size_t n)
{
    size_t o = 0;
    for (const char *c = in; *c && o + 1 < n; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                 (*c >= '0' && *c <= '9') || *c == '_' || *c == '+' ||
                 *c == '-' || (*c == '.' && o > 0);
        out[o++] = ok ? *c : '_';
    }
    if (!o && n > 1)
        out[o++] = '_';
    out[o] = 0;
}

FILE *plot_open_dat(const struct plot *p, const char *kind, const char *wl,
                    char *path, size_t n, char *err, size_t errlen)
{
    char name[128];
    safe_name(wl, name, sizeof name);
    wl = name;
    snprintf(path, n, "%s/%s_%s.dat", p->tmpdir, kind, wl);
    FILE *f = fopen(path, "wx"); /* O_EXCL: a fresh file, never a link */
    if (!f)
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
    else
        fprintf(f, "# parbench plot: %s of workload %s, from %s\n", kind, wl,
                p->r.path);
    return f;
}

int plot_close_dat(FILE *f, const char *path, char *err, size_t errlen)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "writing '%.900s' failed", path);
        return -EIO;
    }
    return 0;
}

/* Move a staged file to --out under its own name. */
static int publish(const struct plot *p, const char *staged, char *final,
                   size_t n, char *err, size_t errlen)
{
    const char *base = strrchr(staged, '/') + 1;
    snprintf(final, n, "%s/%s", p->out, base);
    if (rename(staged, final) == 0)
        return 0;
    snprintf(err, errlen, "cannot write '%.900s': %s", final, strerror(errno));
    return -EIO;
}

/* Run kind.gp on datafile into DIR/kind_wl.png|svg. */
int plot_draw(struct plot *p, const char *kind, const char *wl,
              const char *datafile, struct plotvars *v, double w, double h,
              char *err, size_t errlen)
{
    char outfile[4400], final[4400], tmpl[64], name[128];
    safe_name(wl, name, sizeof name);
    snprintf(outfile, sizeof outfile, "%s/%s_%s.%s", p->tmpdir, kind, name,
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
    if (!rc)
        rc = publish(p, datafile, final, sizeof final, err, errlen);
    if (!rc)
        rc = publish(p, outfile, final, sizeof final, err, errlen);
    if (!rc) {
        printf("%s\n", final);
        p->written++;
    }
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
    int metg = plot_metg_count(p, 1);
    if (!nw && !metg) {
        snprintf(err, errlen, "%s: no successful run to chart", p->r.path);
        return -EINVAL;
    }
    for (int k = 0; k < nw && !rc; k++) {
        const char *wl = wls[k];
        rc = plot_chart_tasks(p, wl, 0, err, errlen);
        if (!rc)
            rc = plot_chart_workers(p, wl, 1, err, errlen);
        if (!rc)
            rc = plot_chart_tasks(p, wl, 1, err, errlen);
        if (!rc)
            rc = plot_timeline(p, plot_timeline_run(p, wl), err, errlen);
        if (!rc && plug_workers_chart(wl))
            rc = plot_chart_workers(p, wl, 0, err, errlen);
        if (!rc)
            rc = plot_iosplit(p, wl, err, errlen);
    }
    if (!rc && metg)
        rc = plot_metg(p, err, errlen);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    struct plot p;
    memset(&p, 0, sizeof p);
#define F(field) offsetof(struct plot, field)
    static const struct opt opts[] = {
        {"out", OT_STR, F(out), 0, 0, "DIR", "write the charts and their .dat files here (required)", NULL},
        {"format", OT_STR, F(format), 0, 0, "png|svg", "image format (png)", NULL},
        {"run", OT_STR, F(run_arg), 0, 0, "N", "only the timeline of runs[N]", NULL},
        {"time", OT_STR, F(time_arg), 0, 0, "region|end-to-end|both",
         "execution time of the timed region, end to end (with start-up "
         "and stop), or both, end to end dashed (both)", NULL},
    };
#undef F
    size_t nopt = sizeof opts / sizeof *opts;
    if (opt_wants_help(argc, argv)) {
        fputs("usage: parbench plot REPORT.json --out DIR [OPTIONS]\n\n"
              "Charts of whatever the report holds, drawn by gnuplot ($GNUPLOT\n"
              "or gnuplot on PATH) from the templates in plots/ ($PARBENCH_PLOTS):\n"
              "time and memory against tasks, speedup and efficiency against\n"
              "workers, a per-worker task timeline, for prime and url time\n"
              "against workers, and `parbench metg` results (efficiency against\n"
              "task duration).  Crowded charts are split into panels.  Prints\n"
              "the path of each chart written.\n\n"
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
    static const char *const times[] = {"both", "region", "end-to-end"};
    int t = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(p.time_arg ? p.time_arg : "both", times[i]))
            t = i;
    if (t < 0)
        return pb_usage_error("plot: --time '%s': use region, end-to-end or "
                              "both", p.time_arg);
    p.time = (enum plot_time)t;
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
    rc = stage_open(&p, err, sizeof err);
    if (!rc)
        rc = plot_all(&p, err, sizeof err);
    stage_close(&p);
    rl_free(&p.r);
    if (rc == -EINVAL)
        return pb_usage_error("plot: %s", err);
    if (rc) {
        fprintf(stderr, "parbench: plot: %s\n", err);
        return 1;
    }
    return 0;
}
