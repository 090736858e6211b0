/* bench/compare.c: `parbench compare`, two reports (or one report against
 * a baseline configuration) side by side, with significance.
 *
 * Runs are paired by configuration (reportload.h: workload, runner,
 * workers, tasks, parameters except repeat/warmup/derived, limits).  For
 * each pair: both medians; the ratio NEW/BASE as exp of the Hodges-Lehmann
 * shift of log wall times, with its Mann-Whitney-based 95% interval; a
 * verdict from the two-sided U test at alpha 0.05 (bench/mannwhitney.c);
 * and the change of the median total peak RSS.  The same test underlies
 * the estimate, the interval and the verdict, so they never disagree: the
 * interval excludes 1 exactly when the exact test rejects. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/commands.h"
#include "bench/mannwhitney.h"
#include "bench/reportload.h"
#include "bench/stats.h"

#define ALPHA 0.05
#define MIN_REPS 5 /* below this per side: "too few repetitions" */

enum verdict { V_SAME, V_SLOWER, V_FASTER, V_WITHIN, V_FEW, V_FAILED, V_BASE };
static const char *const verdict_text[] = {
    "no significant change", "slower", "faster", "change within threshold",
    "too few repetitions", "run failed", "(baseline)"};
static const char *const verdict_code[] = {
    "same", "slower", "faster", "within_threshold", "too_few", "failed",
    "baseline"};

/* One row: base run a (or the baseline) against run b. */
struct pair {
    const cJSON *a, *b;
    size_t na, nb;          /* repetitions with a wall time */
    double med_a, med_b;    /* median wall times, s */
    double ratio, lo, hi;   /* b / a and its 95% interval */
    double p;               /* two-sided U test p-value */
    int exact;              /* exact U distribution was used */
    double rss_a, rss_b;    /* median total peak RSS, bytes */
    double eff;             /* baseline mode: parallel efficiency, else NaN */
    enum verdict v;
};

struct cmp {
    const char *format, *threshold, *baseline, *output;
    int fail_on_regression;
    double thr;              /* threshold as a fraction */
    enum rl_format fmt;
    struct rl_report rep[2]; /* base, new (only [0] in baseline mode) */
    int nrep;
    struct pair *pairs;
    size_t npairs;
    const cJSON **unpaired[2];
    size_t nunpaired[2];
    char extra[512];         /* fields that vary: shown in labels */
    char key[64], value[96]; /* baseline mode: --baseline KEY=VALUE */
};

static void compute_pair(struct pair *pr, double thr)
{
    pr->ratio = pr->lo = pr->hi = pr->p = pr->eff = NAN;
    double *x = NULL, *y = NULL, *r = NULL;
    pr->na = rl_rep_values(pr->a, "wall_s", &x);
    pr->nb = rl_rep_values(pr->b, "wall_s", &y);
    pr->med_a = pb_median(x, pr->na);
    pr->med_b = pb_median(y, pr->nb);
    size_t k = rl_rep_values(pr->a, "rss_peak_bytes.total", &r);
    pr->rss_a = pb_median(r, k);
    free(r);
    k = rl_rep_values(pr->b, "rss_peak_bytes.total", &r);
    pr->rss_b = pb_median(r, k);
    free(r);
    int ok = !strcmp(rl_str(pr->a, "status"), "ok") &&
             !strcmp(rl_str(pr->b, "status"), "ok") && pr->na && pr->nb;
    for (size_t i = 0; ok && i < pr->na; i++)
        ok = x[i] > 0 ? (x[i] = log(x[i]), 1) : 0;
    for (size_t i = 0; ok && i < pr->nb; i++)
        ok = y[i] > 0 ? (y[i] = log(y[i]), 1) : 0;
    struct mw_shift s;
    struct mw_result t;
    if (!ok || mw_hodges_lehmann(x, pr->na, y, pr->nb, ALPHA, &s) ||
        mw_test(x, pr->na, y, pr->nb, &t)) {
        pr->v = V_FAILED;
        free(x), free(y);
        return;
    }
    free(x), free(y);
    pr->ratio = exp(s.est), pr->lo = exp(s.lo), pr->hi = exp(s.hi);
    pr->p = t.p, pr->exact = t.exact;
    if (pr->na < MIN_REPS || pr->nb < MIN_REPS)
        pr->v = V_FEW;
    else if (!(t.p < ALPHA))
        pr->v = V_SAME;
    else if (pr->ratio > 1 + thr)
        pr->v = V_SLOWER;
    else if (pr->ratio < 1 - thr)
        pr->v = V_FASTER;
    else
        pr->v = V_WITHIN;
}

