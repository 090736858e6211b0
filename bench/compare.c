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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/opts.h"
#include "bench/commands.h"
#include "bench/compare.h"
#include "bench/mannwhitney.h"
#include "bench/parse.h"
#include "bench/stats.h"

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
    /* Every way a pair can escape comparison sets why (statuses are shown
     * by the output itself): such a pair fails --fail-on-regression. */
    int ok = !strcmp(rl_str(pr->a, "status"), "ok") &&
             !strcmp(rl_str(pr->b, "status"), "ok");
    if (ok && (!pr->na || !pr->nb))
        ok = 0, pr->why = "no repetitions with a wall time";
    for (size_t i = 0; ok && i < pr->na; i++)
        ok = x[i] > 0 ? (x[i] = log(x[i]), 1) : 0;
    for (size_t i = 0; ok && i < pr->nb; i++)
        ok = y[i] > 0 ? (y[i] = log(y[i]), 1) : 0;
    if (!ok && !pr->why && !strcmp(rl_str(pr->a, "status"), "ok") &&
        !strcmp(rl_str(pr->b, "status"), "ok"))
        pr->why = "a wall time of 0 s";
    struct mw_shift s;
    struct mw_result t;
    int rc = ok ? mw_hodges_lehmann(x, pr->na, y, pr->nb, CMP_ALPHA, &s) : 0;
    if (ok && !rc)
        rc = mw_test(x, pr->na, y, pr->nb, &t);
    free(x), free(y);
    if (!ok || rc) {
        if (rc)
            pr->why = strerror(-rc);
        pr->v = V_FAILED;
        return;
    }
    pr->ratio = exp(s.est), pr->lo = exp(s.lo), pr->hi = exp(s.hi);
    pr->p = t.p, pr->exact = t.exact;
    if (pr->na < CMP_MIN_REPS || pr->nb < CMP_MIN_REPS)
        pr->v = V_FEW;
    else if (!(t.p < CMP_ALPHA))
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

/* Fields that differ among the runs of one workload, over all workloads
 * of all reports: shown in labels (which start with the workload). */
static void find_extra(struct cmp *c)
{
    size_t n = 0, used = 0;
    for (int r = 0; r < c->nrep; r++)
        n += (size_t)c->rep[r].nruns;
    const cJSON **all = malloc(n * sizeof *all), **same = malloc(n * sizeof *same);
    if (all && same) {
        n = 0;
        for (int r = 0; r < c->nrep; r++)
            for (int i = 0; i < c->rep[r].nruns; i++)
                all[n++] = rl_run(&c->rep[r], i);
        for (size_t i = 0; i < n; i++) {
            const char *wl = rl_str(all[i], "workload");
            size_t k = 0, first = 1;
            for (size_t j = 0; j < n; j++) {
                first &= !(j < i && !strcmp(rl_str(all[j], "workload"), wl));
                if (!strcmp(rl_str(all[j], "workload"), wl))
                    same[k++] = all[j];
            }
            char v[512];
            if (!first)
                continue;
            rl_varying(same, k, v, sizeof v);
            if (*v && used < sizeof c->extra)
                used += (size_t)snprintf(c->extra + used, sizeof c->extra - used,
                                         "%s%s", used ? "," : "", v);
        }
    }
    free(all), free(same);
}

/* The distinct workloads of a report, comma-separated. */
static void workloads(const struct rl_report *r, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < r->nruns; i++) {
        const char *w = rl_str(rl_run(r, i), "workload");
        if (!rl_in_list(buf, w) && used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                     used ? "," : "", w);
    }
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
        char wa[256], wb[256];
        workloads(A, wa, sizeof wa), workloads(B, wb, sizeof wb);
        snprintf(err, errlen, "%s (%s) and %s (%s) have no workload in common",
                 A->path, wa, B->path, wb);
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
            p->eff = (1 / p->ratio) * rl_num(base, "workers") /
                     rl_num(run, "workers");
    }
    return 0;
}

int cmp_is_regression(const struct pair *p)
{
    return p->v == V_SLOWER || p->v == V_FAILED;
}

double cmp_geomean(const struct cmp *c, size_t *n)
{
    double s = 0;
    *n = 0;
    for (size_t i = 0; i < c->npairs; i++)
        if (c->pairs[i].v != V_FAILED && c->pairs[i].v != V_BASE &&
            c->pairs[i].ratio > 0)
            s += log(c->pairs[i].ratio), (*n)++;
    return *n ? exp(s / (double)*n) : NAN;
}

/* "5%", "5" or "2.5%": percent, 0 to 1000.  Plain decimals only (the
 * strict parser of bench/parse.c): strtod would take "0x10" as 16%. */
static int parse_threshold(const char *s, double *out)
{
    size_t n = strlen(s);
    char num[64], sub[128];
    n -= n && s[n - 1] == '%';
    if (n >= sizeof num)
        return -1;
    memcpy(num, s, n);
    num[n] = 0;
    double v;
    if (pb_parse_number(num, 0, 1000, &v, sub, sizeof sub))
        return -1;
    *out = v / 100;
    return 0;
}

