/* bench/mannwhitney.c: Mann-Whitney U test and Hodges-Lehmann interval.
 *
 * Why a rank test: benchmark times are skewed (a slow outlier from a page
 * fault or a scheduler hiccup is common, a fast one is not) and few; a
 * t-test on such data is neither robust nor honest about its level.  The
 * U test only asks whether one sample tends to be larger than the other.
 *
 * The exact distribution of U is computed by the textbook recurrence on the
 * largest pooled value: with i x's and j y's, if the largest is an x it
 * exceeds all j y's (U grows by j), otherwise U is unchanged:
 *     f(i, j, u) = f(i - 1, j, u - j) + f(i, j - 1, u)
 * Only additions, so counts stay exact up to 2^53 and accurate beyond. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/mannwhitney.h"

int mw_exact_counts(size_t m, size_t n, double *counts)
{
    size_t L = m * n + 1;
    /* prev[j * L + u] = f(i - 1, j, u), cur[j * L + u] = f(i, j, u). */
    double *prev = calloc((n + 1) * L, sizeof *prev);
    double *cur = calloc((n + 1) * L, sizeof *cur);
    if (!prev || !cur) {
        free(prev), free(cur);
        return -ENOMEM;
    }
    for (size_t j = 0; j <= n; j++)
        prev[j * L] = 1; /* i = 0: one ordering, U = 0 */
    for (size_t i = 1; i <= m; i++) {
        memset(cur, 0, (n + 1) * L * sizeof *cur);
        cur[0] = 1; /* j = 0 */
        for (size_t j = 1; j <= n; j++) {
            double *c = cur + j * L;
            const double *left = cur + (j - 1) * L, *up = prev + j * L;
            for (size_t u = 0; u <= i * j; u++)
                c[u] = left[u] + (u >= j ? up[u - j] : 0);
        }
        double *t = prev;
        prev = cur, cur = t;
    }
    memcpy(counts, prev + n * L, L * sizeof *counts);
    free(prev), free(cur);
    return 0;
}

double mw_exact_cdf(size_t m, size_t n, double u)
{
    if (m == 0 || n == 0)
        return NAN;
    size_t L = m * n + 1;
    double *c = malloc(L * sizeof *c);
    if (!c || mw_exact_counts(m, n, c)) {
        free(c);
        return NAN;
    }
    double total = 0, below = 0;
    for (size_t k = 0; k < L; k++) {
        total += c[k];
        if ((double)k <= u)
            below += c[k];
    }
    free(c);
    return below / total;
}

double mw_norm_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

double mw_norm_quantile(double p)
{
    /* P. J. Acklam's rational approximation, then one Newton step. */
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                               -2.759285104469687e+02, 1.383577518672690e+02,
                               -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                               -1.556989798598866e+02, 6.680131188771972e+01,
                               -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                               -2.400758277161838e+00, -2.549732539343734e+00,
                               4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                               2.445134137142996e+00, 3.754408661907416e+00};
    if (!(p > 0 && p < 1))
        return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
    double x, q, r;
    if (p < 0.02425) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    double e = mw_norm_cdf(x) - p;
    double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int has_nan(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return 1;
    return 0;
}

/* Pool and sort x and y; return the tie term sum(t^3 - t) over groups of
 * equal values (0 without ties), or -1 on allocation failure. */
static double tie_term(const double *x, size_t m, const double *y, size_t n)
{
    size_t N = m + n;
    double *p = malloc(N * sizeof *p);
    if (!p)
        return -1;
    memcpy(p, x, m * sizeof *p);
    memcpy(p + m, y, n * sizeof *p);
    qsort(p, N, sizeof *p, cmp_double);
    double t = 0;
    for (size_t i = 0; i < N;) {
        size_t k = i + 1;
        while (k < N && p[k] == p[i])
            k++;
        double g = (double)(k - i);
        t += g * g * g - g;
        i = k;
    }
    free(p);
    return t;
}

