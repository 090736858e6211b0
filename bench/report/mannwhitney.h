/* bench/report/mannwhitney.h: the Mann-Whitney U (Wilcoxon rank-sum) test and the
 * Hodges-Lehmann shift estimate with its distribution-free confidence
 * interval, as `parbench compare` uses them on (log) wall times.
 *
 * Conventions follow R's wilcox.test(x, y, conf.int = TRUE):
 *  - U is the statistic of the first sample: the number of pairs (i, j) with
 *    x[i] > y[j], ties counted one half (= R1 - m(m+1)/2);
 *  - the exact null distribution is used when there are no ties and both
 *    samples have fewer than 50 values, otherwise the normal approximation
 *    with tie correction of the variance and a continuity correction of 1/2;
 *  - the shift is that of y relative to x: the median of all y[j] - x[i]. */
#ifndef PB_MANNWHITNEY_H
#define PB_MANNWHITNEY_H
#include <stddef.h>

/* Below this many values per sample (and without ties) the exact
 * distribution is used. */
#define MW_EXACT_MAX 50

struct mw_result {
    size_t m, n;  /* sizes of x and y */
    double u;     /* U of x: #(x[i] > y[j]) + #(x[i] == y[j]) / 2 */
    double p;     /* two-sided p-value */
    double z;     /* normal approximation's z (NaN when exact) */
    int exact;    /* 1: exact distribution; 0: normal approximation */
    int ties;     /* 1: some value occurs in the pooled sample more than once */
};

/* Two-sided Mann-Whitney U test of x (m values) against y (n values).
 * Returns 0, or -EINVAL when a sample is empty or holds a NaN. */
int mw_test(const double *x, size_t m, const double *y, size_t n,
            struct mw_result *r);

/* Exact null distribution of U for sample sizes m and n without ties:
 * counts[u] = number of the C(m+n, m) orderings giving U = u, for
 * u = 0 .. m*n (counts must hold m*n + 1 doubles).  Returns 0 or -ENOMEM. */
int mw_exact_counts(size_t m, size_t n, double *counts);
/* P(U <= u) under the exact null distribution (no ties); NaN on error. */
double mw_exact_cdf(size_t m, size_t n, double u);

/* Hodges-Lehmann estimate of the shift y - x and its confidence interval
 * at level 1 - alpha, from the order statistics of the m*n differences
 * y[j] - x[i] (Hollander & Wolfe, ch. 4.3; R's wilcox.test conf.int):
 * exact critical value without ties and below MW_EXACT_MAX, else the normal
 * approximation with tie-corrected variance. */
struct mw_shift {
    double est;    /* median of the differences */
    double lo, hi; /* confidence interval */
    double conf;   /* achieved confidence (exact) or nominal 1 - alpha */
};
/* Exact for any sample sizes, in O((m + n) log(mn)) time and O(m + n)
 * memory (see mw_diff_kth).  Returns 0, -EINVAL (empty sample, a NaN or an
 * infinity, alpha outside (0, 1)), -E2BIG (m*n overflows size_t) or
 * -ENOMEM. */
int mw_hodges_lehmann(const double *x, size_t m, const double *y, size_t n,
                      double alpha, struct mw_shift *s);

/* *out = the k-th smallest (1-based) of the m*n computed differences
 * y[j] - x[i], for x and y each sorted ascending and finite: the value a
 * sort of all the differences would put at index k - 1, found without
 * forming them.  Returns 0, -EINVAL (k outside 1..m*n) or -ENOMEM. */
int mw_diff_kth(const double *x, size_t m, const double *y, size_t n,
                size_t k, double *out);

/* Standard normal distribution function and its inverse (Acklam's
 * approximation refined by one Newton step; |error| < 1e-12). */
double mw_norm_cdf(double z);
double mw_norm_quantile(double p);
#endif
