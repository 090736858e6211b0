/* bench/engine/measure.h: what the driver process measures about itself. */
#ifndef PB_MEASURE_H
#define PB_MEASURE_H
#include <stdint.h>

struct driver_usage {
    double user_s, sys_s; /* CPU of the driver (all its threads) */
    uint64_t rss_peak;    /* peak RSS in bytes over the measured span */
    uint64_t rss_shmem;   /* shared memory resident at its end (RssShmem) */
    int rss_reset;        /* 1: the peak was reset at the start (clear_refs);
                             0: it is the process-lifetime peak */
};

/* Start a span: reset the driver's RSS high-water mark, note CPU time. */
void driver_usage_begin(struct driver_usage *start);
/* End it: out gets the CPU spent since begin and the peak RSS. */
void driver_usage_end(const struct driver_usage *start,
                      struct driver_usage *out);
/* The machine's I/O pressure so far (/proc/pressure/io, PSI): seconds
 * some task / every task was stalled on I/O.  0, or -1 without PSI. */
int pressure_io(double *some_s, double *full_s);
/* 1 when the kernel keeps per-task delay accounting (block I/O delay in
 * /proc/<pid>/stat field 42): kernel.task_delayacct = 1. */
int delayacct_on(void);
#endif
