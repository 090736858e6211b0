/* bench/plot/plot_metg.c: the METG chart of a `parbench metg` report.
 *
 * METG(50%), the minimum effective task granularity, is the shortest task
 * a runner can be given while keeping at least half of its workers'
 * time on the work itself.  The report's top-level "metg" array has one
 * entry per runner configuration, each with its efficiency at task
 * durations halving from long to short.  The chart draws efficiency (%)
 * against task duration on a log axis, one line per entry, the 50% line,
 * and each entry's METG as a point on that line with its value in the
 * legend.  Failed entries are listed on stderr and left out.  Data for
 * plots/metg.gp, written as DIR/metg_spin.dat (the spin workload). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plot/plot.h"

/* An entry that can be drawn: not failed, with points. */
static int entry_ok(const cJSON *e)
{
    const char *st = rl_str(e, "status");
    return cJSON_IsObject(e) && (!st || !strcmp(st, "ok")) &&
           cJSON_GetArraySize(rl_get(e, "points")) > 0;
}

/* A duration with the unit that keeps it readable: "8.2 µs". */
static void fmt_dur(double s, char *buf, size_t n)
{
    static const struct { double f; const char *u; } units[] = {
        {1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}};
    size_t i = 0;
    while (i < 3 && s < units[i].f * 0.9995)
        i++;
    snprintf(buf, n, "%.3g %s", s / units[i].f, units[i].u);
}

/* The value of params.key as text, "" when absent. */
static void param_text(const cJSON *e, const char *key, char *buf, size_t n)
{
    const cJSON *v = cJSON_GetObjectItem(rl_get(e, "params"), key);
    char *s = NULL;
    if (cJSON_IsString(v))
        snprintf(buf, n, "%s", v->valuestring);
    else if (v && (s = cJSON_PrintUnformatted(v)))
        snprintf(buf, n, "%s", s);
    else
        buf[0] = 0;
    free(s);
}

/* Legend text: the entry's label, else its runner, workers and the
 * parameters that differ among the report's entries that have them. */
static void entry_label(const cJSON *all, const cJSON *e, char *buf, size_t n)
{
    const char *l = rl_str(e, "label");
    if (l && *l) {
        snprintf(buf, n, "%s", l);
    } else {
        double w = rl_num(e, "workers");
        size_t used = (size_t)snprintf(buf, n, "%s", rl_runner(e));
        if (w > 0 && used < n)
            used += (size_t)snprintf(buf + used, n - used, ", %g worker%s", w,
                                     w == 1 ? "" : "s");
        const cJSON *kv, *o;
        cJSON_ArrayForEach(kv, rl_get(e, "params")) {
            char mine[128], other[128];
            int varies = 0;
            param_text(e, kv->string, mine, sizeof mine);
            cJSON_ArrayForEach(o, all) { /* among entries that have it */
                param_text(o, kv->string, other, sizeof other);
                varies |= *other && strcmp(mine, other) != 0;
            }
            if (varies && used < n)
                used += (size_t)snprintf(buf + used, n - used, ", %s=%s",
                                         kv->string, mine);
        }
    }
    for (char *c = buf; *c; c++)
        if (*c == '"')
            *c = '\'';
}

int plot_metg_count(const struct plot *p, int report)
{
    const cJSON *all = rl_get(p->r.doc, "metg"), *e;
    int ok = 0;
    cJSON_ArrayForEach(e, all) {
        if (entry_ok(e)) {
            ok++;
        } else if (report) {
            char lab[256];
            entry_label(all, e, lab, sizeof lab);
            const char *why = rl_str(e, "error");
            fprintf(stderr, "parbench: plot: metg: %s: %s%s%s, left out of "
                    "the chart\n", lab, rl_str(e, "status") ? rl_str(e, "status")
                    : "no points", why ? ": " : "", why ? why : "");
        }
    }
    return ok;
}

/* What the legend says of an entry's METG: its value, or which side of
 * the measured durations it lies when efficiency never crossed 50%. */
