/* tests/unit/test_pyramid.c: the pyramid workload's arithmetic against
 * hand-computed cases (rounding, odd sides, an image carried up alone),
 * its level plan (image counts, odd cases), its files (TIFF and raw round
 * trips, refusals) and its task graphs per strategy (the tasks every
 * strategy makes, their inputs, the barriers). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/engine/plugin.h"
#include "kernels/pyramid.h"
#include "runners/graph.h"

static char err[256];

START_TEST(step_rounding)
{
    /* 2x2 images -> one pixel: the mean of eight, rounded half up once */
    uint8_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, o[1];
    pyr_step8(a, b, 2, o);
    ck_assert_uint_eq(o[0], 5); /* 36 / 8 = 4.5 -> 5 */
    uint8_t z[4] = {0, 0, 0, 1}, y[4] = {0, 0, 0, 2};
    pyr_step8(z, y, 2, o);
    ck_assert_uint_eq(o[0], 0); /* 3 / 8 = 0.375 -> 0 */
    uint8_t x[4] = {0, 0, 1, 1}, w[4] = {0, 0, 1, 1};
    pyr_step8(x, w, 2, o);
    ck_assert_uint_eq(o[0], 1); /* 4 / 8 = 0.5 -> 1 */
    uint8_t v[4] = {0, 1, 1, 1}, u[4] = {1, 1, 1, 1};
    pyr_step8(v, u, 2, o);
    ck_assert_uint_eq(o[0], 1); /* 7 / 8 = 0.875 -> 1 */
    /* carried alone: the mean of four, rounded half up */
    pyr_step8(a, NULL, 2, o);
    ck_assert_uint_eq(o[0], 3); /* 10 / 4 = 2.5 -> 3 */
    pyr_step8(z, NULL, 2, o);
    ck_assert_uint_eq(o[0], 0); /* 0.25 -> 0 */
    pyr_step8(x, NULL, 2, o);
    ck_assert_uint_eq(o[0], 1); /* 0.5 -> 1 */
    uint8_t hi[4] = {255, 255, 255, 255};
    pyr_step8(hi, hi, 2, o);
    ck_assert_uint_eq(o[0], 255);

    /* 16 bits: no overflow at the top, same rounding */
    uint16_t A[4] = {65535, 65535, 65535, 65535}, B[4] = {65535, 65535,
                                                          65535, 65534};
    uint16_t O[1];
    pyr_step16(A, B, 2, O);
    ck_assert_uint_eq(O[0], 65535); /* 65534.875 -> 65535 */
    uint16_t C[4] = {1000, 1001, 1002, 1003}, D[4] = {2000, 2001, 2002, 2003};
    pyr_step16(C, D, 2, O);
    ck_assert_uint_eq(O[0], 1502); /* 12012 / 8 = 1501.5 -> 1502 */
    pyr_step16(C, NULL, 2, O);
    ck_assert_uint_eq(O[0], 1002); /* 4006 / 4 = 1001.5 -> 1002 */
}
END_TEST

START_TEST(step_odd_side)
{
    /* 5x5 -> 2x2: the last row and column are dropped */
    uint8_t a[25], b[25], o[4], o2[4];
    for (int i = 0; i < 25; i++)
        a[i] = (uint8_t)(i * 3), b[i] = (uint8_t)(100 + i);
    pyr_step8(a, b, 5, o);
    /* out(0,0): a 0,3,15,18 + b 100,101,105,106 = 448 -> 56 */
    ck_assert_uint_eq(o[0], 56);
    /* out(1,0): a at (2,0),(3,0),(2,1),(3,1) = 6,9,21,24; b 102,103,107,108
     * = 60 + 420 = 480 -> 60 */
    ck_assert_uint_eq(o[1], 60);
    /* out(0,1): a rows 2,3 cols 0,1 = 30,33,45,48; b 110,111,115,116 = 156 +
     * 452 = 608 -> 76 */
    ck_assert_uint_eq(o[2], 76);
    for (int i = 0; i < 5; i++) /* last row and column changed: no effect */
        a[4 * 5 + i] = 255, a[i * 5 + 4] = 255, b[4 * 5 + i] = 0,
        b[i * 5 + 4] = 0;
    pyr_step8(a, b, 5, o2);
    ck_assert_mem_eq(o, o2, 4);
}
END_TEST

