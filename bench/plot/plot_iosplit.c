/* bench/plot/plot_iosplit.c: the split of a disk workload's task time
 * into reading, computing and writing (the repetitions' "io" sums, task
 * seconds, median over repetitions): one horizontal stacked bar per run,
 * labelled with its configuration, its CPU utilisation and the bytes that
 * came from the device, so "I/O-bound" is a measured figure.  Data for
 * plots/iosplit.gp. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/plot/plot.h"

#define IOSPLIT_MAX 60 /* bars; more runs: the first ones, said on stderr */

int plot_iosplit(struct plot *p, const char *wl, char *err, size_t errlen)
{
    const cJSON *runs[IOSPLIT_MAX];
    int n = 0, more = 0;
    for (int i = 0; i < p->r.nruns; i++) {
        const cJSON *run = rl_run(&p->r, i);
        if (strcmp(rl_str(run, "workload"), wl) || !plot_run_ok(run) ||
            !isfinite(rl_num(cJSON_GetArrayItem(rl_get(run, "repetitions"), 0),
                             "io.read_s")))
            continue;
        if (n < IOSPLIT_MAX)
            runs[n++] = run;
        else
            more++;
    }
    if (!n)
        return 0; /* not a disk workload */
    if (more)
        fprintf(stderr, "parbench: plot: %s: the read/compute/write chart "
                "shows the first %d runs of %d\n", wl, n, n + more);
    char dat[4200];
    FILE *f = plot_open_dat(p, "iosplit", wl, dat, sizeof dat, err, errlen);
    if (!f)
        return -EIO;
    fprintf(f, "# row read_s compute_s write_s cpu_percent device_read_MiB "
               "\"run\" (task seconds: sums over tasks, medians over "
               "repetitions)\n");
    double xmax = 0;
    for (int k = 0; k < n; k++) {
        double rd, cp, wr, cpu, dev, lo, hi;
        plot_rep_stats(runs[k], "io.read_s", &rd, &lo, &hi);
        plot_rep_stats(runs[k], "io.compute_s", &cp, &lo, &hi);
        plot_rep_stats(runs[k], "io.write_s", &wr, &lo, &hi);
        plot_rep_stats(runs[k], "cpu_utilization", &cpu, &lo, &hi);
        plot_rep_stats(runs[k], "io.device_read_bytes", &dev, &lo, &hi);
        char lab[256];
        plot_series_label(runs[k], "", "strategy,io,cache", 0,
                          lab, sizeof lab);
        fprintf(f, "%d %.6g %.6g %.6g %.1f %.1f \"%s\"\n", k, rd, cp, wr,
                isfinite(cpu) ? 100 * cpu : 0, isfinite(dev) ? dev / 1048576 : 0,
                lab);
        xmax = fmax(xmax, rd + cp + wr);
    }
    int rc = plot_close_dat(f, dat, err, errlen);
    struct plotvars v;
    plotvars_init(&v);
    plotvars_num(&v, "nruns", n);
    plotvars_num(&v, "xmax", xmax > 0 ? xmax : 1);
    double h = 160 + 28.0 * n;
    if (!rc)
        rc = plot_draw(p, "iosplit", wl, dat, &v, 1300, h < 400 ? 400 : h,
                       err, errlen);
    return rc;
}
