/* tests/unit/test_metg.c: the METG arithmetic (bench/engine/metg.c) on made-up
 * timings: efficiency, the crossing rule and its interpolation against
 * values computed by hand, noisy curves, the stop rule and point sizing. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "bench/engine/metg.h"

#define NELEM(a) (sizeof a / sizeof *a)

/* Points at task_s = top, top/2, top/4, ... with the given efficiencies. */
static size_t curve(struct metg_point *p, double top, const double *eff,
                    size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (struct metg_point){.task_s = top / (double)(1u << i),
                                   .efficiency = eff[i]};
    return n;
}

START_TEST(efficiency)
{
    /* 0.2 s of work on 2 workers in 0.125 s: 0.2 / 0.25 = 0.8. */
    ck_assert_double_eq_tol(metg_efficiency(0.2, 2, 0.125), 0.8, 1e-15);
    ck_assert_double_eq_tol(metg_efficiency(0.1, 1, 0.1), 1.0, 1e-15);
    /* Faster than the baseline (noise) is reported as it is, above 1. */
    ck_assert_double_eq_tol(metg_efficiency(0.11, 1, 0.1), 1.1, 1e-12);
    ck_assert(isnan(metg_efficiency(0.2, 2, 0)));
    ck_assert(isnan(metg_efficiency(0.2, 2, -1)));
    ck_assert(isnan(metg_efficiency(0.2, 0, 0.1)));
    ck_assert(isnan(metg_efficiency(NAN, 2, 0.1)));
}
END_TEST

/* 0.7 at 4 us, 0.3 at 2 us: 50% is halfway, so in log(duration) the
 * geometric mean sqrt(4 x 2) us = 2.8284271247 us. */
START_TEST(interpolation_midpoint)
{
    struct metg_point p[4] = {{0}};
    size_t n = curve(p, 8e-6, (const double[]){0.9, 0.7, 0.3, 0.1}, 4);
    double m = 0;
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 2.82842712474619e-06, 1e-15);
}
END_TEST

/* 0.6 at 1 ms, 0.2 at 0.5 ms: a quarter of the way in log, 1 ms x 2^-0.25
 * = 0.8408964153 ms; and a 60% threshold lands on the 1 ms point. */
START_TEST(interpolation_quarter)
{
    struct metg_point p[2] = {{0}};
    size_t n = curve(p, 1e-3, (const double[]){0.6, 0.2}, 2);
    double m = 0;
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 8.408964152537145e-4, 1e-15);
    ck_assert_int_eq(metg_find(p, n, 0.6, &m), 0);
    ck_assert_double_eq_tol(m, 1e-3, 1e-15);
    /* Exactly 50% counts as still efficient. */
    n = curve(p, 1e-3, (const double[]){0.5, 0.3}, 2);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 1e-3, 1e-15);
}
END_TEST

START_TEST(never_below)
{
    struct metg_point p[4] = {{0}};
    double m = -1;
    size_t n = curve(p, 1e-3, (const double[]){0.99, 0.9, 0.8, 0.55}, 4);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 1);
    ck_assert_double_eq(m, -1); /* untouched */
    /* A final isolated dip, then back above: noise, still never below. */
    n = curve(p, 1e-3, (const double[]){0.9, 0.4, 0.6}, 3);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 1);
}
END_TEST

START_TEST(above_the_sweep)
{
    struct metg_point p[3] = {{0}};
    double m = -1;
    size_t n = curve(p, 1e-3, (const double[]){0.4, 0.3, 0.1}, 3);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 2);
    ck_assert_double_eq(m, -1);
}
END_TEST

/* Noise: an isolated dip is skipped, and a rise after a confirmed drop
 * does not pull METG down (Task Bench's "smallest duration at >= 50%"
 * would say 1 us for the second curve). */
START_TEST(non_monotone)
{
    struct metg_point p[5] = {{0}};
    double m = 0;
    /* 16 8 4 2 1 us: dip at 8 us ignored; crossing between 4 (0.8) and
     * 2 (0.3): frac 0.6, 4 us x 2^-0.6 = 2.6390158215 us. */
    size_t n = curve(p, 16e-6, (const double[]){0.9, 0.45, 0.8, 0.3, 0.2}, 5);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 2.6390158215457884e-06, 1e-15);
    /* 8 4 2 1 us: 0.9 0.3 0.2 0.55: confirmed at 4 us; frac 2/3,
     * 8 us x 2^(-2/3) = 5.0396841996 us. */
    n = curve(p, 8e-6, (const double[]){0.9, 0.3, 0.2, 0.55}, 4);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 5.039684199579493e-06, 1e-15);
    /* First point an isolated dip: not "above the sweep". 8 4 2 1 us:
     * 0.4 0.8 0.3 0.2 -> between 4 (0.8) and 2 (0.3). */
    n = curve(p, 8e-6, (const double[]){0.4, 0.8, 0.3, 0.2}, 4);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 2.6390158215457884e-06, 1e-15);
}
END_TEST

