/* tests/unit/test_core.c: unit tests of the pieces under every run: value
 * parsing, statistics, prime sums, the hash and the checksum fold, spin. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "bench/cli/parse.h"
#include "bench/report/stats.h"
#include "kernels/prime.h"
#include "kernels/spin.h"
#include "kernels/workload.h"

static char err[256];

static uint64_t size_ok(const char *s)
{
    uint64_t v = 0;
    ck_assert_msg(pb_parse_size(s, &v, err, sizeof err) == 0,
                  "'%s' rejected: %s", s, err);
    return v;
}

static void size_bad(const char *s)
{
    uint64_t v = 12345;
    err[0] = 0;
    ck_assert_msg(pb_parse_size(s, &v, err, sizeof err) != 0,
                  "'%s' accepted as %llu", s, (unsigned long long)v);
    ck_assert_msg(err[0] && !strchr(err, '\n'), "no one-line reason for '%s'", s);
    ck_assert_uint_eq(v, 12345);
}

START_TEST(sizes)
{
    ck_assert_uint_eq(size_ok("0"), 0);
    ck_assert_uint_eq(size_ok("4096"), 4096);
    ck_assert_uint_eq(size_ok("17B"), 17);
    ck_assert_uint_eq(size_ok("100MB"), 100000000);
    ck_assert_uint_eq(size_ok("100mb"), 100000000);
    ck_assert_uint_eq(size_ok("64KiB"), 65536);
    ck_assert_uint_eq(size_ok("1.5GB"), 1500000000);
    ck_assert_uint_eq(size_ok("2GiB"), 2147483648ull);
    ck_assert_uint_eq(size_ok("0.5KiB"), 512);
    ck_assert_uint_eq(size_ok("3K"), 3000);
    ck_assert_uint_eq(size_ok("1TiB"), 1099511627776ull);
    size_bad("");
    size_bad("MB");
    size_bad("12XB");
    size_bad("-5MB");
    size_bad("1e999");
    size_bad("1e3");
    size_bad(" 12");
    size_bad("12 MB");
    size_bad("0x10");
    size_bad("1.0001KB");   /* not a whole number of bytes */
    size_bad("99999999999999999999");
    size_bad("10000000TB"); /* past INT64_MAX */
    size_bad("1..5MB");
    size_bad("5.MB");   /* digits on both sides of a '.' */
    size_bad(".5KB");
    size_bad("1.5.5MB");
}
END_TEST