/* Standard deviation of U under the null, tie-corrected. */
static double u_sigma(size_t m, size_t n, double ties)
{
    double N = (double)(m + n), mn = (double)m * (double)n;
    return sqrt(mn / 12.0 * ((N + 1) - ties / (N * (N - 1))));
}

int mw_test(const double *x, size_t m, const double *y, size_t n,
            struct mw_result *r)
{
    memset(r, 0, sizeof *r);
    r->m = m, r->n = n;
    r->p = r->z = r->u = NAN;
    if (!m || !n || has_nan(x, m) || has_nan(y, n))
        return -EINVAL;
    double u = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            u += x[i] > y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
    r->u = u;
    double ties = tie_term(x, m, y, n);
    if (ties < 0)
        return -ENOMEM;
    r->ties = ties > 0;
    double mn = (double)m * (double)n;
    if (!r->ties && m < MW_EXACT_MAX && n < MW_EXACT_MAX) {
        r->exact = 1;
        /* U is symmetric about mn/2: P(U >= u) = P(U <= mn - u). */
        double lo = mw_exact_cdf(m, n, u), hi = mw_exact_cdf(m, n, mn - u);
        if (isnan(lo) || isnan(hi))
            return -ENOMEM;
        r->p = fmin(1.0, 2 * fmin(lo, hi));
        return 0;
    }
    double sigma = u_sigma(m, n, ties);
    if (!(sigma > 0)) { /* every value equal: no evidence either way */
        r->z = 0, r->p = 1;
        return 0;
    }
    double d = u - mn / 2;
    double corr = d > 0 ? 0.5 : d < 0 ? -0.5 : 0;
    r->z = (d - corr) / sigma;
    r->p = fmin(1.0, erfc(fabs(r->z) / sqrt(2.0)));
    return 0;
}

int mw_hodges_lehmann(const double *x, size_t m, const double *y, size_t n,
                      double alpha, struct mw_shift *s)
{
    s->est = s->lo = s->hi = s->conf = NAN;
    if (!m || !n || has_nan(x, m) || has_nan(y, n) || !(alpha > 0 && alpha < 1))
        return -EINVAL;
    if ((double)m * (double)n > 1e7)
        return -E2BIG;
    size_t K = m * n;
    double *d = malloc(K * sizeof *d);
    if (!d)
        return -ENOMEM;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            d[i * n + j] = y[j] - x[i];
    qsort(d, K, sizeof *d, cmp_double);
    s->est = K % 2 ? d[K / 2] : (d[K / 2 - 1] + d[K / 2]) / 2;

    double ties = tie_term(x, m, y, n);
    if (ties < 0) {
        free(d);
        return -ENOMEM;
    }
    size_t k; /* 1-based rank of the lower bound among the differences */
    if (ties == 0 && m < MW_EXACT_MAX && n < MW_EXACT_MAX) {
        double *c = malloc((K + 1) * sizeof *c);
        if (!c || mw_exact_counts(m, n, c)) {
            free(c), free(d);
            return -ENOMEM;
        }
        double total = 0;
        for (size_t u = 0; u <= K; u++)
            total += c[u];
        /* k = smallest u with P(U <= u) >= alpha/2 (R's qwilcox), at least
         * 1; the interval [d(k), d(K + 1 - k)] then covers with probability
         * 1 - 2 P(U <= k - 1) >= 1 - alpha. */
        double cdf = 0, below = 0;
        for (k = 0; k <= K; k++) {
            cdf += c[k] / total;
            if (cdf >= alpha / 2 * (1 - 1e-12))
                break;
            below = cdf;
        }
        if (k == 0) /* even the whole range is short of 1 - alpha */
            k = 1, below = c[0] / total;
        s->conf = 1 - 2 * below;
        free(c);
    } else {
        double sigma = u_sigma(m, n, ties);
        double kk = floor((double)K / 2 - mw_norm_quantile(1 - alpha / 2) * sigma);
        k = kk < 1 ? 1 : (size_t)kk;
        s->conf = 1 - alpha;
    }
    if (k > (K + 1) / 2)
        k = (K + 1) / 2;
    s->lo = d[k - 1];
    s->hi = d[K - k];
    free(d);
    return 0;
}
