/* bench/plot/plot_series.c: what a chart's lines are and where they go.
 *
 * The runs of a workload become series (one configuration along the x
 * field); when a chart would hold more than PLOT_PANEL_SERIES lines, its
 * series are split into panels (small multiples) by the field that
 * varies and best shrinks the largest panel, then by another, until
 * each panel is readable.  Each series keeps one colour in every panel,
 * chosen by its legend text, so "fork" is the same orange everywhere.
 * Also here: the times a time chart draws (timed region, end to end). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/engine/plugin.h"
#include "bench/plot/plot.h"
#include "bench/report/stats.h"

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

/* A one-shot job pays for starting and stopping its workers: per
 * repetition end_to_end_s (spawn + timed region + stop), or in reports
 * from before it, spawn_s + wall_s.  A persistent pool is started once
 * for all repetitions, so its start and stop are added to each. */
static size_t e2e_values(const cJSON *run, double **out)
{
    const cJSON *reps = rl_get(run, "repetitions"), *rep;
    double *x = malloc(((size_t)cJSON_GetArraySize(reps) + 1) * sizeof *x);
    size_t k = 0;
    const char *mode = rl_str(run, "pool.mode");
    double pool = 0;
    if (mode && !strcmp(mode, "persistent")) {
        double a = rl_num(run, "pool.spawn_s"), b = rl_num(run, "pool.stop_s");
        pool = (isnan(a) ? 0 : a) + (isnan(b) ? 0 : b);
    }
    cJSON_ArrayForEach(rep, reps) {
        double v = rl_num(rep, "end_to_end_s");
        if (isnan(v))
            v = rl_num(rep, "spawn_s") + rl_num(rep, "wall_s");
        if (x && !isnan(v))
            x[k++] = v + pool;
    }
    *out = x;
    return x ? k : 0;
}

void plot_time_stats(const struct plot *p, const cJSON *run, double *med,
                     double *lo, double *hi, double *e2e)
{
    double *x;
    size_t n = e2e_values(run, &x);
    struct pb_summary s;
    pb_summarize(x, n, &s);
    free(x);
    *e2e = n ? s.median : NAN;
    if (p->time == PLOT_TIME_E2E && n) {
        *med = s.median, *lo = s.min, *hi = s.max;
        *e2e = NAN;
        return;
    }
    plot_rep_stats(run, "wall_s", med, lo, hi);
    if (p->time == PLOT_TIME_REGION)
        *e2e = NAN;
}

int plot_run_ok(const cJSON *run)
{
    const char *st = rl_str(run, "status");
    return st && !strcmp(st, "ok") && cJSON_GetArraySize(rl_get(run, "repetitions")) > 0;
}

/* Legend text: the runner, workers and tasks unless omitted (the x axis,
 * or the panel says it; tasks only when they vary), then the other
 * fields listed in extra. */
void plot_series_label(const cJSON *run, const char *omit, const char *extra,
                       int tasks_vary, char *buf, size_t n)
{
    double w = rl_num(run, "workers"), t = rl_num(run, "tasks");
    size_t used = (size_t)snprintf(buf, n, "%s", rl_runner(run));
    if (!rl_in_list(omit, "workers") && used < n)
        used += (size_t)snprintf(buf + used, n - used, ", %g worker%s", w,
                                 w == 1 ? "" : "s");
    if (!rl_in_list(omit, "tasks") && tasks_vary && used < n)
        used += (size_t)snprintf(buf + used, n - used, ", %g tasks", t);
    struct rl_config cf = {0};
    char kv[160];
    rl_config_of(run, &cf); /* out of memory: no extra fields in the legend */
    for (int i = 4; i < cf.n && used < n; i++)
        if (rl_in_list(extra, cf.f[i].name) && !rl_in_list(omit, cf.f[i].name) &&
            rl_field_text(&cf.f[i], kv, sizeof kv))
            used += (size_t)snprintf(buf + used, n - used, ", %s", kv);
    rl_config_free(&cf);
    /* Legend text lives in .dat block headers and gnuplot strings: no
     * double quote, no line break (a name from a report may hold one). */
    for (char *c = buf; *c; c++)
        if (*c == '"')
            *c = '\'';
        else if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
}

static int by_x_field; /* qsort context: 0 tasks, 1 workers */
static int cmp_run(const void *a, const void *b)
{
    const char *f = by_x_field ? "workers" : "tasks";
    double x = rl_num(*(const cJSON *const *)a, f);
    double y = rl_num(*(const cJSON *const *)b, f);
    return (x > y) - (x < y);
}

/* The run a series' speedup is relative to: the single runner's run of
 * the same configuration, else the series' own one-worker run. */