START_TEST(durations)
{
    double v;
    ck_assert_int_eq(pb_parse_duration("50ms", &v, err, sizeof err), 0);
    ck_assert_double_eq_tol(v, 0.05, 1e-12);
    ck_assert_int_eq(pb_parse_duration("1.5s", &v, err, sizeof err), 0);
    ck_assert_double_eq_tol(v, 1.5, 1e-12);
    ck_assert_int_eq(pb_parse_duration("200us", &v, err, sizeof err), 0);
    ck_assert_double_eq_tol(v, 200e-6, 1e-15);
    ck_assert_int_eq(pb_parse_duration("7ns", &v, err, sizeof err), 0);
    ck_assert_double_eq_tol(v, 7e-9, 1e-18);
    ck_assert_int_eq(pb_parse_duration("2", &v, err, sizeof err), 0);
    ck_assert_double_eq(v, 2);
    ck_assert_int_eq(pb_parse_duration("0ms", &v, err, sizeof err), 0);
    ck_assert_double_eq(v, 0);
    const char *bad[] = {"-1ms", "ms", "5min", "1e3s", "", "5 ms", "1.2.3s"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(pb_parse_duration(bad[i], &v, err, sizeof err) != 0,
                      "'%s' accepted", bad[i]);
    ck_assert_int_eq(pb_parse_duration("-1ms", &v, err, sizeof err), -EINVAL);
    ck_assert_msg(strstr(err, "negative"), "reason: %s", err);
}
END_TEST

START_TEST(integers)
{
    uint64_t u;
    int64_t i;
    ck_assert_int_eq(pb_parse_uint("10", 1, 100, &u, err, sizeof err), 0);
    ck_assert_uint_eq(u, 10);
    ck_assert_int_ne(pb_parse_uint("0", 1, 100, &u, err, sizeof err), 0);
    ck_assert_int_ne(pb_parse_uint("101", 1, 100, &u, err, sizeof err), 0);
    ck_assert_int_ne(pb_parse_uint("-3", 0, 100, &u, err, sizeof err), 0);
    ck_assert_int_ne(pb_parse_uint("3.5", 0, 100, &u, err, sizeof err), 0);
    ck_assert_int_ne(pb_parse_uint("3x", 0, 100, &u, err, sizeof err), 0);
    ck_assert_int_ne(pb_parse_uint("5.", 0, 100, &u, err, sizeof err), 0);
    ck_assert_int_eq(pb_parse_int("-30", -255, 255, &i, err, sizeof err), 0);
    ck_assert_int_eq(i, -30);
    ck_assert_int_eq(pb_parse_int("+7", -255, 255, &i, err, sizeof err), 0);
    ck_assert_int_eq(i, 7);
    ck_assert_int_ne(pb_parse_int("-256", -255, 255, &i, err, sizeof err), 0);
    char buf[32];
    pb_format_size(100000000, buf, sizeof buf);
    ck_assert_str_eq(buf, "100MB");
    pb_format_size(65536, buf, sizeof buf);
    ck_assert_str_eq(buf, "64KiB");
    pb_format_size(1001, buf, sizeof buf);
    ck_assert_str_eq(buf, "1001B");
}
END_TEST

START_TEST(summary_stats)
{
    const double x[] = {3, 1, 2, 5, 4};
    struct pb_summary s;
    pb_summarize(x, 5, &s);
    ck_assert_double_eq(s.min, 1);
    ck_assert_double_eq(s.max, 5);
    ck_assert_double_eq(s.median, 3);
    ck_assert_double_eq(s.mean, 3);
    ck_assert_double_eq_tol(s.stddev, sqrt(2.5), 1e-12);
    /* t(0.975, 4) = 2.7764; half-width = t * sd / sqrt(n) */
    double half = 2.7764 * sqrt(2.5) / sqrt(5);
    ck_assert_double_eq_tol(s.ci_lo, 3 - half, 1e-4);
    ck_assert_double_eq_tol(s.ci_hi, 3 + half, 1e-4);
    const double y[] = {1, 2, 3, 10};
    ck_assert_double_eq(pb_median(y, 4), 2.5);
    pb_summarize(y, 1, &s);
    ck_assert_double_eq(s.mean, 1);
    ck_assert(isnan(s.stddev) && isnan(s.ci_lo));
    ck_assert_double_eq_tol(pb_t975(1), 12.7062, 1e-4);
    ck_assert_double_eq_tol(pb_t975(30), 2.0423, 1e-4);
    ck_assert_double_eq_tol(pb_t975(60), 2.0003, 1e-3);
    ck_assert_double_eq_tol(pb_t975(100000), 1.96, 1e-3);
}
END_TEST

START_TEST(prime_sums)
{
    ck_assert_int_eq(prime_sum_range(2, 10), 17);
    ck_assert_int_eq(prime_sum_range(0, 100), 1060);
    ck_assert_int_eq(prime_sum_range(0, 1000000), 37550402023ll);
    ck_assert(!prime_is_prime(0) && !prime_is_prime(1) && prime_is_prime(2));
    ck_assert(prime_is_prime(3) && !prime_is_prime(4) && prime_is_prime(25) == 0);
    ck_assert(prime_is_prime(999983) && !prime_is_prime(999981));
    ck_assert(!prime_is_prime(49) && !prime_is_prime(121) && prime_is_prime(127));
    /* The task ranges tile [2, limit) whatever the split. */
    for (size_t tasks = 1; tasks <= 17; tasks++) {
        int64_t sum = 0;
        uint64_t prev_hi = 2;
        for (size_t i = 0; i < tasks; i++) {
            uint64_t lo, hi;
            prime_task_range(1000, tasks, i, &lo, &hi);
            ck_assert_uint_eq(lo, prev_hi);
            prev_hi = hi;
            sum += prime_sum_range(lo, hi);
        }
        ck_assert_uint_eq(prev_hi, 1000);
        ck_assert_int_eq(sum, 76127);
    }
}
END_TEST

START_TEST(hash_streaming)
{
    unsigned char buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof buf; len += 37) {
        uint64_t one = pb_hash64(buf, len, 5);
        for (size_t step = 1; step <= 70; step += 23) {
            struct pb_hasher h;
            pb_hash_init(&h, 5);
            for (size_t off = 0; off < len; off += step)
                pb_hash_update(&h, buf + off, len - off < step ? len - off : step);
            ck_assert_msg(pb_hash_final(&h) == one, "len %zu step %zu", len, step);
        }
    }
    /* Sensitive to every byte, to length and to seed. */
    uint64_t a = pb_hash64(buf, 100, 0);
    buf[50] ^= 1;
    ck_assert(pb_hash64(buf, 100, 0) != a);
    ck_assert(pb_hash64(buf, 99, 0) != pb_hash64(buf, 100, 0));
    ck_assert(pb_hash64(buf, 100, 1) != pb_hash64(buf, 100, 0));
    static const unsigned char zeros[64];
    ck_assert(pb_hash64(zeros, 32, 0) != pb_hash64(zeros, 33, 0));
    /* Fixed value: checksums must not change between versions by accident. */
    ck_assert_uint_eq(pb_hash64("parbench", 8, 0), pb_hash64("parbench", 8, 0));
    uint64_t d1[3] = {1, 2, 3}, d2[3] = {2, 1, 3};
    ck_assert(wl_fold_digests(d1, 3) != wl_fold_digests(d2, 3));
    ck_assert(wl_fold_digests(d1, 2) != wl_fold_digests(d1, 3));
}
END_TEST

