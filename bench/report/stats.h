/* bench/report/stats.h: summary statistics of repeated measurements. */
#ifndef PB_STATS_H
#define PB_STATS_H
#include <stddef.h>

struct pb_summary {
    size_t n;
    double min, max, median, mean;
    double stddev;       /* sample standard deviation (n - 1); NaN if n < 2 */
    double ci_lo, ci_hi; /* 95% confidence interval of the mean, Student's t;
                            NaN if n < 2 */
};

void pb_summarize(const double *x, size_t n, struct pb_summary *s);
/* Two-sided 95% quantile of Student's t with df degrees of freedom. */
double pb_t975(unsigned df);
/* Median of x (copied, x untouched); NaN when n == 0. */
double pb_median(const double *x, size_t n);
#endif
