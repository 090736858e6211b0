/* tests/fuzz/fuzz_report.c: libFuzzer target for the report reader.
 *
 * The input is a report file's bytes.  rl_parse is what rl_load runs
 * after reading the file, so this is the reader compare, export and plot
 * use.  A report it accepts is then walked the way those commands walk it
 * (labels, the fields that vary, per-repetition values), since "checked
 * once, here" is a promise the rest of the code relies on: labels, the
 * configuration of each run and the fields that vary, and for each two
 * neighbouring runs the statistics `parbench compare` computes on their
 * log wall times (Mann-Whitney U, Hodges-Lehmann).  Checked: a run is the
 * same configuration as itself, an interval holds its estimate, a p-value
 * is a probability, and a rejection comes with a one-line reason. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/mannwhitney.h"
#include "bench/report/reportload.h"
#include "tests/fuzz/fuzz.h"

/* Log wall times of run (those > 0, as compare takes them); malloc'ed. */
static size_t log_walls(const cJSON *run, double **v)
{
    size_t n = rl_rep_values(run, "wall_s", v), k = 0;
    for (size_t i = 0; i < n; i++)
        if ((*v)[i] > 0)
            (*v)[k++] = log((*v)[i]);
    return k;
}

static void statistics(const cJSON *a, const cJSON *b)
{
    double *x = NULL, *y = NULL;
    size_t m = log_walls(a, &x), n = log_walls(b, &y);
    struct mw_shift s;
    struct mw_result t;
    if (m && n && mw_hodges_lehmann(x, m, y, n, 0.05, &s) == 0 &&
        !(s.lo <= s.est && s.est <= s.hi))
        fuzz_fail("shift %g outside its interval [%g, %g] (%zu, %zu values)",
                  s.est, s.lo, s.hi, m, n);
    if (m && n && mw_test(x, m, y, n, &t) == 0 &&
        !(t.p >= 0 && t.p <= 1 && t.u >= 0 && t.u <= (double)m * (double)n))
        fuzz_fail("U test: U %g, p %g (%zu, %zu values)", t.u, t.p, m, n);
    free(x);
    free(y);
}

static void configuration(const cJSON *run, const cJSON *next)
{
    struct rl_config c;
    if (rl_config_of(run, &c))
        return;
    if (!rl_config_equal(&c, &c, NULL) || rl_same_config(run, run, NULL) != 1)
        fuzz_fail("a run is not the same configuration as itself");
    if (!rl_config_value(&c, "workload"))
        fuzz_fail("a run's configuration has no workload");
    if (next) {
        int same = rl_same_config(run, next, "runner");
        if (same >= 0 && same != rl_same_config(next, run, "runner"))
            fuzz_fail("same configuration is not symmetric");
    }
    rl_config_free(&c);
}

static void walk(const struct rl_report *r)
{
    const cJSON **runs = calloc((size_t)r->nruns + 1, sizeof *runs);
    if (!runs)
        return;
    char buf[1024];
    for (int i = 0; i < r->nruns; i++) {
        const cJSON *run = rl_run(r, i);
        runs[i] = run;
        rl_label(run, "size,complexity,limit,cpus,memory,urls", NULL, buf,
                 sizeof buf);
        rl_label(run, "", "runner,workers,tasks", buf, sizeof buf);
        static const char *const paths[] = {"wall_s", "user_s", "sys_s",
            "cpu_utilization", "rss_peak_bytes.total", "rss_peak_bytes.driver"};
        for (size_t k = 0; k < sizeof paths / sizeof *paths; k++) {
            double *v = NULL;
            size_t n = rl_rep_values(run, paths[k], &v);
            /* Every repetition was checked to have a number wall_s. */
            if (k == 0 && n != (size_t)cJSON_GetArraySize(rl_get(run, "repetitions")))
                fuzz_fail("wall_s: %zu values for %d repetitions", n,
                          cJSON_GetArraySize(rl_get(run, "repetitions")));
            free(v);
        }
        double w = rl_num(run, "workers"), t = rl_num(run, "tasks");
        if (!rl_str(run, "workload") || !rl_str(run, "runner") ||
            !(w >= 1 && w <= INT32_MAX && w == (int)w) ||
            !(t >= 1 && t <= INT32_MAX && t == (int)t))
            fuzz_fail("run %d accepted without its configuration "
                      "(workers %g, tasks %g)", i, w, t);
        const cJSON *next = i + 1 < r->nruns ? rl_run(r, i + 1) : NULL;
        configuration(run, next);
        if (next)
            statistics(run, next);
    }
    rl_varying(runs, (size_t)r->nruns, buf, sizeof buf);
    free(runs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct rl_report r;
    char err[512] = "";
    if (rl_parse("fuzz.json", text, size, &r, err, sizeof err) == 0) {
        walk(&r);
        rl_free(&r);
    } else {
        fuzz_check_message(err);
    }
    free(text);
    return 0;
}
