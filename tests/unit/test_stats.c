/* tests/unit/test_stats.c: the statistics behind `parbench compare`
 * (bench/report/mannwhitney.c), against values computed by hand and against the
 * critical values printed in textbook tables of the Mann-Whitney U test. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench/report/mannwhitney.h"

#define NELEM(a) (sizeof a / sizeof *a)

/* Orderings of 3 x's and 4 y's by U: the coefficients of the Gaussian
 * binomial [7 choose 3]_q, 35 orderings in all. */
START_TEST(exact_counts_3_4)
{
    static const double want[] = {1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1};
    double c[13];
    ck_assert_int_eq(mw_exact_counts(3, 4, c), 0);
    for (size_t u = 0; u < NELEM(want); u++)
        ck_assert_double_eq(c[u], want[u]);
    ck_assert_double_eq_tol(mw_exact_cdf(3, 4, 2), 4.0 / 35, 1e-15);
    ck_assert_double_eq_tol(mw_exact_cdf(3, 4, 12), 1, 1e-15);
}
END_TEST

/* m = n = 5: C(10, 5) = 252 orderings; U <= 2 in 1 + 1 + 2 of them. */
START_TEST(exact_cdf_5_5)
{
    ck_assert_double_eq_tol(mw_exact_cdf(5, 5, 0), 1.0 / 252, 1e-15);
    ck_assert_double_eq_tol(mw_exact_cdf(5, 5, 2), 4.0 / 252, 1e-15);
    ck_assert_double_eq_tol(mw_exact_cdf(5, 5, 3), 7.0 / 252, 1e-15);
    /* Symmetric about mn / 2 = 12.5. */
    ck_assert_double_eq_tol(mw_exact_cdf(5, 5, 12), 0.5, 1e-15);
}
END_TEST

/* Two-sided critical values at alpha = 0.05 from the usual table (e.g.
 * Siegel & Castellan, table J; Zar, table B.11): U <= crit rejects, so
 * P(U <= crit) <= 0.025 < P(U <= crit + 1). */
START_TEST(textbook_critical_values)
{
    static const struct { size_t m, n; double crit; } t[] = {
        {5, 5, 2},   {6, 6, 5},   {7, 7, 8},   {8, 8, 13},   {9, 9, 17},
        {10, 10, 23}, {5, 10, 8}, {8, 10, 17}, {20, 20, 127},
    };
    for (size_t i = 0; i < NELEM(t); i++) {
        double lo = mw_exact_cdf(t[i].m, t[i].n, t[i].crit);
        double hi = mw_exact_cdf(t[i].m, t[i].n, t[i].crit + 1);
        ck_assert_msg(lo <= 0.025 && hi > 0.025, "m=%zu n=%zu: P(U<=%g)=%g, "
                      "P(U<=%g)=%g", t[i].m, t[i].n, t[i].crit, lo,
                      t[i].crit + 1, hi);
    }
}
END_TEST

START_TEST(test_separated_and_symmetric)
{
    double x[] = {1, 2, 3, 4, 5}, y[] = {6, 7, 8, 9, 10};
    struct mw_result r, s;
    ck_assert_int_eq(mw_test(x, 5, y, 5, &r), 0);
    ck_assert(r.exact && !r.ties);
    ck_assert_double_eq(r.u, 0);
    ck_assert_double_eq_tol(r.p, 2.0 / 252, 1e-12); /* 0.0079 */
    ck_assert_int_eq(mw_test(y, 5, x, 5, &s), 0);
    ck_assert_double_eq(s.u, 25);
    ck_assert_double_eq_tol(s.p, r.p, 1e-15);
    /* Three against three can never reach 0.05: 2 / C(6, 3) = 0.1. */
    ck_assert_int_eq(mw_test(x, 3, y, 3, &r), 0);
    ck_assert_double_eq_tol(r.p, 0.1, 1e-12);
    /* Interleaved: U = 12 or 13 of 25, p = 1 or nearly. */
    double a[] = {1, 3, 5, 7, 9}, b[] = {2, 4, 6, 8, 10};
    ck_assert_int_eq(mw_test(a, 5, b, 5, &r), 0);
    ck_assert_double_eq(r.u, 10);
    ck_assert(r.p > 0.5);
}
END_TEST

