/* bench/report/export.c: `parbench export`, a report as a table for spreadsheets,
 * pandas/R, or a wiki page: one row per run (configuration, wall-time
 * statistics, CPU, memory, status), or with --repetitions one row per
 * repetition.  The statistics are recomputed from the repetitions with the
 * same code that wrote the report's summary (bench/report/stats.c), so a
 * hand-edited or merged report exports consistently. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "bench/cli/opts.h"
#include "bench/report/reportload.h"
#include "bench/report/stats.h"

/* Parameter names of all runs, in order of first appearance. */
struct names {
    const char *v[128];
    size_t n;
};

static void collect_params(const struct rl_report *r, struct names *p)
{
    p->n = 0;
    for (int i = 0; i < r->nruns; i++) {
        const cJSON *x;
        cJSON_ArrayForEach(x, rl_get(rl_run(r, i), "params")) {
            size_t k = 0;
            while (k < p->n && strcmp(p->v[k], x->string))
                k++;
            if (k == p->n && p->n < sizeof p->v / sizeof *p->v)
                p->v[p->n++] = x->string;
        }
    }
}

/* Numbers: 10 significant digits for programs, 6 for people (markdown). */
static int digits = 10;

/* A JSON value as a cell: numbers as above, null empty. */
static void add_value(struct rl_table *t, const cJSON *v)
{
    if (cJSON_IsString(v))
        rl_table_add(t, "%s", v->valuestring);
    else if (cJSON_IsNumber(v))
        rl_table_add(t, "%.*g", digits, v->valuedouble);
    else if (cJSON_IsBool(v))
        rl_table_add(t, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (!v || cJSON_IsNull(v))
        rl_table_add(t, "%s", "");
    else {
        char *s = cJSON_PrintUnformatted(v);
        rl_table_add(t, "%s", s ? s : "");
        free(s);
    }
}

static void add_num(struct rl_table *t, double v)
{
    if (isfinite(v))
        rl_table_add(t, "%.*g", digits, v);
    else
        rl_table_add(t, "%s", "");
}

/* "runner_label": how charts name the runner (rl_runner: an exec peer's
 * language, model and variant; the runner's name otherwise). */
static const char *const config_cols[] = {"workload", "runner", "runner_label",
                                          "workers", "tasks"};
static const char *const limit_cols[][2] = {
    {"limit_cpus", "limits.cpus"}, {"limit_memory_bytes", "limits.memory_bytes"},
    {"limit_cpuset", "limits.cpuset"}, {"limit_mechanism", "limits.mechanism"}};
static const char *const run_stats[] = {
    "status", "error", "repetitions", "wall_min_s", "wall_median_s",
    "wall_mean_s", "wall_max_s", "wall_stddev_s", "wall_ci95_low_s",
    "wall_ci95_high_s", "user_s_median", "sys_s_median",
    "cpu_utilization_median", "rss_driver_bytes_median",
    "rss_worker_max_bytes_median", "rss_total_bytes_median", "checksum",
    "value"};
static const char *const rep_stats[] = {
    "status", "repetition", "wall_s", "user_s", "sys_s", "cpu_utilization",
    "rss_driver_bytes", "rss_worker_max_bytes", "rss_total_bytes", "spawn_s",
    "bytes_moved", "checksum", "error"};
#define N(a) (sizeof a / sizeof *a)

static void add_config(struct rl_table *t, const cJSON *run,
                       const struct names *p)
{
    for (size_t k = 0; k < N(config_cols); k++) {
        if (!strcmp(config_cols[k], "runner_label"))
            rl_table_add(t, "%s", rl_runner(run));
        else
            add_value(t, rl_get(run, config_cols[k]));
    }
    const cJSON *par = rl_get(run, "params");
    for (size_t k = 0; k < p->n; k++)
        add_value(t, cJSON_GetObjectItemCaseSensitive(par, p->v[k]));
    for (size_t k = 0; k < N(limit_cols); k++)
        add_value(t, rl_get(run, limit_cols[k][1]));
}

/* Median of a repetition field over the run. */
static double rep_median(const cJSON *run, const char *path)
{
    double *x;
    size_t n = rl_rep_values(run, path, &x);
    double m = pb_median(x, n);
    free(x);
    return m;
}

static void add_run_stats(struct rl_table *t, const cJSON *run)
{
    add_value(t, rl_get(run, "status"));
    add_value(t, rl_get(run, "error"));
    double *x;
    size_t n = rl_rep_values(run, "wall_s", &x);
    struct pb_summary s;
    pb_summarize(x, n, &s);
    free(x);
    rl_table_add(t, "%zu", n);
    add_num(t, s.min), add_num(t, s.median), add_num(t, s.mean);
    add_num(t, s.max), add_num(t, s.stddev), add_num(t, s.ci_lo);
    add_num(t, s.ci_hi);
    static const char *const med[] = {
        "user_s", "sys_s", "cpu_utilization", "rss_peak_bytes.driver",
        "rss_peak_bytes.worker_max", "rss_peak_bytes.total"};
    for (size_t k = 0; k < N(med); k++)
        add_num(t, rep_median(run, med[k]));
    add_value(t, rl_get(run, "result.checksum"));
    add_value(t, rl_get(run, "result.value"));
}

static void add_rep_row(struct rl_table *t, const cJSON *run, int i,
                        const cJSON *rep, const struct names *p)
{
    add_config(t, run, p);
    add_value(t, rl_get(run, "status"));
    rl_table_add(t, "%d", i);
    static const char *const f[] = {
        "wall_s", "user_s", "sys_s", "cpu_utilization", "rss_peak_bytes.driver",
        "rss_peak_bytes.worker_max", "rss_peak_bytes.total", "spawn_s",
        "bytes_moved", "checksum", "error"};
    for (size_t k = 0; k < N(f); k++)
        add_value(t, rl_get(rep, f[k]));
}

static void build(const struct rl_report *r, int reps, struct rl_table *t)
{
    struct names p;
    collect_params(r, &p);
    size_t nstat = reps ? N(rep_stats) : N(run_stats);
    rl_table_init(t, N(config_cols) + p.n + N(limit_cols) + nstat, NULL);
    for (size_t k = 0; k < N(config_cols); k++)
        rl_table_add(t, "%s", config_cols[k]);
    for (size_t k = 0; k < p.n; k++)
        rl_table_add(t, "%s", p.v[k]);
    for (size_t k = 0; k < N(limit_cols); k++)
        rl_table_add(t, "%s", limit_cols[k][0]);
    for (size_t k = 0; k < nstat; k++)
        rl_table_add(t, "%s", reps ? rep_stats[k] : run_stats[k]);
    for (int i = 0; i < r->nruns; i++) {
        const cJSON *run = rl_run(r, i);
        if (!reps) {
            add_config(t, run, &p);
            add_run_stats(t, run);
            continue;
        }
        int k = 0;
        const cJSON *rep;
        cJSON_ArrayForEach(rep, rl_get(run, "repetitions"))
            add_rep_row(t, run, k++, rep, &p);
    }
}

/* Option values of `parbench export`. */
struct export_args {
    const char *format, *output;
    int reps; /* --repetitions */
};

int cmd_export(int argc, char **argv)
{
    struct export_args a = {0};
#define F(field) offsetof(struct export_args, field)
    static const struct opt opts[] = {
        {"format", OT_STR, F(format), 0, 0, "csv|tsv|markdown", "table format (csv)", NULL},
        {"repetitions", OT_FLAG, F(reps), 0, 0, "", "one row per repetition instead of per run", NULL},
        {"output", OT_STR, F(output), 0, 0, "FILE", "write here instead of standard output", NULL},
    };
#undef F
    if (opt_wants_help(argc, argv)) {
        fputs("usage: parbench export REPORT.json [OPTIONS]\n\n"
              "One row per run: configuration, wall time statistics (s), CPU,\n"
              "peak memory (medians over repetitions), status.\n\noptions:\n",
              stdout);
        opt_print(stdout, opts, N(opts));
        return 0;
    }
    const char *pos[1];
    size_t npos;
    char err[1024];
    if (opt_parse(opts, N(opts), &a, NULL, argc, argv, pos, 1, &npos, err,
                  sizeof err))
        return pb_usage_error("export: %s", err);
    const char *format = a.format, *output = a.output;
    int reps = a.reps;
    int fmt = rl_format_parse(format ? format : "csv");
    if (fmt != RL_CSV && fmt != RL_TSV && fmt != RL_MARKDOWN)
        return pb_usage_error("export: --format '%s': use csv, tsv or markdown",
                              format);
    if (npos != 1)
        return pb_usage_error("export: needs one report: parbench export "
                              "REPORT.json");
    struct rl_report r;
    if (rl_load(pos[0], &r, err, sizeof err))
        return pb_usage_error("export: %s", err);
    struct rl_table t;
    digits = fmt == RL_MARKDOWN ? 6 : 10;
    build(&r, reps, &t);
    struct rl_out out;
    int rc = rl_out_open(&out);
    if (rc)
        snprintf(err, sizeof err, "out of memory");
    else {
        rl_table_print(out.f, &t, (enum rl_format)fmt);
        rc = rl_out_commit(&out, output, err, sizeof err);
    }
    rl_table_free(&t);
    rl_free(&r);
    return rc ? pb_usage_error("export: %s", err) : 0;
}
