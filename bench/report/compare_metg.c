/* bench/report/compare_metg.c: `parbench compare` of two `parbench metg`
 * reports.
 *
 * A metg report has no runs to pair; it has one sweep per runner
 * configuration, each ending in one figure, METG(50%): the smallest task
 * duration at which the runner still keeps half its workers' time useful.
 * Sweeps are paired by their label (runner, transfer, schedule, pool) and
 * workers and CPU limit, and the two figures are shown with their ratio.
 * There is no significance test here: each METG is one estimate per sweep
 * (every point of it is already the median of its repetitions), so the
 * ratio is all the data supports; --fail-on-regression counts a sweep whose
 * METG grew beyond the threshold, or that cannot be compared (a sweep not
 * ok, or without a METG), as a regression. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/compare.h"

/* What pairs two sweeps: label, workers, CPU limit. */
static void sweep_key(const cJSON *e, char *buf, size_t n)
{
    double cpus = rl_num(e, "limits.cpus");
    char lim[32] = "";
    if (!isnan(cpus))
        snprintf(lim, sizeof lim, ", cpus %g", cpus);
    double w = rl_num(e, "workers");
    snprintf(buf, n, "%s, %g worker%s%s", rl_str(e, "label") ? rl_str(e, "label")
             : rl_str(e, "runner") ? rl_str(e, "runner") : "?",
             w, w == 1 ? "" : "s", lim);
}

static double metg_of(const cJSON *e)
{
    const char *st = rl_str(e, "status");
    return st && !strcmp(st, "ok") ? rl_num(e, "metg50_s") : NAN;
}

static void fmt_metg(const cJSON *e, char *buf, size_t n)
{
    double m = metg_of(e);
    if (!isnan(m))
        rl_fmt_time(m, buf, n);
    else
        snprintf(buf, n, "%s", rl_str(e, "status") &&
                 strcmp(rl_str(e, "status"), "ok") ? rl_str(e, "status")
                                                  : "none");
}

int cmp_is_metg(const struct cmp *c, int r)
{
    return cJSON_IsArray(cJSON_GetObjectItem(c->rep[r].doc, "metg"));
}

/* 1 when the pair (a, b) counts against --fail-on-regression. */
static int metg_regression(const cJSON *a, const cJSON *b, double thr)
{
    double x = metg_of(a), y = metg_of(b);
    return !b || isnan(x) || isnan(y) || x <= 0 || y / x > 1 + thr;
}

int cmp_metg(struct cmp *c, FILE *f, size_t *bad, char *err, size_t errlen)
{
    const cJSON *A = cJSON_GetObjectItem(c->rep[0].doc, "metg");
    const cJSON *B = cJSON_GetObjectItem(c->rep[1].doc, "metg");
    int na = cJSON_GetArraySize(A), nb = cJSON_GetArraySize(B);
    char *used = calloc((size_t)nb + 1, 1);
    if (!used) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    struct rl_table t;
    rl_table_init(&t, 5, "-rrr-");
    rl_table_add(&t, "sweep");
    rl_table_add(&t, "METG(50%%) base");
    rl_table_add(&t, "METG(50%%) new");
    rl_table_add(&t, "new/base");
    rl_table_add(&t, "note");
    cJSON *js = c->fmt == RL_JSON ? cJSON_CreateArray() : NULL;
    *bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? nb : na;
        for (int i = 0; i < n; i++) {
            const cJSON *a = NULL, *b = NULL;
            char ka[256], kb[256];
            if (pass == 0) {
                a = cJSON_GetArrayItem(A, i);
                sweep_key(a, ka, sizeof ka);
                for (int j = 0; j < nb && !b; j++) {
                    sweep_key(cJSON_GetArrayItem(B, j), kb, sizeof kb);
                    if (!used[j] && !strcmp(ka, kb))
                        used[j] = 1, b = cJSON_GetArrayItem(B, j);
                }
            } else if (!used[i]) {
                b = cJSON_GetArrayItem(B, i);
                sweep_key(b, ka, sizeof ka);
            } else {
                continue;
            }
            char ma[32] = "-", mb[32] = "-", ratio[32] = "-";
            const char *note;
            if (a)
                fmt_metg(a, ma, sizeof ma);
            if (b)
                fmt_metg(b, mb, sizeof mb);
            double x = a ? metg_of(a) : NAN, y = b ? metg_of(b) : NAN;
            if (!a || !b) {
                note = a ? "only in base" : "only in new";
            } else if (isnan(x) || isnan(y) || x <= 0) {
                note = "cannot compare";
            } else {
                snprintf(ratio, sizeof ratio, "%.2f", y / x);
                note = y / x > 1 + c->thr ? "coarser (worse)"
                       : y / x < 1 - c->thr ? "finer (better)" : "same";
            }
            if (a)
                *bad += (size_t)metg_regression(a, b, c->thr);
            rl_table_add(&t, "%s", ka);
            rl_table_add(&t, "%s", ma);
            rl_table_add(&t, "%s", mb);
            rl_table_add(&t, "%s", ratio);
            rl_table_add(&t, "%s", note);
            if (js) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "sweep", ka);
                if (isnan(x))
                    cJSON_AddNullToObject(o, "base_metg50_s");
                else
                    cJSON_AddNumberToObject(o, "base_metg50_s", x);
                if (isnan(y))
                    cJSON_AddNullToObject(o, "new_metg50_s");
                else
                    cJSON_AddNumberToObject(o, "new_metg50_s", y);
                if (a && b && !isnan(x) && !isnan(y) && x > 0)
                    cJSON_AddNumberToObject(o, "ratio", y / x);
                else
                    cJSON_AddNullToObject(o, "ratio");
                cJSON_AddStringToObject(o, "note", note);
                cJSON_AddItemToArray(js, o);
            }
        }
    }
    free(used);
    if (js) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "base", c->rep[0].path);
        cJSON_AddStringToObject(doc, "new", c->rep[1].path);
        cJSON_AddItemToObject(doc, "metg", js);
        char *s = cJSON_Print(doc);
        cJSON_Delete(doc);
        if (!s) {
            rl_table_free(&t);
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        fprintf(f, "%s\n", s);
        free(s);
    } else {
        fprintf(f, "METG(50%%): %s (base) against %s (new); lower is finer "
                "grained.  One estimate per sweep: no significance test.\n\n",
                c->rep[0].path, c->rep[1].path);
        rl_table_print(f, &t, c->fmt);
    }
    rl_table_free(&t);
    return 0;
}