static int add_pair(struct cmp *c, const cJSON *a, const cJSON *b)
{
    struct pair *p = realloc(c->pairs, (c->npairs + 1) * sizeof *p);
    if (!p)
        return -1;
    c->pairs = p;
    p += c->npairs++;
    memset(p, 0, sizeof *p);
    p->a = a, p->b = b;
    compute_pair(p, c->thr);
    return 0;
}

static int add_unpaired(struct cmp *c, int side, const cJSON *run)
{
    const cJSON **u = realloc(c->unpaired[side],
                              (c->nunpaired[side] + 1) * sizeof *u);
    if (!u)
        return -1;
    c->unpaired[side] = u;
    u[c->nunpaired[side]++] = run;
    return 0;
}

/* Fields that differ among all runs of all reports: shown in labels. */
static void find_extra(struct cmp *c)
{
    size_t n = 0;
    for (int r = 0; r < c->nrep; r++)
        n += (size_t)c->rep[r].nruns;
    const cJSON **all = malloc(n * sizeof *all);
    if (!all)
        return;
    n = 0;
    for (int r = 0; r < c->nrep; r++)
        for (int i = 0; i < c->rep[r].nruns; i++)
            all[n++] = rl_run(&c->rep[r], i);
    rl_varying(all, n, c->extra, sizeof c->extra);
    free(all);
}

/* Two reports: pair runs by configuration. */
static int pair_reports(struct cmp *c, char *err, size_t errlen)
{
    struct rl_report *A = &c->rep[0], *B = &c->rep[1];
    int common = 0;
    for (int i = 0; i < A->nruns && !common; i++)
        for (int j = 0; j < B->nruns && !common; j++)
            common = !strcmp(rl_str(rl_run(A, i), "workload"),
                             rl_str(rl_run(B, j), "workload"));
    if (!common) {
        snprintf(err, errlen, "%s and %s have no workload in common (%s vs %s)",
                 A->path, B->path, rl_str(rl_run(A, 0), "workload"),
                 rl_str(rl_run(B, 0), "workload"));
        return -1;
    }
    char *used = calloc((size_t)B->nruns, 1);
    char ka[2048], kb[2048];
    if (!used)
        return -1;
    for (int i = 0; i < A->nruns; i++) {
        const cJSON *a = rl_run(A, i);
        rl_config_key(a, NULL, ka, sizeof ka);
        int found = -1;
        for (int j = 0; j < B->nruns && found < 0; j++) {
            rl_config_key(rl_run(B, j), NULL, kb, sizeof kb);
            if (!used[j] && !strcmp(ka, kb))
                found = j;
        }
        if (found >= 0)
            used[found] = 1, add_pair(c, a, rl_run(B, found));
        else
            add_unpaired(c, 0, a);
    }
    for (int j = 0; j < B->nruns; j++)
        if (!used[j])
            add_unpaired(c, 1, rl_run(B, j));
    free(used);
    return 0;
}

/* Baseline mode: every run against the run with the same configuration
 * except c->key, whose c->key is c->value.  Single has one worker and no
 * transfer/schedule choice, so with --baseline runner=... those fields are
 * ignored when no exact match exists. */