/* With ties, by hand: x = {1,2,2,3}, y = {2,3,4,5,5}.
 * U_x = 0 (x=1) + 0.5 + 0.5 (x=2,2 vs y=2) + 1 + 0.5 (x=3 vs y=2,3) = 2.5.
 * Tie groups: 2 (3 times), 3 (twice), 5 (twice): sum t^3 - t = 24+6+6 = 36.
 * sigma^2 = mn/12 ((N+1) - 36/(N(N-1))) = 20/12 (10 - 36/72) = 15.8333.
 * z = (2.5 - 10 + 0.5) / 3.97911 = -1.75919; p = 2 Phi(z) = 0.078546. */
START_TEST(test_ties_normal)
{
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 5, 5};
    struct mw_result r;
    ck_assert_int_eq(mw_test(x, 4, y, 5, &r), 0);
    ck_assert(!r.exact && r.ties);
    ck_assert_double_eq(r.u, 2.5);
    ck_assert_double_eq_tol(r.z, -1.759186, 1e-6);
    ck_assert_double_eq_tol(r.p, 0.078546, 1e-6);
}
END_TEST

/* Large samples use the normal approximation even without ties: x = 0..59,
 * y = x + 30.5: U_x counts pairs x_i > y_j, i - j > 30: sum_{k=1}^{29} k =
 * 435 of 3600; sigma = sqrt(3600 * 121 / 12) = 190.526; z = (435 - 1800 +
 * 0.5) / 190.526 = -7.16176. */
START_TEST(test_large_normal)
{
    double x[60], y[60];
    for (int i = 0; i < 60; i++)
        x[i] = i, y[i] = i + 30.5;
    struct mw_result r;
    ck_assert_int_eq(mw_test(x, 60, y, 60, &r), 0);
    ck_assert(!r.exact && !r.ties);
    ck_assert_double_eq(r.u, 435);
    ck_assert_double_eq_tol(r.z, -7.16176, 1e-5);
    ck_assert(r.p < 1e-11);
}
END_TEST

START_TEST(test_all_equal_and_bad_input)
{
    double x[] = {2, 2, 2, 2, 2}, y[] = {2, 2, 2, 2, 2};
    struct mw_result r;
    ck_assert_int_eq(mw_test(x, 5, y, 5, &r), 0);
    ck_assert_double_eq(r.p, 1);
    ck_assert_int_ne(mw_test(x, 0, y, 5, &r), 0);
    double z[] = {1, NAN};
    ck_assert_int_ne(mw_test(z, 2, y, 5, &r), 0);
    struct mw_shift s;
    ck_assert_int_ne(mw_hodges_lehmann(z, 2, y, 5, 0.05, &s), 0);
    ck_assert_int_ne(mw_hodges_lehmann(x, 5, y, 5, 0, &s), 0);
}
END_TEST

/* x = {1,2,3}, y = {4,5,6}: differences 1,2,2,3,3,3,4,4,5, median 3.
 * P(U <= 0) = 1/20 >= 0.025, so the interval is the whole range [1, 5]
 * with confidence 1 - 2/20 = 0.9. */
START_TEST(hodges_lehmann_3_3)
{
    double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    struct mw_shift s;
    ck_assert_int_eq(mw_hodges_lehmann(x, 3, y, 3, 0.05, &s), 0);
    ck_assert_double_eq(s.est, 3);
    ck_assert_double_eq(s.lo, 1);
    ck_assert_double_eq(s.hi, 5);
    ck_assert_double_eq_tol(s.conf, 0.9, 1e-12);
}
END_TEST

/* 5 and 5 values: the 25 differences y - x sorted are 1.2 1.3 1.5 1.5 1.6
 * ... 2.4 2.5 2.7; the 13th (median) is 1.9; k = 3 (P(U <= 2) = 4/252 <
 * 0.025 <= P(U <= 3)), so the interval is [d(3), d(23)] = [1.5, 2.4] with
 * confidence 1 - 8/252 = 0.968. */
START_TEST(hodges_lehmann_5_5)
{
    double x[] = {10.1, 10.4, 9.8, 10.0, 10.3}, y[] = {12.0, 11.6, 12.5, 11.9, 12.2};
    struct mw_shift s;
    ck_assert_int_eq(mw_hodges_lehmann(x, 5, y, 5, 0.05, &s), 0);
    ck_assert_double_eq_tol(s.est, 1.9, 1e-9);
    ck_assert_double_eq_tol(s.lo, 1.5, 1e-9);
    ck_assert_double_eq_tol(s.hi, 2.4, 1e-9);
    ck_assert_double_eq_tol(s.conf, 1 - 8.0 / 252, 1e-12);
    /* The interval excludes 0 exactly when the exact test rejects. */
    struct mw_result r;
    ck_assert_int_eq(mw_test(x, 5, y, 5, &r), 0);
    ck_assert(r.p < 0.05 && s.lo > 0);
}
END_TEST

