/* bench/engine/measure.c: the driver's own CPU time and peak RSS per repetition.
 *
 * getrusage(RUSAGE_SELF) counts every thread of the driver, so for the
 * in-process runners (single, pthreads) it is the whole run's CPU time.
 * Peak RSS: ru_maxrss never goes down, so it cannot give a per-repetition
 * peak.  Writing "5" to /proc/self/clear_refs resets the kernel's RSS
 * high-water mark to the current RSS (Linux >= 4.0); VmHWM read afterwards
 * is the peak of this span.  When the reset is refused we fall back to
 * the lifetime peak and say so (rss_reset = 0). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/engine/measure.h"
#include "runners/runner.h"

static double tv(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

int proc_rss(int pid, uint64_t *rss, uint64_t *hwm)
{
    char path[64], line[256];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/status", pid);
    else
        snprintf(path, sizeof path, "/proc/self/status");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int found = 0;
    unsigned long long kb;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1 && rss)
            *rss = kb * 1024ull, found |= 1;
        else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1 && hwm)
            *hwm = kb * 1024ull, found |= 2;
    }
    fclose(f);
    return found ? 0 : -1;
}

void driver_usage_begin(struct driver_usage *s)
{
    memset(s, 0, sizeof *s);
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        s->rss_reset = write(fd, "5", 1) == 1;
        close(fd);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    s->user_s = tv(ru.ru_utime);
    s->sys_s = tv(ru.ru_stime);
}

void driver_usage_end(const struct driver_usage *s, struct driver_usage *out)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    out->user_s = tv(ru.ru_utime) - s->user_s;
    out->sys_s = tv(ru.ru_stime) - s->sys_s;
    out->rss_reset = s->rss_reset;
    uint64_t hwm = 0;
    out->rss_shmem = 0;
    runner_self_memory(&hwm, &out->rss_shmem);
    hwm = 0;
    if (s->rss_reset && proc_rss(0, NULL, &hwm) == 0)
        out->rss_peak = hwm;
    else
        out->rss_peak = (uint64_t)ru.ru_maxrss * 1024u;
}
