/* bench/report/summary.c: the human-readable line(s) printed after each run, in
 * the spirit of hyperfine: the mean with its spread, the range, CPU and
 * memory, and the checksum every runner must agree on. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/engine/run.h"

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void mb(double bytes, char *buf, size_t n)
{
    if (!isfinite(bytes))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f MiB", bytes / 1048576.0);
}

void run_print_summary(FILE *f, const cJSON *run)
{
    const cJSON *par = cJSON_GetObjectItem(run, "params");
    const cJSON *sum = cJSON_GetObjectItem(run, "summary");
    const cJSON *wall = cJSON_GetObjectItem(sum, "wall_s");
    const cJSON *util = cJSON_GetObjectItem(sum, "cpu_utilization");
    double workers = num(run, "workers");
    const char *wn = workers == 1 ? "worker" : "workers";
    fprintf(f, "%s / %s, %g %s (%s, %s), %g tasks: %s\n",
            str(run, "workload"), str(run, "runner"), workers, wn,
            str(par, "transfer"), str(par, "schedule"), num(run, "tasks"),
            str(run, "status"));
    if (num(wall, "n") > 0) {
        fprintf(f, "  wall  %8.4f s ± %.4f (mean ± sd of %g)   median %.4f   "
                   "range %.4f … %.4f\n",
                num(wall, "mean"), isfinite(num(wall, "stddev"))
                                       ? num(wall, "stddev") : 0.0,
                num(wall, "n"), num(wall, "median"), num(wall, "min"),
                num(wall, "max"));
        char d[32], w[32], t[32];
        mb(num(cJSON_GetObjectItem(sum, "rss_driver_bytes"), "max"), d, sizeof d);
        mb(num(cJSON_GetObjectItem(sum, "rss_worker_max_bytes"), "max"), w, sizeof w);
        mb(num(cJSON_GetObjectItem(sum, "rss_total_bytes"), "max"), t, sizeof t);
        fprintf(f, "  cpu   %5.1f%% of %g %s   rss peak: driver %s, "
                   "largest worker %s, total %s\n",
                100 * num(util, "mean"), workers, wn, d, w, t);
    }
    const cJSON *res = cJSON_GetObjectItem(run, "result");
    const cJSON *val = cJSON_GetObjectItem(res, "value");
    fprintf(f, "  checksum %s", cJSON_IsString(cJSON_GetObjectItem(res, "checksum"))
                                    ? str(res, "checksum") : "-");
    if (cJSON_IsNumber(val))
        fprintf(f, "   value %.0f", val->valuedouble);
    if (isfinite(num(run, "setup_s")))
        fprintf(f, "   setup %.3f s", num(run, "setup_s"));
    fputc('\n', f);
    const cJSON *e = cJSON_GetObjectItem(run, "error");
    if (cJSON_IsString(e))
        fprintf(f, "  error: %s\n", e->valuestring);
}