START_TEST(plan_counts)
{
    struct pyr_plan p;
    ck_assert_int_eq(pyr_plan_make(&p, 5, 1031, 250, 16, err, sizeof err), 0);
    ck_assert_uint_eq(p.levels, 3);
    ck_assert_uint_eq(p.side[1], 515);
    ck_assert_uint_eq(p.side[2], 257);
    ck_assert_uint_eq(p.side[3], 128);
    ck_assert_uint_eq(p.count[1], 3); /* 5 -> 2 pairs + 1 carried alone */
    ck_assert_uint_eq(p.count[2], 2);
    ck_assert_uint_eq(p.count[3], 1);
    ck_assert_uint_eq(p.first[1], 0);
    ck_assert_uint_eq(p.first[2], 3);
    ck_assert_uint_eq(p.first[3], 5);
    ck_assert_uint_eq(p.outputs, 6);
    ck_assert_uint_eq(pyr_image_bytes(&p, 3), 128u * 128 * 2);

    /* the reference's size: 3072 -> 1536 -> 768 -> 384 */
    ck_assert_int_eq(pyr_plan_make(&p, 300, 3072, 500, 16, err, sizeof err), 0);
    ck_assert_uint_eq(p.levels, 3);
    ck_assert_uint_eq(p.side[3], 384);
    ck_assert_uint_eq(p.outputs, 150 + 75 + 38);

    /* one image: carried up alone at every level */
    ck_assert_int_eq(pyr_plan_make(&p, 1, 1024, 500, 8, err, sizeof err), 0);
    ck_assert_uint_eq(p.levels, 2);
    ck_assert_uint_eq(p.count[1], 1);
    ck_assert_uint_eq(p.count[2], 1);

    ck_assert_int_eq(pyr_plan_make(&p, 4, 500, 500, 16, err, sizeof err),
                     -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "--min-side"));
    ck_assert_int_eq(pyr_plan_make(&p, 4, 1024, 500, 12, err, sizeof err),
                     -EINVAL);
    ck_assert_int_eq(pyr_plan_make(&p, 0, 1024, 500, 8, err, sizeof err),
                     -EINVAL);
}
END_TEST

START_TEST(files_round_trip)
{
    for (unsigned depth = 8; depth <= 16; depth += 8)
        for (int f = PYR_TIFF; f <= PYR_RAW; f++) {
            const uint32_t side = 131; /* odd, several strips */
            size_t bytes = (size_t)side * side * (depth / 8);
            uint8_t *px = malloc(bytes);
            pyr_make_image(depth, side, 7, 3, px);
            struct pyr_buf enc = {0}, scratch = {0};
            ck_assert_int_eq(pyr_encode(f, depth, side, px, &enc, err,
                                        sizeof err), 0);
            ck_assert_uint_ge(enc.len, bytes);
            const void *back;
            ck_assert_int_eq(pyr_decode(f, depth, side, enc.p, enc.len,
                                        &scratch, &back, err, sizeof err), 0);
            ck_assert_mem_eq(back, px, bytes);
            /* another side, or a truncated file, is refused */
            ck_assert_int_ne(pyr_decode(f, depth, side + 1, enc.p, enc.len,
                                        &scratch, &back, err, sizeof err), 0);
            ck_assert(err[0]);
            ck_assert_int_ne(pyr_decode(f, depth, side, enc.p, enc.len / 2,
                                        &scratch, &back, err, sizeof err), 0);
            pyr_buf_free(&enc), pyr_buf_free(&scratch);
            free(px);
        }
    /* inputs are a pure function of (seed, index) */
    uint16_t a[64], b[64], c[64];
    pyr_make_image(16, 8, 1, 0, a);
    pyr_make_image(16, 8, 1, 0, b);
    pyr_make_image(16, 8, 1, 1, c);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert(memcmp(a, c, sizeof a) != 0);
}
END_TEST

/* The workload set up with options as on the command line. */
static struct workload setup_wl(const char *const *kv)
{
    struct plug_values pv = {0};
    const struct workload_ops *wo = wl_find("pyramid");
    ck_assert_ptr_nonnull(wo);
    for (; kv && kv[0]; kv += 2)
        ck_assert_msg(plug_set(&pv, kv[0], kv[1], err, sizeof err) == 0,
                      "%s", err);
    struct workload w = {.ops = wo};
    ck_assert_int_eq(plug_apply(wo->opts, wo->nopts, w.params, &pv, err,
                                sizeof err), 0);
    w.p.seed = 1;
    ck_assert_msg(wo->setup(&w, err, sizeof err) == 0, "%s", err);
    return w;
}

static unsigned deps_of(struct workload *w, size_t t, size_t *out)
{
    return w->ops->deps(w, t, out, WL_DEPS_MAX);
}