static const char *const usage_text =
    "usage: parbench compare BASE.json NEW.json [OPTIONS]\n"
    "       parbench compare REPORT.json --baseline KEY=VALUE [OPTIONS]\n\n"
    "Pairs runs with the same configuration and tests each pair with the\n"
    "Mann-Whitney U test; with --baseline, compares every run of one report\n"
    "against the run that differs only in KEY (runner, workers, tasks, a\n"
    "parameter such as transfer, or cpus / memory), giving speedups.\n\n"
    "options:\n";

int cmd_compare(int argc, char **argv)
{
    struct cmp c;
    memset(&c, 0, sizeof c);
#define F(field) offsetof(struct cmp, field)
    static const struct opt opts[] = {
        {"format", OT_STR, F(format), 0, 0, "text|markdown|json", "output format (text)"},
        {"threshold", OT_STR, F(threshold), 0, 0, "PCT", "smallest change that counts as a regression (5%)"},
        {"fail-on-regression", OT_FLAG, F(fail_on_regression), 0, 0, "", "exit 1 when a pair is significantly slower beyond the threshold, or cannot be compared (a run not ok, no usable wall times)"},
        {"baseline", OT_STR, F(baseline), 0, 0, "KEY=VALUE", "one report: compare every run against this configuration"},
        {"output", OT_STR, F(output), 0, 0, "FILE", "write here instead of standard output"},
    };
#undef F
    size_t nopt = sizeof opts / sizeof *opts;
    if (opt_wants_help(argc, argv)) {
        fputs(usage_text, stdout);
        opt_print(stdout, opts, nopt);
        return 0;
    }
    const char *pos[2];
    size_t npos;
    char err[1024];
    if (opt_parse(opts, nopt, &c, NULL, argc, argv, pos, 2, &npos, err,
                  sizeof err))
        return pb_usage_error("compare: %s", err);
    int f = rl_format_parse(c.format ? c.format : "text");
    if (f != RL_TEXT && f != RL_MARKDOWN && f != RL_JSON)
        return pb_usage_error("compare: --format '%s': use text, markdown or json",
                              c.format);
    c.fmt = (enum rl_format)f;
    c.thr = 0.05;
    if (c.threshold && parse_threshold(c.threshold, &c.thr))
        return pb_usage_error("compare: --threshold '%s': not a percentage "
                              "(e.g. 5%%)", c.threshold);
    if (c.baseline) {
        const char *eq = strchr(c.baseline, '=');
        if (!eq || eq == c.baseline || !eq[1] ||
            (size_t)(eq - c.baseline) >= sizeof c.key)
            return pb_usage_error("compare: --baseline '%s': use KEY=VALUE, "
                                  "e.g. runner=single", c.baseline);
        snprintf(c.key, sizeof c.key, "%.*s", (int)(eq - c.baseline), c.baseline);
        snprintf(c.value, sizeof c.value, "%s", eq + 1);
        if (!strcmp(c.key, "workload"))
            return pb_usage_error("compare: --baseline: runs of different "
                                  "workloads cannot be compared");
    }
    size_t want = c.baseline ? 1 : 2;
    if (npos != want)
        return pb_usage_error("compare: %s", c.baseline
                              ? "--baseline takes exactly one report"
                              : "needs two reports: BASE.json NEW.json "
                                "(or one with --baseline KEY=VALUE)");
    int rc = 0;
    for (size_t i = 0; i < want && !rc; i++, c.nrep++)
        rc = rl_load(pos[i], &c.rep[i], err, sizeof err);
    if (!rc) {
        c.nrep = (int)want;
        if (c.baseline) {
            /* A numeric key compares as printed by the report: "2" == 2. */
            char *end, sub[200];
            double v = strtod(c.value, &end);
            uint64_t bytes;
            if (!*end && end != c.value)
                snprintf(c.value, sizeof c.value, "%.17g", v);
            else if (!strcmp(c.key, "memory") &&
                     !pb_parse_size(c.value, &bytes, sub, sizeof sub))
                snprintf(c.value, sizeof c.value, "%.17g", (double)bytes);
        }
        find_extra(&c);
        rc = c.baseline ? pair_baseline(&c, err, sizeof err)
                        : pair_reports(&c, err, sizeof err);
    }
    struct rl_out out = {0};
    if (!rc && (rc = rl_out_open(&out)) != 0)
        snprintf(err, sizeof err, "out of memory");
    if (!rc) {
        if (c.fmt == RL_JSON)
            cmp_print_json(&c, out.f);
        else
            cmp_print_text(&c, out.f);
        rc = rl_out_commit(&out, c.output, err, sizeof err);
    }
    size_t slow = 0;
    for (size_t i = 0; i < c.npairs; i++)
        slow += cmp_is_regression(&c.pairs[i]);
    for (int i = 0; i < c.nrep; i++)
        rl_free(&c.rep[i]);
    free(c.pairs), free(c.unpaired[0]), free(c.unpaired[1]);
    if (rc)
        return pb_usage_error("compare: %s", err);
    return c.fail_on_regression && slow ? 1 : 0;
}
