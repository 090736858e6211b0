/* bench/report/compare.c: `parbench compare`, two reports (or one report against
 * a baseline configuration) side by side, with significance.
 *
 * Runs are paired by configuration (reportload.h: workload, runner,
 * workers, tasks, parameters except repeat/warmup/derived, limits).  For
 * each pair: both medians; the ratio NEW/BASE as exp of the Hodges-Lehmann
 * shift of log wall times, with its Mann-Whitney-based 95% interval; a
 * verdict from the two-sided U test at alpha 0.05 (bench/report/mannwhitney.c);
 * and the change of the median total peak RSS.  The same test underlies
 * the estimate, the interval and the verdict, so they never disagree: the
 * interval excludes 1 exactly when the exact test rejects. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/opts.h"
#include "bench/cli/commands.h"
#include "bench/report/compare.h"
#include "bench/report/mannwhitney.h"
#include "bench/cli/parse.h"
#include "bench/report/stats.h"

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
        return -ENOMEM;
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
        return -ENOMEM;
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

/* Every run's configuration, computed once for the pairing loops. */
static int load_configs(struct cmp *c)
{
    for (int r = 0; r < c->nrep; r++) {
        c->cfg[r] = calloc((size_t)c->rep[r].nruns, sizeof *c->cfg[r]);
        if (!c->cfg[r])
            return -ENOMEM;
        for (int i = 0; i < c->rep[r].nruns; i++)
            if (rl_config_of(rl_run(&c->rep[r], i), &c->cfg[r][i]))
                return -ENOMEM;
    }
    return 0;
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
        return -EINVAL;
    }
    char *used = calloc((size_t)B->nruns, 1);
    int rc = used ? 0 : -ENOMEM;
    for (int i = 0; i < A->nruns && !rc; i++) {
        int found = -1;
        for (int j = 0; j < B->nruns && found < 0; j++)
            if (!used[j] && rl_config_equal(&c->cfg[0][i], &c->cfg[1][j], NULL))
                found = j;
        if (found >= 0)
            used[found] = 1, rc = add_pair(c, rl_run(A, i), rl_run(B, found));
        else
            rc = add_unpaired(c, 0, rl_run(A, i));
    }
    for (int j = 0; j < B->nruns && !rc; j++)
        if (!used[j])
            rc = add_unpaired(c, 1, rl_run(B, j));
    free(used);
    return rc;
}

/* Run i of the baseline report has KEY=VALUE. */
static int is_baseline(const struct cmp *c, int i)
{
    const char *v = rl_config_value(&c->cfg[0][i], c->key);
    return v && !strcmp(v, c->value);
}

/* Baseline mode: every run against the run with the same configuration
 * except c->key, whose c->key is c->value.  Single has one worker and no
 * transfer/schedule choice, so with --baseline runner=... those fields are
 * ignored when no exact match exists. */
static int pair_baseline(struct cmp *c, char *err, size_t errlen)
{
    struct rl_report *R = &c->rep[0];
    int any = 0;
    for (int i = 0; i < R->nruns; i++)
        any |= is_baseline(c, i);
    if (!any) {
        snprintf(err, errlen, "--baseline %s=%s: no run of %s has %s %s",
                 c->key, c->value, R->path, c->key, c->value);
        return -EINVAL;
    }
    const char *more = ",workers,transfer,schedule";
    char *loose = malloc(strlen(c->key) + strlen(more) + 1);
    if (!loose)
        return -ENOMEM;
    strcat(strcpy(loose, c->key), more);
    int rc = 0;
    for (int i = 0; i < R->nruns && !rc; i++) {
        const cJSON *run = rl_run(R, i), *base = NULL;
        if (is_baseline(c, i)) {
            if ((rc = add_pair(c, run, run)) != 0)
                break;
            struct pair *p = &c->pairs[c->npairs - 1];
            p->ratio = p->lo = p->hi = p->eff = 1, p->p = NAN;
            p->v = V_BASE, p->why = NULL;
            continue;
        }
        for (int pass = 0; pass < 2 && !base; pass++) {
            if (pass == 1 && strcmp(c->key, "runner"))
                break;
            for (int j = 0; j < R->nruns && !base; j++)
                if (is_baseline(c, j) &&
                    rl_config_equal(&c->cfg[0][i], &c->cfg[0][j],
                                    pass ? loose : c->key))
                    base = rl_run(R, j);
        }
        if (!base) {
            rc = add_unpaired(c, 1, run);
            continue;
        }
        if ((rc = add_pair(c, base, run)) != 0)
            break;
        struct pair *p = &c->pairs[c->npairs - 1];
        if (!strcmp(c->key, "runner") || !strcmp(c->key, "workers"))
            p->eff = (1 / p->ratio) * rl_num(base, "workers") /
                     rl_num(run, "workers");
    }
    free(loose);
    return rc;
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
 * strict parser of bench/cli/parse.c): strtod would take "0x10" as 16%. */
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

/* --baseline KEY=VALUE into c->key and c->value (both malloc'ed).  A
 * numeric VALUE is written the way the report writes numbers ("2.0" ->
 * "2"), a memory size as bytes ("1GiB").  0, -EINVAL (err says why) or
 * -ENOMEM. */