/* Ties force the normal critical value: k = floor(mn/2 - 1.96 sigma). */
START_TEST(hodges_lehmann_ties)
{
    double x[] = {1, 1, 2, 2, 3, 3}, y[] = {2, 2, 3, 3, 4, 4};
    struct mw_shift s;
    ck_assert_int_eq(mw_hodges_lehmann(x, 6, y, 6, 0.05, &s), 0);
    ck_assert_double_eq(s.est, 1);
    ck_assert(s.lo <= s.est && s.est <= s.hi);
    ck_assert_double_eq_tol(s.conf, 0.95, 1e-12);
    /* Identical samples: shift 0, interval around 0. */
    ck_assert_int_eq(mw_hodges_lehmann(x, 6, x, 6, 0.05, &s), 0);
    ck_assert_double_eq(s.est, 0);
    ck_assert(s.lo < 0 && s.hi > 0);
}
END_TEST

/* A fixed pseudo-random sequence (xorshift64*), so failures repeat. */
static unsigned long long rng_state = 88172645463325252ULL;
static double rnd(void)
{
    rng_state ^= rng_state >> 12, rng_state ^= rng_state << 25,
        rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* Sample i of a test: continuous log-normal-ish times, or few distinct
 * values (heavy ties), or a mix of both. */
static void fill(double *v, size_t n, int kind, double shift)
{
    for (size_t i = 0; i < n; i++) {
        double t = log(0.5 + rnd()) + shift;
        v[i] = kind == 0 ? t : kind == 1 ? floor(rnd() * 4) + shift
                         : (rnd() < 0.5 ? round(t * 8) / 8 : t);
    }
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* All m*n differences y[j] - x[i], sorted: the O(mn) reference. */
static double *brute_diffs(const double *x, size_t m, const double *y, size_t n)
{
    double *d = malloc(m * n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            d[i * n + j] = y[j] - x[i];
    qsort(d, m * n, sizeof *d, cmp_dbl);
    return d;
}

static const struct { size_t m, n; } sizes[] = {
    {1, 1}, {1, 9}, {9, 1}, {2, 3}, {5, 5}, {7, 13}, {20, 20}, {49, 50},
    {60, 45}, {200, 300}, {1000, 37}, {37, 1000}, {500, 700},
};

/* Samples of sizes[t] of one kind, y shifted; sorted if asked. */
struct sample {
    size_t m, n, K;
    double *x, *y, *d; /* d: all differences, sorted (brute_diffs) */
};
static struct sample make_sample(size_t t, int kind, double shift, int sort)
{
    struct sample a = {sizes[t].m, sizes[t].n, sizes[t].m * sizes[t].n, NULL,
                       NULL, NULL};
    a.x = malloc(a.m * sizeof *a.x), a.y = malloc(a.n * sizeof *a.y);
    ck_assert(a.x && a.y);
    fill(a.x, a.m, kind, 0), fill(a.y, a.n, kind, shift);
    if (sort)
        qsort(a.x, a.m, sizeof *a.x, cmp_dbl), qsort(a.y, a.n, sizeof *a.y, cmp_dbl);
    a.d = brute_diffs(a.x, a.m, a.y, a.n);
    return a;
}

/* Every k for small sizes, 40 spread over 1..mn for larger ones: the
 * selection returns exactly the element the full sort puts at k - 1. */
START_TEST(diff_kth_vs_brute_force)
{
    for (size_t t = 0; t < NELEM(sizes); t++)
        for (int kind = 0; kind < 3; kind++) {
            struct sample a = make_sample(t, kind, 0.3 * (double)kind, 1);
            size_t m = a.m, n = a.n, K = a.K;
            double *x = a.x, *y = a.y, *d = a.d, got;
            size_t step = K <= 2500 ? 1 : K / 40;
            for (size_t k = 1; k <= K; k += step) {
                ck_assert_int_eq(mw_diff_kth(x, m, y, n, k, &got), 0);
                ck_assert_msg(got == d[k - 1], "m=%zu n=%zu kind=%d k=%zu: "
                              "%.17g, sort says %.17g", m, n, kind, k, got,
                              d[k - 1]);
            }
            ck_assert_int_eq(mw_diff_kth(x, m, y, n, K, &got), 0);
            ck_assert(got == d[K - 1]);
            ck_assert_int_ne(mw_diff_kth(x, m, y, n, 0, &got), 0);
            ck_assert_int_ne(mw_diff_kth(x, m, y, n, K + 1, &got), 0);
            free(x), free(y), free(d);
        }
}
END_TEST

/* mw_hodges_lehmann on unsorted samples against the full sort: the median
 * of the differences, and an interval [d(k), d(K+1-k)] for one k; and U
 * from ranks against the count over all pairs. */
START_TEST(hodges_lehmann_and_u_vs_brute_force)
{
    for (size_t t = 0; t < NELEM(sizes); t++)
        for (int kind = 0; kind < 3; kind++) {
            struct sample a = make_sample(t, kind, 0.05 * (double)kind, 0);
            size_t m = a.m, n = a.n, K = a.K;
            double *x = a.x, *y = a.y, *d = a.d;
            struct mw_shift s;
            ck_assert_int_eq(mw_hodges_lehmann(x, m, y, n, 0.05, &s), 0);
            double med = K % 2 ? d[K / 2] : (d[K / 2 - 1] + d[K / 2]) / 2;
            ck_assert_msg(s.est == med, "m=%zu n=%zu kind=%d: %.17g vs %.17g",
                          m, n, kind, s.est, med);
            int found = 0;
            for (size_t k = 1; k <= (K + 1) / 2 && !found; k++)
                found = d[k - 1] == s.lo && d[K - k] == s.hi;
            ck_assert_msg(found, "m=%zu n=%zu kind=%d: [%g, %g] is not "
                          "[d(k), d(K+1-k)]", m, n, kind, s.lo, s.hi);
            double u = 0;
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < n; j++)
                    u += x[i] > y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
            struct mw_result r;
            ck_assert_int_eq(mw_test(x, m, y, n, &r), 0);
            ck_assert_msg(r.u == u, "U %g, pairs say %g", r.u, u);
            free(x), free(y), free(d);
        }
}
END_TEST

/* The case: 3200 repetitions a side, twice as slow, is estimated
 * (no refusal above 10^7 pairs) as a shift of log 2 with a tight interval. */
START_TEST(hodges_lehmann_large)
{
    size_t n = 3200;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = log(1e-3 * (1 + 0.01 * rnd())),
        y[i] = log(2e-3 * (1 + 0.01 * rnd()));
    struct mw_shift s;
    ck_assert_int_eq(mw_hodges_lehmann(x, n, y, n, 0.05, &s), 0);
    ck_assert_double_eq_tol(exp(s.est), 2, 0.02);
    ck_assert(exp(s.lo) > 1.95 && exp(s.hi) < 2.05 && s.lo <= s.est &&
              s.est <= s.hi);
    double inf[] = {1, INFINITY};
    ck_assert_int_ne(mw_hodges_lehmann(inf, 2, x, 5, 0.05, &s), 0);
    free(x), free(y);
}
END_TEST

START_TEST(normal_distribution)
{
    ck_assert_double_eq_tol(mw_norm_cdf(0), 0.5, 1e-15);
    ck_assert_double_eq_tol(mw_norm_cdf(1.96), 0.9750021048517795, 1e-12);
    ck_assert_double_eq_tol(mw_norm_cdf(-3), 0.0013498980316301, 1e-12);
    ck_assert_double_eq_tol(mw_norm_quantile(0.975), 1.959963984540054, 1e-9);
    ck_assert_double_eq_tol(mw_norm_quantile(0.5), 0, 1e-12);
    ck_assert_double_eq_tol(mw_norm_quantile(0.001), -3.090232306167813, 1e-9);
    for (double p = 0.0005; p < 1; p += 0.0731)
        ck_assert_double_eq_tol(mw_norm_cdf(mw_norm_quantile(p)), p, 1e-12);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("mannwhitney");
    tcase_add_test(tc, exact_counts_3_4);
    tcase_add_test(tc, exact_cdf_5_5);
    tcase_add_test(tc, textbook_critical_values);
    tcase_add_test(tc, test_separated_and_symmetric);
    tcase_add_test(tc, test_ties_normal);
    tcase_add_test(tc, test_large_normal);
    tcase_add_test(tc, test_all_equal_and_bad_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("hodges_lehmann");
    tcase_add_test(tc, hodges_lehmann_3_3);
    tcase_add_test(tc, hodges_lehmann_5_5);
    tcase_add_test(tc, hodges_lehmann_ties);
    tcase_add_test(tc, normal_distribution);
    tcase_add_test(tc, diff_kth_vs_brute_force);
    tcase_add_test(tc, hodges_lehmann_and_u_vs_brute_force);
    tcase_add_test(tc, hodges_lehmann_large);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
