/* bench/report/compare_out.c: `parbench compare`'s output: the table as aligned
 * text or markdown with the unpaired runs, the geometric mean and a line
 * saying how the figures were computed; or all of it as JSON
 * (schema parbench.compare/1). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/compare.h"

static const char *const verdict_text[] = {
    "no significant change", "slower", "faster", "change within threshold",
    "too few repetitions", "run failed", "(baseline)"};
static const char *const verdict_code[] = {
    "same", "slower", "faster", "within_threshold", "too_few", "failed",
    "baseline"};

static void verdict_cell(const struct cmp *c, const struct pair *p, char *buf,
                         size_t n)
{
    if (p->v == V_SLOWER || p->v == V_FASTER)
        snprintf(buf, n, "%s (%s%+.1f%%)", verdict_text[p->v],
                 c->baseline ? "time " : "", (p->ratio - 1) * 100);
    else if (p->v == V_WITHIN)
        snprintf(buf, n, "change within %g%%", c->thr * 100);
    else if (p->v == V_FEW)
        snprintf(buf, n, "too few repetitions (%zu, %zu)", p->na, p->nb);
    else if (p->v == V_FAILED && p->why)
        snprintf(buf, n, "not compared: %s", p->why);
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

void cmp_print_text(const struct cmp *c, FILE *f)
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
    if (c->nhdiff)
        fprintf(f, "\n%sthe reports come from different hosts or builds:%s\n",
                md ? "**" : "", md ? "**" : "");
    for (size_t i = 0; i < c->nhdiff; i++) {
        char a[96], b[96];
        cmp_host_value(c->hdiff[i].a, a, sizeof a);
        cmp_host_value(c->hdiff[i].b, b, sizeof b);
        fprintf(f, "%s%s: %s -> %s\n", md ? "- " : "  ", c->hdiff[i].field,
                a, b);
    }
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
    double g = cmp_geomean(c, &n);
    fprintf(f, "\n%sgeometric mean of %zu %s: ", md ? "**" : "", n,
            c->baseline ? "speedups" : "ratios (new/base)");
    if (n)
        fprintf(f, "%.3f%s\n", c->baseline ? 1 / g : g, md ? "**" : "");
    else
        fprintf(f, "-%s\n", md ? "**" : "");
    fprintf(f, "\n%s%s: exp(%sHodges-Lehmann shift of log wall times), "
            "95%% CI from the Mann-Whitney distribution; verdict: two-sided "
            "Mann-Whitney U test, alpha %.2f, threshold %g%%, at least %d "
            "repetitions per side.%s\n", md ? "_" : "",
            c->baseline ? "speedup" : "ratio", c->baseline ? "minus the " : "",
            CMP_ALPHA, c->thr * 100, CMP_MIN_REPS, md ? "_" : "");
}

static cJSON *num_or_null(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* The configuration of a run as JSON (what pairing looked at). */
static cJSON *config_json(const cJSON *run)
{
    static const char *const basic[] = {"workload", "runner", "workers", "tasks"};
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < 4; i++)
        cJSON_AddItemToObject(o, basic[i], cJSON_Duplicate(rl_get(run, basic[i]), 1));
    cJSON *par = cJSON_AddObjectToObject(o, "params");
    const cJSON *p;
    cJSON_ArrayForEach(p, rl_get(run, "params"))
        if (p->string && rl_param_is_config(p->string))
            cJSON_AddItemToObject(par, p->string, cJSON_Duplicate(p, 1));
    const cJSON *lim = rl_get(run, "limits");
    cJSON_AddItemToObject(o, "limits", lim ? cJSON_Duplicate(lim, 1)
                                           : cJSON_CreateNull());
    return o;
}

void cmp_print_json(const struct cmp *c, FILE *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "schema", "parbench.compare/1");
    cJSON_AddStringToObject(o, c->baseline ? "report" : "base", c->rep[0].path);
    if (c->baseline)
        cJSON_AddStringToObject(o, "baseline", c->baseline);
    else
        cJSON_AddStringToObject(o, "new", c->rep[1].path);
    cJSON_AddNumberToObject(o, "alpha", CMP_ALPHA);
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
        if (p->why)
            cJSON_AddStringToObject(j, "not_compared_because", p->why);
        cJSON_AddItemToObject(j, "rss_total_base_bytes", num_or_null(p->rss_a));
        cJSON_AddItemToObject(j, "rss_total_new_bytes", num_or_null(p->rss_b));
        cJSON_AddItemToArray(pairs, j);
        nslow += cmp_is_regression(p);
    }
    const char *const uk[2] = {"only_base", "only_new"};
    for (int s = 0; s < 2; s++) {
        cJSON *u = cJSON_AddArrayToObject(o, c->baseline && s ? "no_baseline" : uk[s]);
        for (size_t i = 0; i < c->nunpaired[s]; i++)
            cJSON_AddItemToArray(u, config_json(c->unpaired[s][i]));
    }
    /* Always present (empty when the hosts and builds agree, and in
     * baseline mode, where one report is compared with itself). */
    cJSON *hd = cJSON_AddArrayToObject(o, "host_differences");
    for (size_t i = 0; i < c->nhdiff; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "field", c->hdiff[i].field);
        cJSON_AddItemToObject(d, "base", c->hdiff[i].a ? cJSON_Duplicate(c->hdiff[i].a, 1)
                                                       : cJSON_CreateNull());
        cJSON_AddItemToObject(d, "new", c->hdiff[i].b ? cJSON_Duplicate(c->hdiff[i].b, 1)
                                                      : cJSON_CreateNull());
        cJSON_AddItemToArray(hd, d);
    }
    size_t n;
    cJSON_AddItemToObject(o, "geomean_ratio", num_or_null(cmp_geomean(c, &n)));
    cJSON_AddNumberToObject(o, "regressions", (double)nslow);
    char *s = cJSON_Print(o);
    if (s)
        fprintf(f, "%s\n", s);
    free(s);
    cJSON_Delete(o);
}