static int parse_baseline(struct cmp *c, char *err, size_t errlen)
{
    const char *eq = strchr(c->baseline, '='), *val = eq ? eq + 1 : NULL;
    if (!eq || eq == c->baseline || !*val) {
        snprintf(err, errlen, "--baseline '%s': use KEY=VALUE, e.g. "
                 "runner=single", c->baseline);
        return -EINVAL;
    }
    c->key = strndup(c->baseline, (size_t)(eq - c->baseline));
    if (!c->key)
        return -ENOMEM;
    if (!strcmp(c->key, "workload")) {
        snprintf(err, errlen, "--baseline: runs of different workloads "
                 "cannot be compared");
        return -EINVAL;
    }
    char *end, num[32], sub[200];
    double v = strtod(val, &end);
    uint64_t bytes;
    if (!*end)
        snprintf(num, sizeof num, "%.17g", v);
    else if (!strcmp(c->key, "memory") &&
             !pb_parse_size(val, &bytes, sub, sizeof sub))
        snprintf(num, sizeof num, "%.17g", (double)bytes);
    else
        num[0] = 0;
    c->value = strdup(num[0] ? num : val);
    return c->value ? 0 : -ENOMEM;
}

static void cmp_free(struct cmp *c)
{
    for (int r = 0; r < c->nrep; r++) {
        for (int i = 0; c->cfg[r] && i < c->rep[r].nruns; i++)
            rl_config_free(&c->cfg[r][i]);
        free(c->cfg[r]);
        rl_free(&c->rep[r]);
    }
    free(c->pairs), free(c->unpaired[0]), free(c->unpaired[1]);
    free(c->key), free(c->value);
    cmp_host_free(c);
}

/* Load, pair, check the hosts; then write the output.  Returns 0, or a
 * negative errno with err set (bad input: nothing was written). */
static int compare(struct cmp *c, const char *const *pos, char *err,
                   size_t errlen)
{
    int rc = 0;
    size_t want = c->baseline ? 1 : 2;
    for (size_t i = 0; i < want && !rc; i++)
        if ((rc = rl_load(pos[i], &c->rep[i], err, errlen)) == 0)
            c->nrep++;
    if (!rc && c->baseline && cmp_is_metg(c, 0)) {
        snprintf(err, errlen, "--baseline: %s is a `parbench metg` report, "
                 "whose sweeps have no runs to set against a baseline "
                 "(compare two metg reports instead)", c->rep[0].path);
        return -EINVAL;
    }
    int metg = !rc && !c->baseline && cmp_is_metg(c, 0) + cmp_is_metg(c, 1);
    if (metg && !(cmp_is_metg(c, 0) && cmp_is_metg(c, 1))) {
        snprintf(err, errlen, "%s is a `parbench metg` report and %s is not: "
                 "nothing to pair", c->rep[cmp_is_metg(c, 0) ? 0 : 1].path,
                 c->rep[cmp_is_metg(c, 0) ? 1 : 0].path);
        return -EINVAL;
    }
    if (!rc && (rc = load_configs(c)) == 0 &&
        (rc = c->baseline ? 0 : cmp_host_diffs(c)) == 0 && !metg) {
        find_extra(c);
        rc = c->baseline ? pair_baseline(c, err, errlen)
                         : pair_reports(c, err, errlen);
    }
    if (!rc && c->nhdiff) {
        char names[512];
        cmp_host_names(c, names, sizeof names);
        if (c->fail_on_regression && !c->allow_hosts) {
            snprintf(err, errlen, "%s and %s come from different hosts or "
                     "builds (%s): --fail-on-regression refuses to judge "
                     "them; add --allow-different-hosts to accept that",
                     c->rep[0].path, c->rep[1].path, names);
            return -EINVAL;
        }
        fprintf(stderr, "parbench: compare: warning: the reports differ in "
                "%s (listed in the output)\n", names);
    }
    struct rl_out out = {0};
    if (!rc && (rc = rl_out_open(&out)) != 0)
        rc = -ENOMEM;
    if (!rc) {
        if (metg)
            rc = cmp_metg(c, out.f, &c->metg_bad, err, errlen);
        else if (c->fmt == RL_JSON)
            cmp_print_json(c, out.f);
        else
            cmp_print_text(c, out.f);
        if (rc)
            rl_out_discard(&out);
        else
            rc = rl_out_commit(&out, c->output, err, errlen);
    }
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    struct cmp c;
    memset(&c, 0, sizeof c);
#define F(field) offsetof(struct cmp, field)
    static const struct opt opts[] = {
        {"format", OT_STR, F(format), 0, 0, "text|markdown|json", "output format (text)", NULL},
        {"threshold", OT_STR, F(threshold), 0, 0, "PCT", "smallest change that counts as a regression (5%)", NULL},
        {"fail-on-regression", OT_FLAG, F(fail_on_regression), 0, 0, "", "exit 1 when a pair is significantly slower beyond the threshold, or cannot be compared (a run not ok, no usable wall times); exit 2 when the reports come from different hosts or builds", NULL},
        {"allow-different-hosts", OT_FLAG, F(allow_hosts), 0, 0, "", "let --fail-on-regression judge reports from different hosts, CPUs, kernels, limits or parbench builds", NULL},
        {"baseline", OT_STR, F(baseline), 0, 0, "KEY=VALUE", "one report: compare every run against this configuration", NULL},
        {"output", OT_STR, F(output), 0, 0, "FILE", "write here instead of standard output", NULL},
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
    if (npos != (c.baseline ? 1u : 2u))
        return pb_usage_error("compare: %s", c.baseline
                              ? "--baseline takes exactly one report"
                              : "needs two reports: BASE.json NEW.json "
                                "(or one with --baseline KEY=VALUE)");
    int rc = c.baseline ? parse_baseline(&c, err, sizeof err) : 0;
    if (rc == -ENOMEM)
        snprintf(err, sizeof err, "out of memory");
    if (!rc)
        rc = compare(&c, pos, err, sizeof err);
    size_t bad = 0;
    for (size_t i = 0; i < c.npairs; i++)
        bad += cmp_is_regression(&c.pairs[i]);
    bad += c.metg_bad;
    cmp_free(&c);
    if (rc)
        return pb_usage_error("compare: %s", err);
    return c.fail_on_regression && bad ? 1 : 0;
}