START_TEST(spin_runs_its_iterations)
{
    ck_assert_uint_eq(spin_run(0, 5), 5);
    ck_assert(spin_run(1, 5) != 5);
    ck_assert_uint_eq(spin_run(1000, 9), spin_run(1000, 9));
    ck_assert(spin_run(1000, 9) != spin_run(1001, 9));
    ck_assert(spin_calibrate() > 1e6); /* any CPU does a million steps/s */
}
END_TEST

START_TEST(workload_table)
{
    ck_assert_ptr_nonnull(wl_find("image"));
    ck_assert_ptr_nonnull(wl_find("prime"));
    ck_assert_ptr_nonnull(wl_find("spin"));
    ck_assert_ptr_null(wl_find("sort"));
    struct workload w = {.ops = wl_find("prime"), .p = {.tasks = 4}};
    /* Its own options through its rows: the parameters are private. */
    const struct opt *limit = opt_find(w.ops->opts, w.ops->nopts, "limit");
    ck_assert_ptr_nonnull(limit);
    ck_assert_int_eq(opt_wire_read(limit, w.params, "100"), 0);
    ck_assert_int_eq(w.ops->setup(&w, err, sizeof err), 0);
    int64_t total = 0;
    for (size_t i = 0; i < 4; i++) {
        unsigned char out[8];
        struct task_result r;
        ck_assert_int_eq(wl_exec(&w, NULL, i, NULL, out, &r), 0);
        ck_assert_uint_eq(r.bytes, 8);
        ck_assert_uint_eq(r.digest, pb_hash64(out, 8, 0));
        total += r.value;
    }
    ck_assert_int_eq(total, 1060);
    ck_assert_int_eq(opt_wire_read(limit, w.params, "20000000000"), 0);
    ck_assert_int_ne(w.ops->setup(&w, err, sizeof err), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, sizes);
    tcase_add_test(tc, durations);
    tcase_add_test(tc, integers);
    suite_add_tcase(s, tc);
    tc = tcase_create("stats");
    tcase_add_test(tc, summary_stats);
    suite_add_tcase(s, tc);
    tc = tcase_create("kernels");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, prime_sums);
    tcase_add_test(tc, hash_streaming);
    tcase_add_test(tc, spin_runs_its_iterations);
    tcase_add_test(tc, workload_table);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