static int pair_baseline(struct cmp *c, char *err, size_t errlen)
{
    struct rl_report *R = &c->rep[0];
    char skip[128], loose[160], v[128], ka[2048], kb[2048];
    snprintf(skip, sizeof skip, "%s", c->key);
    snprintf(loose, sizeof loose, "%s,workers,transfer,schedule", c->key);
    int any = 0;
    for (int i = 0; i < R->nruns; i++)
        any |= !rl_field_value(rl_run(R, i), c->key, v, sizeof v) &&
               !strcmp(v, c->value);
    if (!any) {
        snprintf(err, errlen, "--baseline %s=%s: no run of %s has %s %s",
                 c->key, c->value, R->path, c->key, c->value);
        return -1;
    }
    for (int i = 0; i < R->nruns; i++) {
        const cJSON *run = rl_run(R, i), *base = NULL;
        if (!rl_field_value(run, c->key, v, sizeof v) && !strcmp(v, c->value)) {
            struct pair *p = realloc(c->pairs, (c->npairs + 1) * sizeof *p);
            if (!p)
                return -1;
            c->pairs = p;
            p += c->npairs++;
            memset(p, 0, sizeof *p);
            p->a = p->b = run;
            compute_pair(p, c->thr);
            p->ratio = p->lo = p->hi = p->eff = 1, p->p = NAN;
            p->v = V_BASE;
            continue;
        }
        for (int pass = 0; pass < 2 && !base; pass++) {
            if (pass == 1 && strcmp(c->key, "runner"))
                break;
            rl_config_key(run, pass ? loose : skip, ka, sizeof ka);
            for (int j = 0; j < R->nruns && !base; j++) {
                const cJSON *b = rl_run(R, j);
                rl_config_key(b, pass ? loose : skip, kb, sizeof kb);
                if (!strcmp(ka, kb) && !rl_field_value(b, c->key, v, sizeof v) &&
                    !strcmp(v, c->value))
                    base = b;
            }
        }
        if (!base) {
            add_unpaired(c, 1, run);
            continue;
        }
        add_pair(c, base, run);
        struct pair *p = &c->pairs[c->npairs - 1];
        if (!strcmp(c->key, "runner") || !strcmp(c->key, "workers"))
            p->eff = (p->med_a / p->med_b) * rl_num(base, "workers") /
                     rl_num(run, "workers");
    }
    return 0;
}

static double geomean(const struct cmp *c, size_t *n)
{
    double s = 0;
    *n = 0;
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].v != V_FAILED && c->pairs[i].v != V_BASE &&
            c->pairs[i].ratio > 0)
            s += log(c->pairs[i].ratio), (*n)++;
    return *n ? exp(s / (double)*n) : NAN;
}

static void verdict_cell(const struct cmp *c, const struct pair *p, char *buf,
                         size_t n)
{
    if (p->v == V_SLOWER || p->v == V_FASTER)
        snprintf(buf, n, "%s (%+.1f%%)", verdict_text[p->v], (p->ratio - 1) * 100);
    else if (p->v == V_WITHIN)
        snprintf(buf, n, "change within %g%%", c->thr * 100);
    else if (p->v == V_FEW)
        snprintf(buf, n, "too few repetitions (%zu, %zu)", p->na, p->nb);
    else if (p->v == V_FAILED)
        snprintf(buf, n, "not compared: %s / %s", rl_str(p->a, "status"),
                 rl_str(p->b, "status"));
    else
        snprintf(buf, n, "%s", verdict_text[p->v]);
}

/* Ratio (or speedup = 1/ratio in baseline mode) with interval. */
static void ratio_cells(const struct cmp *c, const struct pair *p,
                        struct rl_table *t)
{
    int inv = c->baseline != NULL;
    double r = inv ? 1 / p->ratio : p->ratio;
    double lo = inv ? 1 / p->hi : p->lo, hi = inv ? 1 / p->lo : p->hi;
    if (isfinite(r)) {
        rl_table_add(t, "%.3f", r);
        rl_table_add(t, p->v == V_BASE ? "" : "[%.3f, %.3f]", lo, hi);
    } else {
        rl_table_add(t, "-");
        rl_table_add(t, "-");
    }
}

