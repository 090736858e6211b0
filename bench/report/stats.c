/* bench/report/stats.c: min/median/mean/stddev and a Student-t confidence interval
 * of the mean, as hyperfine and most benchmark papers report them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/stats.h"

/* t(0.975, df) for df = 1..30; beyond, a Cornish-Fisher expansion around
 * the normal quantile (error < 1e-4 for df > 30). */
static const double t975[30] = {
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
    2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
    2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
    2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
};

double pb_t975(unsigned df)
{
    if (df == 0)
        return NAN;
    if (df <= 30)
        return t975[df - 1];
    const double z = 1.959963984540054, d = df;
    double z3 = z * z * z, z5 = z3 * z * z;
    return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pb_median(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

void pb_summarize(const double *x, size_t n, struct pb_summary *s)
{
    s->n = n;
    s->min = s->max = s->median = s->mean = NAN;
    s->stddev = s->ci_lo = s->ci_hi = NAN;
    if (n == 0)
        return;
    double sum = 0;
    s->min = s->max = x[0];
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        if (x[i] < s->min)
            s->min = x[i];
        if (x[i] > s->max)
            s->max = x[i];
    }
    s->mean = sum / (double)n;
    s->median = pb_median(x, n);
    if (n < 2)
        return;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - s->mean) * (x[i] - s->mean);
    s->stddev = sqrt(ss / (double)(n - 1));
    double half = pb_t975((unsigned)(n - 1)) * s->stddev / sqrt((double)n);
    s->ci_lo = s->mean - half;
    s->ci_hi = s->mean + half;
}