static void metg_text(const cJSON *e, char *buf, size_t n)
{
    double m = rl_num(e, "metg50_s"), lo = INFINITY, tmin = INFINITY, tmax = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, rl_get(e, "points")) {
        double t = rl_num(pt, "task_s");
        lo = fmin(lo, rl_num(pt, "efficiency"));
        if (t > 0)
            tmin = fmin(tmin, t), tmax = fmax(tmax, t);
    }
    char d[32];
    if (m > 0) {
        fmt_dur(m, d, sizeof d);
        snprintf(buf, n, "METG %s", d);
    } else if (lo >= 0.5) {
        fmt_dur(tmin, d, sizeof d);
        snprintf(buf, n, "METG < %s (never below 50%%)", d);
    } else {
        fmt_dur(tmax, d, sizeof d);
        snprintf(buf, n, "METG > %s (below 50%% throughout)", d);
    }
}

int plot_metg(struct plot *p, char *err, size_t errlen)
{
    const cJSON *all = rl_get(p->r.doc, "metg"), *e, *pt;
    double xmin = INFINITY, xmax = 0, ymax = 105;
    cJSON_ArrayForEach(e, all)
        if (entry_ok(e))
            cJSON_ArrayForEach(pt, rl_get(e, "points")) {
                double t = rl_num(pt, "task_s"), eff = rl_num(pt, "efficiency");
                if (t > 0)
                    xmin = fmin(xmin, t), xmax = fmax(xmax, t);
                if (eff > 0)
                    ymax = fmax(ymax, 100 * eff * 1.05);
            }
    if (!(xmax > 0)) {
        fprintf(stderr, "parbench: plot: metg: no chart (no entry has a "
                "point with a task duration)\n");
        return 0;
    }
    char dat[4200];
    FILE *f = plot_open_dat(p, "metg", "spin", dat, sizeof dat, err, errlen);
    if (!f)
        return -EIO;
    fprintf(f, "# a block per entry: task_s efficiency_percent; last block: "
               "each METG(50%%) as task_s 50 colour\n");
    int n = 0;
    size_t longest = 0;
    cJSON_ArrayForEach(e, all) {
        if (!entry_ok(e))
            continue;
        char lab[256], mt[96];
        entry_label(all, e, lab, sizeof lab);
        metg_text(e, mt, sizeof mt);
        fprintf(f, "\"%s: %s\" task_s efficiency_percent\n", lab, mt);
        longest = strlen(lab) + strlen(mt) > longest ? strlen(lab) + strlen(mt)
                                                     : longest;
        cJSON_ArrayForEach(pt, rl_get(e, "points")) {
            double t = rl_num(pt, "task_s"), eff = rl_num(pt, "efficiency");
            if (t > 0)
                fprintf(f, "%.6g %.6g\n", t, 100 * eff);
        }
        fputs("\n\n", f);
        n++;
    }
    fputs("\"METG(50%)\" task_s efficiency_percent colour\n", f);
    int k = 0, marks = 0;
    cJSON_ArrayForEach(e, all) {
        if (!entry_ok(e))
            continue;
        k++;
        double m = rl_num(e, "metg50_s");
        if (m > 0)
            fprintf(f, "%.6g 50 %d\n", m, k), marks++;
    }
    if (!marks)
        fputs("NaN 50 1\n", f); /* an empty block would stop gnuplot */
    int rc = plot_close_dat(f, dat, err, errlen);
    if (rc)
        return rc;
    struct plotvars v;
    plotvars_init(&v);
    plotvars_num(&v, "nseries", n);
    plotvars_num(&v, "xmin", xmin / 1.6);
    plotvars_num(&v, "xmax", xmax * 1.6);
    plotvars_num(&v, "ymax", ymax);
    /* Legend below the plot: gnuplot shrinks the plot to fit it; give it
     * room by growing the canvas a row at a time. */
    size_t per_row = (size_t)(960 / (7.0 * (double)longest + 70));
    per_row = per_row ? per_row : 1;
    double rows = (double)(((size_t)n + 1 + per_row - 1) / per_row);
    return plot_draw(p, "metg", "spin", dat, &v, 1000, 560 + 22 * rows, err,
                     errlen);
}