static const cJSON *speedup_base(const struct plot *p, const struct series *s)
{
    const char *loose = "runner,workers,transfer,schedule,pool";
    for (int i = 0; i < p->r.nruns; i++) {
        const cJSON *run = rl_run(&p->r, i);
        if (plug_runner_is_baseline(rl_str(run, "runner")) &&
            plot_run_ok(run) &&
            rl_same_config(run, s->run[0], loose) == 1)
            return run;
    }
    for (size_t i = 0; i < s->n; i++)
        if (rl_num(s->run[i], "workers") == 1)
            return s->run[i];
    return NULL;
}

void plot_group(const struct plot *p, const char *wl, const char *vary,
                int speedup, struct chart *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < p->r.nruns; i++) {
        const cJSON *run = rl_run(&p->r, i);
        if (strcmp(rl_str(run, "workload"), wl) || !plot_run_ok(run))
            continue;
        /* Same configuration but the x field: the same series (compared
         * field by field, whole; out of memory starts a series apart). */
        size_t k = 0;
        while (k < c->ns && rl_same_config(run, c->s[k].run[0], vary) != 1)
            k++;
        if (k == c->ns) {
            if (c->ns == PLOT_MAXSERIES)
                continue;
            c->ns++;
        }
        if (c->s[k].n < PLOT_MAXPOINTS)
            c->s[k].run[c->s[k].n++] = run;
    }
    by_x_field = !strcmp(vary, "workers");
    size_t kept = 0;
    for (size_t k = 0; k < c->ns; k++) {
        struct series *s = &c->s[k];
        qsort(s->run, s->n, sizeof *s->run, cmp_run);
        if (speedup && (plug_runner_is_baseline(rl_str(s->run[0], "runner")) ||
                        !(s->base = speedup_base(p, s))))
            continue;
        if (kept != k)
            c->s[kept] = *s;
        kept++;
    }
    c->ns = kept;
}

/* A series' value of a configuration field ("absent" when it has none). */
/* A run's value of a configuration field into buf; 0, or -1 when it has
 * none (or out of memory). */
static int field_value(const cJSON *run, const char *name, char *buf,
                       size_t n)
{
    struct rl_config cf = {0};
    rl_config_of(run, &cf);
    const char *v = rl_config_value(&cf, name);
    if (v)
        snprintf(buf, n, "%s", v);
    rl_config_free(&cf);
    return v ? 0 : -1;
}

static void field_of(const struct series *s, const char *name, char *buf,
                     size_t n)
{
    if (field_value(s->run[0], name, buf, n))
        snprintf(buf, n, "absent");
}

/* Panels' keys under a split: the values of its fields, joined by \x1f. */
static void panel_key(const struct series *s, const char *split, char *buf,
                      size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (const char *f = split; *f && used < n;) {
        size_t k = strcspn(f, ",");
        char name[64], v[96];
        snprintf(name, sizeof name, "%.*s", (int)k, f);
        field_of(s, name, v, sizeof v);
        used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                 used ? "\x1f" : "", v);
        f += k + (f[k] == ',');
    }
}

/* How many panels a split makes, and the most series in one. */
static size_t split_sizes(const struct chart *c, const char *split,
                          size_t *largest)
{
    char keys[PLOT_MAXSERIES][256];
    size_t count[PLOT_MAXSERIES] = {0}, nk = 0;
    *largest = 0;
    for (size_t i = 0; i < c->ns; i++) {
        char k[256];
        panel_key(&c->s[i], split, k, sizeof k);
        size_t j = 0;
        while (j < nk && strcmp(keys[j], k))
            j++;
        if (j == nk)
            memcpy(keys[nk++], k, sizeof k);
        if (++count[j] > *largest)
            *largest = count[j];
    }
    return nk;
}

/* Fields whose values differ among the series, limits first (a CPU limit
 * changes what ideal means), then workers and tasks, then parameters. */
static void varying_fields(const struct chart *c, const char *vary,
                           char *buf, size_t n)
{
    const cJSON *runs[PLOT_MAXSERIES];
    for (size_t i = 0; i < c->ns; i++)
        runs[i] = c->s[i].run[0];
    char params[512] = "";
    rl_varying(runs, c->ns, params, sizeof params);
    size_t used = 0;
    buf[0] = 0;
    static const char *const first[] = {"cpus", "memory", "cpuset", "bind",
                                        "workers", "tasks"};
    for (size_t i = 0; i < sizeof first / sizeof *first; i++) {
        char v0[96], v[96];
        int varies = 0;
        field_of(&c->s[0], first[i], v0, sizeof v0);
        for (size_t k = 1; k < c->ns && !varies; k++) {
            field_of(&c->s[k], first[i], v, sizeof v);
            varies = strcmp(v, v0) != 0;
        }
        if (varies && strcmp(first[i], vary) && used < n)
            used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                     used ? "," : "", first[i]);
    }
    for (const char *f = params; *f && used < n;) {
        size_t k = strcspn(f, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)k, f);
        if (!rl_in_list(buf, name))
            used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                     used ? "," : "", name);
        f += k + (f[k] == ',');
    }
}

