/* tests/unit/test_mpi_wire.c: the formats between the mpi runner's driver
 * and its ranks (runners/mpi_wire.c): a job survives the trip through
 * mpi-rank options bit for bit, bad options are refused, and hex round-trips
 * and rejects what is not exactly hex. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runners/mpi.h"

static struct mpi_job sample(void)
{
    struct mpi_job j = {.workload = "image", .schedule = SCHED_STATIC,
                        .transfer = TRANSFER_COPY, .reps = 37};
    j.p = (struct wl_params){
        .seed = 0xfedcba9876543210ull, .tasks = 123456,
        .size_bytes = 1ull << 40,
        .complexity = 7, .blur = BLUR_DIRECT, .brightness = -17,
        .limit = 1000003, .duration_s = 0.1, .spin_iters = 99,
        .urls_file = "/tmp/u rls.txt", .base_url = NULL,
        .timeout_s = 1.0 / 3, .tasks_given = 1,
    };
    return j;
}

START_TEST(job_round_trip)
{
    struct mpi_job in = sample(), out;
    char *argv[96], buf[2048], err[160];
    int argc = 0;
    ck_assert_int_eq(mpi_job_to_args(&in, argv, &argc, 96, buf, sizeof buf),
                     0);
    ck_assert_int_eq(mpi_job_from_args(&out, argc, argv, err, sizeof err), 0);
    ck_assert_str_eq(out.workload, "image");
    ck_assert_int_eq(out.schedule, SCHED_STATIC);
    ck_assert_int_eq(out.transfer, TRANSFER_COPY);
    ck_assert_uint_eq(out.reps, 37);
    ck_assert(out.p.seed == in.p.seed);
    ck_assert(out.p.tasks == in.p.tasks);
    ck_assert(out.p.size_bytes == in.p.size_bytes);
    ck_assert_uint_eq(out.p.complexity, 7);
    ck_assert_int_eq(out.p.blur, BLUR_DIRECT);
    ck_assert_int_eq(out.p.brightness, -17);
    ck_assert(out.p.limit == in.p.limit);
    /* Doubles travel as hex floats: exactly, not to some digits. */
    ck_assert(!memcmp(&out.p.duration_s, &in.p.duration_s, sizeof(double)));
    ck_assert(!memcmp(&out.p.timeout_s, &in.p.timeout_s, sizeof(double)));
    ck_assert(out.p.spin_iters == 99);
    ck_assert_str_eq(out.p.urls_file, "/tmp/u rls.txt");
    ck_assert_ptr_null(out.p.base_url);
    ck_assert_int_eq(out.p.tasks_given, 1);
}
END_TEST

START_TEST(job_defaults_and_errors)
{
    struct mpi_job j;
    char err[160];
    char *ok[] = {"--workload", "prime"};
    ck_assert_int_eq(mpi_job_from_args(&j, 2, ok, err, sizeof err), 0);
    ck_assert_int_eq(j.transfer, TRANSFER_LOCAL);
    ck_assert_int_eq(j.schedule, SCHED_DYNAMIC);
    ck_assert_uint_eq(j.reps, 1);
    char *zero[] = {"--workload", "prime", "--reps", "0"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, zero, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--reps"));
    char *none[] = {"--seed", "1"};
    ck_assert_int_ne(mpi_job_from_args(&j, 2, none, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--workload"));
    char *bogus[] = {"--workload", "prime", "--bogus", "1"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, bogus, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "--bogus"));
    char *badnum[] = {"--workload", "prime", "--limit", "12x"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, badnum, err, sizeof err), 0);
    char *badtr[] = {"--workload", "prime", "--transfer", "shared"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, badtr, err, sizeof err), 0);
    char *dangling[] = {"--workload"};
    ck_assert_int_ne(mpi_job_from_args(&j, 1, dangling, err, sizeof err), 0);
}
END_TEST

START_TEST(job_args_too_small)
{
    struct mpi_job in = sample();
    char *argv[96], buf[2048];
    int argc = 0;
    ck_assert_int_ne(mpi_job_to_args(&in, argv, &argc, 8, buf, sizeof buf), 0);
    argc = 0;
    ck_assert_int_ne(mpi_job_to_args(&in, argv, &argc, 96, buf, 16), 0);
}
END_TEST

START_TEST(hex_round_trip)
{
    struct task_record rec, back;
    memset(&rec, 0, sizeof rec);
    rec.start_s = 1.5, rec.end_s = 2.25, rec.worker = 3;
    strcpy(rec.host, "node-1");
    rec.res.digest = 0x0123456789abcdefull;
    rec.res.value = -42;
    char hex[2 * sizeof rec + 1];
    mpi_hex_encode(&rec, sizeof rec, hex);
    ck_assert_uint_eq(strlen(hex), 2 * sizeof rec);
    ck_assert_int_eq(mpi_hex_decode(hex, &back, sizeof back), 0);
    ck_assert(memcmp(&rec, &back, sizeof rec) == 0);
    unsigned char b[2];
    ck_assert_int_eq(mpi_hex_decode("00ff", b, 2), 0);
    ck_assert_int_eq(b[1], 0xff);
    ck_assert_int_ne(mpi_hex_decode("00fg", b, 2), 0);  /* not hex */
    ck_assert_int_ne(mpi_hex_decode("00f", b, 2), 0);   /* too short */
    ck_assert_int_ne(mpi_hex_decode("00ff0", b, 2), 0); /* too long */
    ck_assert_int_ne(mpi_hex_decode("00FF", b, 2), 0);  /* we write lower */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mpi_wire");
    TCase *tc = tcase_create("wire");
    tcase_add_test(tc, job_round_trip);
    tcase_add_test(tc, job_defaults_and_errors);
    tcase_add_test(tc, job_args_too_small);
    tcase_add_test(tc, hex_round_trip);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