static void print_table(const struct cmp *c, FILE *f)
{
    struct rl_table t;
    int bl = c->baseline != NULL;
    rl_table_init(&t, bl ? 8 : 8, bl ? "lrrrrrrl" : "lrrrrrll");
    const char *hdr_bl[] = {"configuration", "median", "baseline", "speedup",
                            "95% CI", "efficiency", "p", "verdict"};
    const char *hdr[] = {"configuration", "base", "new", "new/base", "95% CI",
                         "p", "verdict", "peak RSS (total)"};
    for (int i = 0; i < 8; i++)
        rl_table_add(&t, "%s", bl ? hdr_bl[i] : hdr[i]);
    for (size_t i = 0; i < c->npairs; i++) {
        const struct pair *p = &c->pairs[i];
        char lab[512], ta[32], tb[32], v[96], ra[32], rb[32];
        rl_label(p->b, c->extra, NULL, lab, sizeof lab);
        rl_fmt_time(p->med_a, ta, sizeof ta);
        rl_fmt_time(p->med_b, tb, sizeof tb);
        verdict_cell(c, p, v, sizeof v);
        rl_table_add(&t, "%s", lab);
        rl_table_add(&t, "%s", bl ? tb : ta);
        rl_table_add(&t, "%s", bl ? ta : tb);
        ratio_cells(c, p, &t);
        if (bl)
            rl_table_add(&t, isfinite(p->eff) ? "%.2f" : "-", p->eff);
        rl_table_add(&t, isfinite(p->p) ? "%.3g" : "-", p->p);
        rl_table_add(&t, "%s", v);
        if (!bl) {
            rl_fmt_bytes(p->rss_a, ra, sizeof ra);
            rl_fmt_bytes(p->rss_b, rb, sizeof rb);
            if (p->rss_a > 0 && isfinite(p->rss_b))
                rl_table_add(&t, "%s -> %s (%+.1f%%)", ra, rb,
                             (p->rss_b / p->rss_a - 1) * 100);
            else
                rl_table_add(&t, "%s -> %s", ra, rb);
        }
    }
    rl_table_print(f, &t, c->fmt);
    rl_table_free(&t);
}