START_TEST(single_and_last_points)
{
    struct metg_point p[3] = {{0}};
    double m = 0;
    ck_assert_int_eq(metg_find(p, curve(p, 1e-3, (const double[]){0.6}, 1),
                               0.5, &m), 1);
    ck_assert_int_eq(metg_find(p, curve(p, 1e-3, (const double[]){0.4}, 1),
                               0.5, &m), 2);
    /* The last point, below, needs no confirmation: 4 us x 2^-0.25. */
    size_t n = curve(p, 8e-6, (const double[]){0.9, 0.6, 0.2}, 3);
    ck_assert_int_eq(metg_find(p, n, 0.5, &m), 0);
    ck_assert_double_eq_tol(m, 3.363585661014858e-06, 1e-15);
}
END_TEST

START_TEST(bad_input)
{
    struct metg_point p[2] = {{0}};
    double m = 0;
    ck_assert_int_eq(metg_find(p, 0, 0.5, &m), -EINVAL);
    curve(p, 1e-3, (const double[]){0.9, NAN}, 2);
    ck_assert_int_eq(metg_find(p, 2, 0.5, &m), -EINVAL);
    curve(p, 1e-3, (const double[]){0.9, 0.1}, 2);
    p[1].task_s = 0;
    ck_assert_int_eq(metg_find(p, 2, 0.5, &m), -EINVAL);
}
END_TEST

static const struct metg_sweep sweep = {
    .start_s = 4e-3, .floor_s = 125e-6, .stop_eff = 0.1, .work_s = 0.1,
    .max_wall_s = 1, .min_tasks_per_worker = 4, .max_tasks = 200000,
};

START_TEST(next_point)
{
    ck_assert_double_eq(metg_next(&sweep, 4e-3, 0.9), 2e-3);
    /* 4 ms / 2^5 is exactly the floor: reached, then no further. */
    double t = 4e-3;
    int points = 1;
    while ((t = metg_next(&sweep, t, 0.9)) > 0)
        points++;
    ck_assert_int_eq(points, 6);
    ck_assert_double_eq(metg_next(&sweep, 125e-6, 0.9), 0);
    /* Efficiency collapsed, or nothing measured: stop. */
    ck_assert_double_eq(metg_next(&sweep, 1e-3, 0.09), 0);
    ck_assert_double_eq(metg_next(&sweep, 1e-3, NAN), 0);
    ck_assert_double_eq(metg_next(&sweep, 1e-3, 0.1), 5e-4);
}
END_TEST

START_TEST(tasks_per_point)
{
    /* 0.1 s per worker x 2 workers of 1 ms tasks: 200. */
    ck_assert_uint_eq(metg_tasks(&sweep, 1e-3, 2, 0, 0, 0), 200);
    /* 100 ns: 2,000,000 wanted, capped for memory. */
    ck_assert_uint_eq(metg_tasks(&sweep, 1e-7, 2, 0, 0, 0), 200000);
    /* 1 s tasks: 1 would do, but at least 4 per worker. */
    ck_assert_uint_eq(metg_tasks(&sweep, 1, 2, 0, 0, 0), 8);
    ck_assert_uint_eq(metg_tasks(&sweep, 1, 0, 0, 0, 0), 4);
    /* Previous point: 1000 tasks of 2 us in 10 ms, 10 us each where 1 us
     * (2 us / 2 workers) was work: 9 us overhead.  1 us tasks are
     * predicted at 0.5 + 9 us, so 1 s holds floor(1 / 9.5e-6) = 105263
     * instead of the 200000 wanted. */
    ck_assert_uint_eq(metg_tasks(&sweep, 1e-6, 2, 2e-6, 1000, 0.01), 105263);
    /* No overhead measured (negative: noise) leaves the useful count. */
    ck_assert_uint_eq(metg_tasks(&sweep, 1e-3, 2, 2e-3, 100, 0.05), 200);
    /* A huge overhead still leaves a few tasks per worker. */
    ck_assert_uint_eq(metg_tasks(&sweep, 1e-6, 2, 2e-6, 10, 100), 8);
}
END_TEST

START_TEST(spin_iters)
{
    ck_assert_uint_eq(metg_spin_iters(1e-3, 2e-9), 500000);
    ck_assert_uint_eq(metg_spin_iters(1.4e-9, 1e-9), 1);
    ck_assert_uint_eq(metg_spin_iters(1.6e-9, 1e-9), 2);
    ck_assert_uint_eq(metg_spin_iters(1e-12, 1e-9), 1);
    ck_assert_uint_eq(metg_spin_iters(1e-3, 0), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metg");
    TCase *tc = tcase_create("find");
    tcase_add_test(tc, efficiency);
    tcase_add_test(tc, interpolation_midpoint);
    tcase_add_test(tc, interpolation_quarter);
    tcase_add_test(tc, never_below);
    tcase_add_test(tc, above_the_sweep);
    tcase_add_test(tc, non_monotone);
    tcase_add_test(tc, single_and_last_points);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    tc = tcase_create("sweep");
    tcase_add_test(tc, next_point);
    tcase_add_test(tc, tasks_per_point);
    tcase_add_test(tc, spin_iters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
