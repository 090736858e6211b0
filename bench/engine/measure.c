/* bench/engine/measure.c: the driver's own CPU time and peak RSS per repetition.
 *
 * getrusage(RUSAGE_SELF) counts every thread of the driver, so for the
 * in-process runners (single, pthreads) it is the whole run's CPU time.
 * Peak RSS: ru_maxrss never goes down, so it cannot give a per-repetition
 * peak.  Writing "5" to /proc/self/clear_refs resets the kernel's RSS
 * high-water mark to the current RSS (Linux >= 4.0); VmHWM read afterwards
 * is the peak of this span.  When the reset is refused we fall back to
 * the lifetime peak and say so (rss_reset = 0).  The reset, the CPU time
 * and the /proc reading are runners/common.c's, which the runners use for
 * their own workers too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/engine/measure.h"
#include "runners/runner.h"

void driver_usage_begin(struct driver_usage *s)
{
    memset(s, 0, sizeof *s);
    s->rss_reset = runner_reset_peak();
    runner_self_cpu(&s->user_s, &s->sys_s);
}

void driver_usage_end(const struct driver_usage *s, struct driver_usage *out)
{
    double user_s, sys_s;
    runner_self_cpu(&user_s, &sys_s);
    out->user_s = user_s - s->user_s;
    out->sys_s = sys_s - s->sys_s;
    out->rss_reset = s->rss_reset;
    uint64_t hwm;
    runner_self_memory(&hwm, &out->rss_shmem);
    if (s->rss_reset && hwm) {
        out->rss_peak = hwm;
    } else {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        out->rss_peak = (uint64_t)ru.ru_maxrss * 1024u;
    }
}

/* /proc/pressure/io: "some avg10=.. avg60=.. avg300=.. total=US" and the
 * same for "full", cumulative microseconds since boot. */
int pressure_io(double *some_s, double *full_s)
{
    FILE *f = fopen("/proc/pressure/io", "r");
    if (!f)
        return -1;
    char line[256];
    int got = 0;
    *some_s = *full_s = 0;
    while (fgets(line, sizeof line, f)) {
        const char *t = strstr(line, "total=");
        if (!t)
            continue;
        double v = strtod(t + 6, NULL) * 1e-6;
        if (strncmp(line, "some", 4) == 0)
            *some_s = v, got |= 1;
        else if (strncmp(line, "full", 4) == 0)
            *full_s = v, got |= 2;
    }
    fclose(f);
    return got & 1 ? 0 : -1;
}

int delayacct_on(void)
{
    FILE *f = fopen("/proc/sys/kernel/task_delayacct", "r");
    if (!f)
        return 0;
    int on = fgetc(f) == '1';
    fclose(f);
    return on;
}