START_TEST(strategies)
{
    size_t d[WL_DEPS_MAX];
    /* 13 images of 1031 px down to 128: levels of 7, 4, 2 images */
    const char *flow[] = {"images", "13", "side", "1031", "min-side", "250",
                          "strategy", "dataflow", NULL};
    struct workload w = setup_wl(flow);
    ck_assert_uint_eq(w.p.tasks, 7 + 4 + 2);
    ck_assert_uint_eq(deps_of(&w, 0, d), 0);  /* level 1 reads inputs */
    ck_assert_uint_eq(deps_of(&w, 7, d), 2);  /* level 2 image 0 */
    ck_assert_uint_eq(d[0], 0);
    ck_assert_uint_eq(d[1], 1);
    ck_assert_uint_eq(deps_of(&w, 10, d), 1); /* level 2 image 3: 6 alone */
    ck_assert_uint_eq(d[0], 6);
    ck_assert_uint_eq(deps_of(&w, 12, d), 2); /* level 3 image 1: 9, 10 */
    ck_assert_uint_eq(d[0], 9);
    ck_assert_uint_eq(d[1], 10);
    ck_assert_uint_eq(w.ops->stage(&w, 12), 0);
    w.ops->teardown(&w);

    const char *lvl[] = {"images", "13", "side", "1031", "min-side", "250",
                         "strategy", "level", NULL};
    w = setup_wl(lvl);
    ck_assert_uint_eq(w.ops->stage(&w, 6), 0);
    ck_assert_uint_eq(w.ops->stage(&w, 7), 1);
    ck_assert_uint_eq(w.ops->stage(&w, 12), 2);
    struct pb_graph *g;
    ck_assert_int_eq(pb_graph_build(&w, w.p.tasks, &g, err, sizeof err), 0);
    ck_assert_uint_eq(g->nstages, 3);
    pb_graph_free(g);
    w.ops->teardown(&w);

    /* batch 4 over 3 levels: super-level 0 makes levels 1-2 from 4 inputs
     * each (4 tasks: 13 = 4+4+4+1), super-level 1 makes level 3 from the 4
     * level-2 images (one task, reading the four tasks' tops) */
    const char *bat[] = {"images", "13", "side", "1031", "min-side", "250",
                         "strategy", "batch", "batch", "4", NULL};
    w = setup_wl(bat);
    ck_assert_uint_eq(w.p.tasks, 5);
    ck_assert_uint_eq(deps_of(&w, 3, d), 0);
    ck_assert_uint_eq(deps_of(&w, 4, d), 4);
    for (size_t k = 0; k < 4; k++)
        ck_assert_uint_eq(d[k], k);
    w.ops->teardown(&w);

    /* --tasks must agree, --batch must be a power of 2 */
    const struct workload_ops *wo = wl_find("pyramid");
    struct plug_values pv = {0};
    plug_set(&pv, "batch", "6", err, sizeof err);
    struct workload b = {.ops = wo};
    plug_apply(wo->opts, wo->nopts, b.params, &pv, err, sizeof err);
    ck_assert_int_eq(wo->check(&b, err, sizeof err), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "power of 2"));
}
END_TEST

/* A process that rebuilds the workload from its options as they travel
 * to an mpi rank (the wire form) works in the driver's directory and
 * removes nothing of it. */
START_TEST(rank_uses_driver_dir)
{
    const char *kv[] = {"images", "3", "side", "600", NULL};
    struct workload d = setup_wl(kv);
    const struct workload_ops *wo = d.ops;
    ck_assert_int_eq(wo->prepare(&d, err, sizeof err), 0);
    struct workload rk = {.ops = wo, .p = d.p};
    memset(rk.params, 0, sizeof rk.params);
    char text[4200], *keep[32] = {0};
    for (size_t i = 0; i < wo->nopts && i < 32; i++) {
        int w = opt_wire_format(&wo->opts[i], d.params, text, sizeof text);
        ck_assert_int_ge(w, 0);
        if (w == 0)
            ck_assert_int_eq(opt_wire_read(&wo->opts[i], rk.params,
                                           keep[i] = strdup(text)), 0);
    }
    const struct opt *o = opt_find(wo->opts, wo->nopts, "run-dir");
    ck_assert_ptr_nonnull(o);
    ck_assert_ptr_null(o->help); /* internal: not on the command line */
    ck_assert_int_eq(opt_wire_format(o, rk.params, text, sizeof text), 0);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", text);
    ck_assert_int_eq(wo->setup(&rk, err, sizeof err), 0);
    struct task_result r = {0};
    void *ctx;
    ck_assert_int_eq(wo->worker_init(&rk, &ctx), 0);
    ck_assert_int_eq(wo->run_task(&rk, ctx, 0, NULL, NULL, &r), 0);
    wo->worker_fini(&rk, ctx);
    rk.ops->teardown(&rk);
    char path[4300];
    snprintf(path, sizeof path, "%s/in_000000.tif", dir);
    ck_assert_int_eq(access(path, F_OK), 0); /* still there */
    snprintf(path, sizeof path, "%s/L01_000000.tif", dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    d.ops->teardown(&d);
    ck_assert_int_ne(access(dir, F_OK), 0); /* the driver's teardown */
    for (size_t i = 0; i < 32; i++)
        free(keep[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pyramid");
    TCase *tc = tcase_create("pyramid");
    tcase_add_test(tc, step_rounding);
    tcase_add_test(tc, step_odd_side);
    tcase_add_test(tc, plan_counts);
    tcase_add_test(tc, files_round_trip);
    tcase_add_test(tc, strategies);
    tcase_add_test(tc, rank_uses_driver_dir);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