/* A panel's title from the values of the fields it is split by, in
 * the order they were chosen. */
static void panel_title(const struct series *s, const char *split,
                        char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    struct rl_config cf = {0};
    rl_config_of(s->run[0], &cf);
    struct rl_field *f = cf.f;
    int k = cf.n;
    for (const char *sp = split; *sp && used < n;) {
        size_t len = strcspn(sp, ",");
        int i = 0;
        while (i < k && (strlen(f[i].name) != len || strncmp(f[i].name, sp, len)))
            i++;
        sp += len + (sp[len] == ',');
        if (i == k)
            continue;
        char t[160], *end;
        double v = strtod(f[i].value, &end);
        int num = end != f[i].value && !*end;
        if (!strcmp(f[i].name, "cpus"))
            snprintf(t, sizeof t, num ? "%g CPU%s" : "no CPU limit", v,
                     v == 1 ? "" : "s");
        else if (!strcmp(f[i].name, "workers"))
            snprintf(t, sizeof t, "%g worker%s", v, v == 1 ? "" : "s");
        else if (!strcmp(f[i].name, "tasks"))
            snprintf(t, sizeof t, "%g tasks", v);
        else if (!rl_field_text(&f[i], t, sizeof t))
            snprintf(t, sizeof t, "no %s", f[i].name);
        used += (size_t)snprintf(buf + used, n - used, "%s%s",
                                 used ? ", " : "", t);
    }
    rl_config_free(&cf);
    /* Legend text lives in .dat block headers and gnuplot strings: no
     * double quote, no line break (a name from a report may hold one). */
    for (char *c = buf; *c; c++)
        if (*c == '"')
            *c = '\'';
        else if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
}

/* Panel order: field by field, numbers by value, "null" (no limit) first. */
static int cmp_pkey(const char *a, const char *b)
{
    while (*a || *b) {
        size_t ka = strcspn(a, "\x1f"), kb = strcspn(b, "\x1f");
        char *ea, *eb;
        double x = strtod(a, &ea), y = strtod(b, &eb);
        int na = ea == a + ka && ka, nb = eb == b + kb && kb;
        int r = na && nb ? (x > y) - (x < y)
              : na != nb ? (strncmp(a, "null", 4) ? na - nb : -1)
              : strncmp(a, b, ka > kb ? ka : kb);
        if (r)
            return r;
        a += ka + (a[ka] != 0), b += kb + (b[kb] != 0);
    }
    return 0;
}

/* A parameter every run of a runner has with the same value (single and
 * fork "shared", mpi "local"): the runner's name already tells the series
 * apart, and "single, transfer=shared" would only add noise. */
static int runner_decides(const struct chart *c, const char *name)
{
    if (!strcmp(name, "cpus") || !strcmp(name, "memory"))
        return 0; /* limits are the experiment, never noise */
    for (size_t i = 0; i < c->ns; i++)
        for (size_t j = i + 1; j < c->ns; j++) {
            char a[96], b[96];
            if (strcmp(rl_str(c->s[i].run[0], "runner"),
                       rl_str(c->s[j].run[0], "runner")))
                continue;
            field_of(&c->s[i], name, a, sizeof a);
            field_of(&c->s[j], name, b, sizeof b);
            if (strcmp(a, b))
                return 0;
        }
    return 1;
}

static int cmp_series(const void *a, const void *b)
{
    const struct series *x = a, *y = b;
    return x->panel != y->panel ? x->panel - y->panel : x->colour - y->colour;
}

