/* tests/fuzz/fuzz_report.c: libFuzzer target for the report reader.
 *
 * The input is a report file's bytes.  rl_parse is what rl_load runs
 * after reading the file, so this is the reader compare, export and plot
 * use.  A report it accepts is then walked the way those commands walk it
 * (labels, the fields that vary, per-repetition values), since "checked
 * once, here" is a promise the rest of the code relies on.  Checked too:
 * a rejection always comes with a one-line reason. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/reportload.h"
#include "tests/fuzz/fuzz.h"

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