static void print_text(const struct cmp *c, FILE *f)
{
    int md = c->fmt == RL_MARKDOWN;
    const char *const side[2] = {"base", "new"};
    for (int r = 0; r < c->nrep; r++)
        fprintf(f, "%s%s: %s (host %s, %s)%s\n", md ? "- **" : "",
                c->baseline ? "report" : side[r], c->rep[r].path,
                c->rep[r].hostname, c->rep[r].created, md ? "**" : "");
    if (c->baseline)
        fprintf(f, "%sbaseline: %s=%s; speedup = baseline time / run time\n",
                md ? "- " : "", c->key, c->value);
    fputc('\n', f);
    print_table(c, f);
    for (int s = 0; s < 2; s++) {
        if (!c->nunpaired[s])
            continue;
        fprintf(f, "\n%s\n", c->baseline ? "no baseline run for:"
                             : s ? "only in new (unpaired):"
                                 : "only in base (unpaired):");
        for (size_t i = 0; i < c->nunpaired[s]; i++) {
            char lab[512];
            rl_label(c->unpaired[s][i], c->extra, NULL, lab, sizeof lab);
            fprintf(f, "%s%s\n", md ? "- " : "  ", lab);
        }
    }
    size_t n;
    double g = geomean(c, &n);
    fprintf(f, "\n%sgeometric mean of %zu %s: %s\n", md ? "**" : "", n,
            c->baseline ? "speedups" : "ratios (new/base)", md ? "**" : "");
    if (n)
        fprintf(f, "%s%.3f\n", md ? "\n" : "  ", c->baseline ? 1 / g : g);
    fprintf(f, "\n%sratio: exp(Hodges-Lehmann shift of log wall times), "
            "95%% CI from the Mann-Whitney distribution; verdict: two-sided "
            "Mann-Whitney U test, alpha %.2f, threshold %g%%, at least %d "
            "repetitions per side.%s\n", md ? "_" : "", ALPHA, c->thr * 100,
            MIN_REPS, md ? "_" : "");
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static cJSON *config_json(const cJSON *run)
{
    cJSON *o = cJSON_CreateObject();
    struct rl_field f[RL_MAXFIELDS];
    int k = rl_fields(run, f, RL_MAXFIELDS);
    for (int i = 0; i < k; i++)
        cJSON_AddItemToObject(o, f[i].name,
                              cJSON_Duplicate(rl_get(run, i < 4 ? f[i].name : ""), 1)
                                  ?: cJSON_CreateString(f[i].value));
    return o;
}

static void print_json(const struct cmp *c, FILE *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "schema", "parbench.compare/1");
    cJSON_AddStringToObject(o, c->baseline ? "report" : "base", c->rep[0].path);
    if (c->baseline)
        cJSON_AddStringToObject(o, "baseline", c->baseline);
    else
        cJSON_AddStringToObject(o, "new", c->rep[1].path);
    cJSON_AddNumberToObject(o, "alpha", ALPHA);
    cJSON_AddNumberToObject(o, "threshold", c->thr);
    cJSON *pairs = cJSON_AddArrayToObject(o, "pairs");
    size_t nslow = 0;
    for (size_t i = 0; i < c->npairs; i++) {
        const struct pair *p = &c->pairs[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToObject(j, "config", config_json(p->b));
        cJSON_AddNumberToObject(j, c->baseline ? "baseline_n" : "base_n", (double)p->na);
        cJSON_AddNumberToObject(j, c->baseline ? "n" : "new_n", (double)p->nb);
        cJSON_AddItemToObject(j, c->baseline ? "baseline_median_s" : "base_median_s",
                              num_or_null(p->med_a));
        cJSON_AddItemToObject(j, c->baseline ? "median_s" : "new_median_s",
                              num_or_null(p->med_b));
        cJSON_AddItemToObject(j, "ratio", num_or_null(p->ratio));
        cJSON *ci = cJSON_AddArrayToObject(j, "ratio_ci95");
        cJSON_AddItemToArray(ci, num_or_null(p->lo));
        cJSON_AddItemToArray(ci, num_or_null(p->hi));
        if (c->baseline) {
            cJSON_AddItemToObject(j, "speedup", num_or_null(1 / p->ratio));
            cJSON_AddItemToObject(j, "efficiency", num_or_null(p->eff));
        }
        cJSON_AddItemToObject(j, "p_value", num_or_null(p->p));
        cJSON_AddBoolToObject(j, "exact", p->exact);
        cJSON_AddStringToObject(j, "verdict", verdict_code[p->v]);
        cJSON_AddItemToObject(j, "rss_total_base_bytes", num_or_null(p->rss_a));
        cJSON_AddItemToObject(j, "rss_total_new_bytes", num_or_null(p->rss_b));
        cJSON_AddItemToArray(pairs, j);
        nslow += p->v == V_SLOWER;
    }
    const char *const uk[2] = {"only_base", "only_new"};
    for (int s = 0; s < 2; s++) {
        cJSON *u = cJSON_AddArrayToObject(o, c->baseline && s ? "no_baseline" : uk[s]);
        for (size_t i = 0; i < c->nunpaired[s]; i++)
            cJSON_AddItemToArray(u, config_json(c->unpaired[s][i]));
    }
    size_t n;
    cJSON_AddItemToObject(o, "geomean_ratio", num_or_null(geomean(c, &n)));
    cJSON_AddNumberToObject(o, "regressions", (double)nslow);
    char *s = cJSON_Print(o);
    if (s)
        fprintf(f, "%s\n", s);
    free(s);
    cJSON_Delete(o);
}