void plot_split(struct chart *c, const char *vary, int force_cpus,
                size_t metrics)
{
    char cand[512];
    varying_fields(c, vary, cand, sizeof cand);
    c->split[0] = 0;
    size_t l;
    if (force_cpus && rl_in_list(cand, "cpus") &&
        split_sizes(c, "cpus", &l) <= PLOT_MAXPANELS)
        snprintf(c->split, sizeof c->split, "cpus");
    for (;;) {
        size_t largest, best_largest = 0;
        split_sizes(c, c->split, &largest);
        if (largest <= PLOT_PANEL_SERIES)
            break;
        char best[64] = "";
        for (const char *f = cand; *f;) {
            size_t k = strcspn(f, ",");
            char name[64], trial[sizeof c->split + 64];
            snprintf(name, sizeof name, "%.*s", (int)k, f);
            f += k + (f[k] == ',');
            if (rl_in_list(c->split, name))
                continue;
            snprintf(trial, sizeof trial, "%s%s%s", c->split,
                     *c->split ? "," : "", name);
            size_t l, np = split_sizes(c, trial, &l);
            /* Candidates come in priority order: a tie keeps the first. */
            if (np <= PLOT_MAXPANELS && l < largest &&
                (!*best || l < best_largest))
                snprintf(best, sizeof best, "%s", name), best_largest = l;
        }
        if (!*best)
            break;
        size_t u = strlen(c->split);
        snprintf(c->split + u, sizeof c->split - u, "%s%s", u ? "," : "", best);
    }
    /* Panels side by side: a grid whose columns are a field split by
     * when that makes a tidy rectangle (each row then compares its
     * values side by side); a panel of several plots (speedup and
     * efficiency; three memory figures) takes half a row or a whole one. */
    size_t np = split_sizes(c, c->split, &l);
    char colfield[64] = "", order[sizeof c->split + 64] = "";
    c->pcols = metrics >= 3 || np == 1 ? 1 : metrics == 2 ? (np >= 4 ? 2 : 1)
             : np <= 3 ? np : np == 4 ? 2 : 3;
    for (const char *f = c->split; *f && strchr(c->split, ',');) {
        size_t k = strcspn(f, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)k, f);
        f += k + (f[k] == ',');
        size_t vals = split_sizes(c, name, &l);
        if (vals >= 2 && vals <= 3 && np % vals == 0 && (metrics == 1 || vals == c->pcols))
            snprintf(colfield, sizeof colfield, "%s", name);
    }
    if (*colfield && metrics == 1)
        c->pcols = split_sizes(c, colfield, &l);
    /* Panels in the order of their fields' values, the column's last. */
    for (const char *f = c->split; *f;) {
        size_t k = strcspn(f, ","), u = strlen(order);
        if (k != strlen(colfield) || strncmp(f, colfield, k))
            snprintf(order + u, sizeof order - u, "%s%.*s", u ? "," : "",
                     (int)k, f);
        f += k + (f[k] == ',');
    }
    if (*colfield) {
        size_t u = strlen(order);
        snprintf(order + u, sizeof order - u, "%s%s", u ? "," : "", colfield);
    }
    char keys[PLOT_MAXPANELS][256];
    c->npanels = 0;
    for (size_t i = 0; i < c->ns; i++) {
        panel_key(&c->s[i], order, c->s[i].pkey, sizeof c->s[i].pkey);
        size_t j = 0;
        while (j < c->npanels && strcmp(keys[j], c->s[i].pkey))
            j++;
        if (j == c->npanels && j < PLOT_MAXPANELS)
            memcpy(keys[c->npanels++], c->s[i].pkey, sizeof keys[0]);
    }
    for (size_t i = 0; i < c->ns; i++) {
        int before = 0;
        for (size_t j = 0; j < c->npanels; j++)
            before += cmp_pkey(keys[j], c->s[i].pkey) < 0;
        c->s[i].panel = before;
    }
    /* Labels without what the panel says; colours by label, in the order
     * the report first has them (runner order of the matrix). */
    char omit[sizeof c->split + 16], extra[512] = "";
    snprintf(omit, sizeof omit, "%s,%s", vary, c->split);
    for (const char *f = cand; *f;) {
        size_t k = strcspn(f, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)k, f);
        f += k + (f[k] == ',');
        if (runner_decides(c, name))
            continue;
        size_t u = strlen(extra);
        snprintf(extra + u, sizeof extra - u, "%s%s", u ? "," : "", name);
    }
    c->ncolours = 0;
    for (size_t i = 0; i < c->ns; i++) {
        struct series *s = &c->s[i];
        plot_series_label(s->run[0], omit, extra, rl_in_list(cand, "tasks"),
                          s->label, sizeof s->label);
        s->colour = -1;
        for (size_t j = 0; j < i && s->colour < 0; j++)
            if (!strcmp(c->s[j].label, s->label))
                s->colour = c->s[j].colour;
        if (s->colour < 0)
            s->colour = (int)c->ncolours++;
    }
    qsort(c->s, c->ns, sizeof *c->s, cmp_series);
    for (size_t p = 0; p < c->npanels; p++) {
        c->pcount[p] = 0;
        c->pcpus[p] = 0;
    }
    for (size_t i = c->ns; i-- > 0;) {
        size_t p = (size_t)c->s[i].panel;
        c->pfirst[p] = i;
        c->pcount[p]++;
        panel_title(&c->s[i], c->split, c->ptitle[p], sizeof c->ptitle[p]);
        char v[96];
        if (rl_in_list(c->split, "cpus") && !field_value(c->s[i].run[0], "cpus",
                                                        v, sizeof v))
            c->pcpus[p] = atof(v);
    }
}
