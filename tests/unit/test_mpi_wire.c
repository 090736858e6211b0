/* tests/unit/test_mpi_wire.c: the formats between the mpi runner's driver
 * and its ranks (runners/mpi_wire.c): every workload's job survives the
 * trip through mpi-rank options bit for bit, its own options through its
 * own rows, bad options are refused, and hex round-trips and rejects what
 * is not exactly hex. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/mpi.h"

/* One of the workload's own options, by name, in its row's wire form. */
static void set(struct workload *w, const char *name, const char *v)
{
    const struct opt *o = opt_find(w->ops->opts, w->ops->nopts, name);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(opt_wire_read(o, w->params, v), 0);
}

/* Row name's value in the wire form ("<absent>" for a NULL string). */
static const char *get(const struct workload *w, const char *name,
                       char *buf, size_t n)
{
    const struct opt *o = opt_find(w->ops->opts, w->ops->nopts, name);
    ck_assert_ptr_nonnull(o);
    int rc = opt_wire_format(o, w->params, buf, n);
    ck_assert_int_ge(rc, 0);
    return rc == 1 ? "<absent>" : buf;
}

static struct mpi_job sample(const char *workload)
{
    struct mpi_job j = {.schedule = SCHED_STATIC, .transfer = TRANSFER_COPY,
                        .reps = 37};
    j.w.ops = wl_find(workload);
    ck_assert_ptr_nonnull(j.w.ops);
    j.w.p = (struct wl_params){.seed = 0xfedcba9876543210ull,
                               .tasks = 123456, .tasks_given = 1};
    char hex[64];
    if (!strcmp(workload, "image")) {
        set(&j.w, "size", "1099511627776");
        set(&j.w, "complexity", "7");
        set(&j.w, "blur", "1"); /* direct */
        set(&j.w, "brightness", "-17");
    } else if (!strcmp(workload, "prime")) {
        set(&j.w, "limit", "1000003");
    } else if (!strcmp(workload, "spin")) {
        snprintf(hex, sizeof hex, "%a", 0.1);
        set(&j.w, "duration", hex);
        set(&j.w, "spin-iters", "99");
    } else if (!strcmp(workload, "url")) {
        set(&j.w, "urls", "/tmp/u rls.txt");
        snprintf(hex, sizeof hex, "%a", 1.0 / 3);
        set(&j.w, "timeout", hex);
    }
    return j;
}

/* Every workload's job survives the trip, each of its own options exactly
 * (doubles as hex floats: bit for bit), with no field known here. */
START_TEST(job_round_trip)
{
    for (size_t k = 0; wl_table[k]; k++) {
        struct mpi_job in = sample(wl_table[k]->name), out;
        char *argv[96], buf[2048], err[160];
        int argc = 0;
        ck_assert_int_eq(mpi_job_to_args(&in, argv, &argc, 96, buf,
                                         sizeof buf), 0);
        ck_assert_int_eq(mpi_job_from_args(&out, argc, argv, err,
                                           sizeof err), 0);
        ck_assert_ptr_eq(out.w.ops, in.w.ops);
        ck_assert_int_eq(out.schedule, SCHED_STATIC);
        ck_assert_int_eq(out.transfer, TRANSFER_COPY);
        ck_assert_uint_eq(out.reps, 37);
        ck_assert(out.w.p.seed == in.w.p.seed);
        ck_assert(out.w.p.tasks == in.w.p.tasks);
        ck_assert_int_eq(out.w.p.tasks_given, 1);
        for (size_t i = 0; i < in.w.ops->nopts; i++) {
            const char *name = in.w.ops->opts[i].name;
            char a[256], b[256];
            ck_assert_str_eq(get(&out.w, name, b, sizeof b),
                             get(&in.w, name, a, sizeof a));
        }
    }
    struct mpi_job in = sample("image"), out;
    char *argv[96], buf[2048], err[160], v[64];
    int argc = 0;
    ck_assert_int_eq(mpi_job_to_args(&in, argv, &argc, 96, buf, sizeof buf),
                     0);
    ck_assert_int_eq(mpi_job_from_args(&out, argc, argv, err, sizeof err), 0);
    ck_assert_str_eq(get(&out.w, "complexity", v, sizeof v), "7");
    ck_assert_str_eq(get(&out.w, "blur", v, sizeof v), "1");
    ck_assert_str_eq(get(&out.w, "brightness", v, sizeof v), "-17");
    in = sample("url"), argc = 0;
    ck_assert_int_eq(mpi_job_to_args(&in, argv, &argc, 96, buf, sizeof buf),
                     0);
    ck_assert_int_eq(mpi_job_from_args(&out, argc, argv, err, sizeof err), 0);
    ck_assert_str_eq(get(&out.w, "urls", v, sizeof v), "/tmp/u rls.txt");
    ck_assert_str_eq(get(&out.w, "base-url", v, sizeof v), "<absent>");
    in = sample("spin"), argc = 0;
    ck_assert_int_eq(mpi_job_to_args(&in, argv, &argc, 96, buf, sizeof buf),
                     0);
    ck_assert_int_eq(mpi_job_from_args(&out, argc, argv, err, sizeof err), 0);
    ck_assert_str_eq(get(&out.w, "spin-iters", v, sizeof v), "99");
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
    char *badnum[] = {"--workload", "prime", "--opt", "limit=12x"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, badnum, err, sizeof err), 0);
    char *badopt[] = {"--workload", "prime", "--opt", "size=12"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, badopt, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "size=12"));
    char *unknown[] = {"--workload", "sort"};
    ck_assert_int_ne(mpi_job_from_args(&j, 2, unknown, err, sizeof err), 0);
    char *badtr[] = {"--workload", "prime", "--transfer", "shared"};
    ck_assert_int_ne(mpi_job_from_args(&j, 4, badtr, err, sizeof err), 0);
    char *dangling[] = {"--workload"};
    ck_assert_int_ne(mpi_job_from_args(&j, 1, dangling, err, sizeof err), 0);
}
END_TEST

START_TEST(job_args_too_small)
{
    struct mpi_job in = sample("image");
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
