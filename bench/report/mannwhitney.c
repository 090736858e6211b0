/* bench/report/mannwhitney.c: Mann-Whitney U test and Hodges-Lehmann interval.
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
 * Only additions, so counts stay exact up to 2^53 and accurate beyond.
 *
 * Nothing else visits the m*n pairs: U comes from pooled ranks, and the
 * Hodges-Lehmann estimate and interval, which are order statistics of the
 * m*n differences, come from a selection over the two sorted samples
 * (mw_diff_kth), so thousands of repetitions a side cost milliseconds. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/mannwhitney.h"

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

/* A pooled value and the sample it came from, for ranking. */
struct tagged {
    double v;
    int from_x;
};

static int cmp_tagged(const void *a, const void *b)
{
    return cmp_double(&((const struct tagged *)a)->v,
                      &((const struct tagged *)b)->v);
}

/* U of x from the pooled ranks (mid-ranks for ties): U = R_x - m(m+1)/2,
 * which equals #(x[i] > y[j]) + #(x[i] == y[j]) / 2 without visiting the
 * m*n pairs; and the tie term sum(t^3 - t) over groups of equal values
 * (0 without ties).  O((m+n) log(m+n)); -ENOMEM on allocation failure. */
static int rank_stats(const double *x, size_t m, const double *y, size_t n,
                      double *u, double *ties)
{
    size_t N = m + n;
    struct tagged *p = malloc(N * sizeof *p);
    if (!p)
        return -ENOMEM;
    for (size_t i = 0; i < m; i++)
        p[i].v = x[i], p[i].from_x = 1;
    for (size_t j = 0; j < n; j++)
        p[m + j].v = y[j], p[m + j].from_x = 0;
    qsort(p, N, sizeof *p, cmp_tagged);
    /* Ranks are whole or half numbers below 2^53: the sum is exact. */
    double rx = 0, t = 0;
    for (size_t i = 0; i < N;) {
        size_t k = i + 1, nx = p[i].from_x;
        while (k < N && p[k].v == p[i].v)
            nx += p[k++].from_x;
        double g = (double)(k - i), mid = (double)(i + 1 + k) / 2;
        rx += mid * (double)nx;
        t += g * g * g - g;
        i = k;
    }
    free(p);
    *u = rx - (double)m * ((double)m + 1) / 2;
    *ties = t;
    return 0;
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
    double u, ties;
    if (rank_stats(x, m, y, n, &u, &ties))
        return -ENOMEM;
    r->u = u;
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

/* Selection of the k-th smallest difference without forming the m*n of
 * them (all m*n differences of 3200 repetitions a side are 10^7 doubles,
 * of 10^5 a side 80 GB).  With x and y sorted, row i of the matrix
 * d[i][j] = y[j] - x[i] rises along j and falls along i; so does the
 * computed difference, since rounding is monotonic.  Each row keeps a
 * window [lo, hi) of the columns that may still hold the answer v*.  A
 * pivot p, the weighted median of the windows' middle elements, has at
 * least a quarter of the live elements on each side; one merge-like pass
 * counts the differences below p and not above p in every row, and either
 * p is v* or every live element on the far side of p is dropped.  What is
 * dropped to the left is strictly below v*, to the right strictly above,
 * so v* stays the (k - sum lo)-th smallest live element.  When at most
 * m + n elements are live they are gathered and sorted.  Deterministic,
 * O((m + n) log(mn)) comparisons plus a sort of m middles per round, and
 * the same value the sort of all differences gives, ties included. */
struct mid {
    double v;
    size_t w; /* live elements in its row */
};

static int cmp_mid(const void *a, const void *b)
{
    return cmp_double(&((const struct mid *)a)->v, &((const struct mid *)b)->v);
}

int mw_diff_kth(const double *x, size_t m, const double *y, size_t n,
                size_t k, double *out)
{
    if (!m || !n || k < 1 || k > m * n)
        return -EINVAL;
    size_t *lo = calloc(m, sizeof *lo), *hi = malloc(m * sizeof *hi);
    size_t *lt = malloc(m * sizeof *lt), *le = malloc(m * sizeof *le);
    struct mid *mid = malloc(m * sizeof *mid);
    double *pool = malloc((m + n) * sizeof *pool);
    int rc = -ENOMEM;
    if (!lo || !hi || !lt || !le || !mid || !pool)
        goto out;
    for (size_t i = 0; i < m; i++)
        hi[i] = n;
    for (;;) {
        size_t live = 0, left = 0, nm = 0;
        for (size_t i = 0; i < m; i++) {
            left += lo[i], live += hi[i] - lo[i];
            if (hi[i] > lo[i]) {
                size_t c = lo[i] + (hi[i] - lo[i] - 1) / 2;
                mid[nm].v = y[c] - x[i], mid[nm++].w = hi[i] - lo[i];
            }
        }
        if (live <= m + n) {
            size_t np = 0;
            for (size_t i = 0; i < m; i++)
                for (size_t j = lo[i]; j < hi[i]; j++)
                    pool[np++] = y[j] - x[i];
            qsort(pool, np, sizeof *pool, cmp_double);
            *out = pool[k - left - 1];
            rc = 0;
            goto out;
        }
        qsort(mid, nm, sizeof *mid, cmp_mid);
        size_t acc = 0, q = 0;
        while (q + 1 < nm && 2 * (acc + mid[q].w) < live)
            acc += mid[q++].w;
        double p = mid[q].v;
        /* lt[i] = #{j : y[j] - x[i] < p}, le[i] = #{j : ... <= p}: both
         * rise with i, so each is one forward sweep over y. */
        size_t a = 0, b = 0, nlt = 0, nle = 0;
        for (size_t i = 0; i < m; i++) {
            while (a < n && y[a] - x[i] < p)
                a++;
            while (b < n && y[b] - x[i] <= p)
                b++;
            lt[i] = a, le[i] = b, nlt += a, nle += b;
        }
        if (nlt < k && k <= nle) {
            *out = p;
            rc = 0;
            goto out;
        }
        for (size_t i = 0; i < m; i++)
            if (k <= nlt) /* v* < p: drop everything >= p */
                hi[i] = lt[i] < hi[i] ? lt[i] : hi[i];
            else          /* v* > p: drop everything <= p */
                lo[i] = le[i] > lo[i] ? le[i] : lo[i];
    }
out:
    free(lo), free(hi), free(lt), free(le), free(mid), free(pool);
    return rc;
}

static int all_finite(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return 0;
    return 1;
}

static double *sorted_copy(const double *x, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (s) {
        memcpy(s, x, n * sizeof *s);
        qsort(s, n, sizeof *s, cmp_double);
    }
    return s;
}

int mw_hodges_lehmann(const double *x, size_t m, const double *y, size_t n,
                      double alpha, struct mw_shift *s)
{
    s->est = s->lo = s->hi = s->conf = NAN;
    if (!m || !n || !all_finite(x, m) || !all_finite(y, n) ||
        !(alpha > 0 && alpha < 1))
        return -EINVAL;
    if ((double)m * (double)n >= (double)SIZE_MAX)
        return -E2BIG;
    size_t K = m * n;
    double u, ties;
    if (rank_stats(x, m, y, n, &u, &ties))
        return -ENOMEM;
    size_t k; /* 1-based rank of the lower bound among the differences */
    if (ties == 0 && m < MW_EXACT_MAX && n < MW_EXACT_MAX) {
        double *c = malloc((K + 1) * sizeof *c);
        if (!c || mw_exact_counts(m, n, c)) {
            free(c);
            return -ENOMEM;
        }
        double total = 0;
        for (size_t v = 0; v <= K; v++)
            total += c[v];
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
    double *xs = sorted_copy(x, m), *ys = sorted_copy(y, n);
    double a = 0, b = 0, lo = 0, hi = 0;
    /* The median is the ((K+1)/2)-th difference, or the mean of the two
     * middle ones; the interval is [d(k), d(K + 1 - k)]. */
    int rc = !xs || !ys ? -ENOMEM : 0;
    if (!rc)
        rc = mw_diff_kth(xs, m, ys, n, (K + 1) / 2, &a);
    if (!rc)
        rc = K % 2 ? (b = a, 0) : mw_diff_kth(xs, m, ys, n, K / 2 + 1, &b);
    if (!rc)
        rc = mw_diff_kth(xs, m, ys, n, k, &lo);
    if (!rc)
        rc = mw_diff_kth(xs, m, ys, n, K + 1 - k, &hi);
    free(xs), free(ys);
    if (rc)
        return rc;
    s->est = K % 2 ? a : (a + b) / 2;
    s->lo = lo, s->hi = hi;
    return 0;
}
