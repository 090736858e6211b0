/* tests/unit/test_image_wl.c: unit tests of the image workload beyond the
 * blur: brightness, equalisation, the fused pipeline, the workload's plan,
 * errors, inputs and tasks (also from two threads), and the PPM writer
 * (bench/engine/dump.c).
 * (The blur itself: tests/unit/test_image.c.)
 */
#include <check.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "bench/util/safeio.h"
#include "kernels/image.h"

/* ---------------------------------------------------------------- helpers */

#include "tests/unit/image_testutil.h"

/* ------------------------------------------------------------------ tone */

START_TEST(test_brightness)
{
    static const struct { int off; uint8_t in[6], want[6]; } t[] = {
        {30, {0, 100, 225, 226, 255, 1}, {30, 130, 255, 255, 255, 31}},
        {-30, {0, 29, 30, 31, 255, 100}, {0, 0, 0, 1, 225, 70}},
        {0, {0, 1, 128, 254, 255, 9}, {0, 1, 128, 254, 255, 9}},
        {255, {0, 1, 128, 254, 255, 9}, {255, 255, 255, 255, 255, 255}},
        {1000, {0, 1, 2, 3, 4, 5}, {255, 255, 255, 255, 255, 255}},
        {-255, {0, 1, 128, 254, 255, 9}, {0, 0, 0, 0, 0, 0}},
        {INT_MIN, {0, 1, 128, 254, 255, 9}, {0, 0, 0, 0, 0, 0}},
        {INT_MAX, {0, 1, 128, 254, 255, 9}, {255, 255, 255, 255, 255, 255}},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        /* 101 bytes: the vector loop and its tail */
        uint8_t buf[101];
        for (int j = 0; j < 101; j++)
            buf[j] = t[i].in[j % 6];
        img_brightness(buf, sizeof buf, t[i].off);
        for (int j = 0; j < 101; j++)
            EXPECT(buf[j] == t[i].want[j % 6],
                          "brightness %d of %d gave %d, want %d", t[i].off,
                          t[i].in[j % 6], buf[j], t[i].want[j % 6]);
    }
}
END_TEST

START_TEST(test_eq_hand_computed)
{
    /* values 10 10 20 30 30 30 40 50: cdf 2 3 6 7 8, cdf_min 2, N - cdf_min
     * = 6: 10 -> 0, 20 -> 255/6 = 42.5 -> 43 (half up), 30 -> 170,
     * 40 -> 1275/6 = 212.5 -> 213, 50 -> 255.  G: constant 77, unchanged.
     * B: two values 3 and 9: 3 -> 0, 9 -> 255. */
    static const uint8_t r[8] = {10, 10, 20, 30, 30, 30, 40, 50};
    static const uint8_t wr[8] = {0, 0, 43, 170, 170, 170, 213, 255};
    uint8_t img[24];
    for (int p = 0; p < 8; p++) {
        img[3 * p] = r[7 - p];
        img[3 * p + 1] = 77;
        img[3 * p + 2] = p % 3 ? 3 : 9;
    }
    img_equalize(img, 8);
    for (int p = 0; p < 8; p++) {
        EXPECT(img[3 * p] == wr[7 - p], "R %d -> %d, want %d",
                      r[7 - p], img[3 * p], wr[7 - p]);
        EXPECT(img[3 * p + 1] == 77, "constant G changed to %d",
                      img[3 * p + 1]);
        EXPECT(img[3 * p + 2] == (p % 3 ? 0 : 255), "B pixel %d = %d",
                      p, img[3 * p + 2]);
    }
    uint64_t empty[256] = {0};
    uint8_t lut[256];
    img_eq_lut(empty, lut);
    for (int v = 0; v < 256; v++)
        EXPECT(lut[v] == v, "empty histogram: lut[%d] = %d", v, lut[v]);
}
END_TEST

START_TEST(test_eq_properties)
{
    /* each value 0..255 once in every channel (shifted per channel) maps
     * to itself */
    uint8_t img[3 * 256];
    for (int p = 0; p < 256; p++)
        for (int c = 0; c < 3; c++)
            img[3 * p + c] = (uint8_t)(p + 85 * c);
    img_equalize(img, 256);
    for (int p = 0; p < 256; p++)
        for (int c = 0; c < 3; c++)
            EXPECT(img[3 * p + c] == (uint8_t)(p + 85 * c),
                          "uniform: %d -> %d", (uint8_t)(p + 85 * c),
                          img[3 * p + c]);
    /* random narrow-range channels: full range, monotone */
    size_t npix = 5000;
    uint8_t *a = xmalloc(3 * npix), *b = xmalloc(3 * npix);
    fill_random(a, 3 * npix, 3);
    for (size_t i = 0; i < 3 * npix; i++)
        a[i] = (uint8_t)(100 + a[i] % (7 + 20 * (i % 3)));
    memcpy(b, a, 3 * npix);
    img_equalize(b, npix);
    for (int c = 0; c < 3; c++) {
        int lo = 255, hi = 0;
        for (size_t p = 0; p < npix; p++) {
            int v = b[3 * p + c];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            for (size_t q = p + 1; q < p + 30 && q < npix; q++)
                EXPECT((a[3 * p + c] < a[3 * q + c]) <=
                                  (b[3 * p + c] <= b[3 * q + c]),
                              "equalisation is not monotone");
        }
        EXPECT(lo == 0 && hi == 255, "channel %d spans %d..%d", c, lo,
                      hi);
    }
    free(a);
    free(b);
}
END_TEST

/* The fused pipeline equals blur, then brightness, then equalisation. */
START_TEST(test_pipeline_fused)
{
    static const int offs[] = {30, -50, 0, 250, -300};
    int w = 37, h = 29;
    size_t n = 3 * (size_t)w * h;
    uint8_t *in = xmalloc(n), *a = xmalloc(n), *b = xmalloc(n);
    img_generate(in, w, h, 9, 1);
    for (unsigned c = 1; c <= 2; c++) {
        struct img_kernel kr;
        img_kernel_init(&kr, c);
        struct img_ws *ws = img_ws_create(w, kr.k);
        for (size_t o = 0; o < sizeof offs / sizeof offs[0]; o++)
            for (int mode = 0; mode < 2; mode++) {
                img_pipeline(in, a, w, h, &kr, (enum blur_mode)mode, offs[o],
                             ws);
                if (mode == BLUR_DIRECT)
                    img_blur_direct(in, b, w, h, &kr);
                else
                    img_blur_separable(in, b, w, h, &kr, ws, NULL);
                img_brightness(b, n, offs[o]);
                img_equalize(b, (size_t)w * h);
                EXPECT(memcmp(a, b, n) == 0,
                              "pipeline c=%u offset %d mode %d differs from "
                              "blur+brightness+equalise", c, offs[o], mode);
            }
        img_ws_destroy(ws);
    }
    free(in);
    free(a);
    free(b);
}
END_TEST
/* -------------------------------------------------------------- workload */

/* One of the workload's own options, by name, in the wire form of its row
 * (the image parameters are private to kernels/image_wl.c). */
static void set_opt(struct workload *w, const char *name, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
static void set_opt(struct workload *w, const char *name, const char *fmt,
                    ...)
{
    static char vals[8][64]; /* strings must outlive the call */
    static int next;
    char *v = vals[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, 64, fmt, ap);
    va_end(ap);
    const struct opt *o = opt_find(w->ops->opts, w->ops->nopts, name);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(opt_wire_read(o, w->params, v), 0);
}

static struct workload make_wl(uint64_t size, size_t tasks, unsigned c)
{
    struct workload w = {0};
    w.ops = &wl_image;
    w.p.seed = 1;
    w.p.tasks = tasks;
    set_opt(&w, "size", "%llu", (unsigned long long)size);
    set_opt(&w, "complexity", "%u", c);
    set_opt(&w, "blur", "%d", BLUR_SEPARABLE);
    set_opt(&w, "brightness", "%d", 30);
    return w;
}

START_TEST(test_wl_plan)
{
    char err[PB_ERR_MAX] = "";
    /* 100 MB / 10 tasks: 3333333 pixels; 1825^2 = 3330625 <= p < 1826^2 */
    struct workload w = make_wl(100000000, 10, 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), 0);
    int wd = 0, ht = 0;
    ck_assert_int_eq(img_task_dims(&w, 9, &wd, &ht), 0);
    EXPECT(wd == 1825 && ht == 1826, "100MB/10: %dx%d", wd, ht);
    ck_assert_int_eq(img_task_dims(&w, 10, &wd, &ht), -EINVAL);
    ck_assert_uint_eq(wl_image.input_size(&w, 0), 3u * 1825 * 1826);
    ck_assert_uint_eq(wl_image.output_size(&w, 3), 3u * 1825 * 1826);
    const char *keys[8];
    double vals[8];
    int nk = wl_image.describe(&w, keys, vals, 8);
    static const char *want[] = {"width", "height", "kernel_size", "sigma",
                                 "bytes_per_task", "bytes_total"};
    static const double wantv[] = {1825, 1826, 5, 1.1, 9997350, 99973500};
    ck_assert_int_eq(nk, 6);
    for (int i = 0; i < 6; i++) {
        ck_assert_str_eq(keys[i], want[i]);
        EXPECT(fabs(vals[i] - wantv[i]) < 1e-9, "%s = %g, want %g",
                      keys[i], vals[i], wantv[i]);
    }
    wl_image.teardown(&w);

    /* one pixel per task, and 64 GB in one task */
    w = make_wl(24, 8, 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), 0);
    ck_assert_int_eq(img_task_dims(&w, 0, &wd, &ht), 0);
    EXPECT(wd == 1 && ht == 1, "24B/8: %dx%d", wd, ht);
    wl_image.teardown(&w);
    w = make_wl(64ull << 30, 1, 3);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), 0);
    ck_assert_int_eq(img_task_dims(&w, 0, &wd, &ht), 0);
    uint64_t p = (64ull << 30) / 3;
    EXPECT((uint64_t)wd * wd <= p && (uint64_t)(wd + 1) * (wd + 1) > p
                  && (uint64_t)ht == p / (uint64_t)wd, "64GiB: %dx%d", wd, ht);
    wl_image.teardown(&w);
}
END_TEST

START_TEST(test_wl_errors)
{
    char err[PB_ERR_MAX] = "";
    struct workload w = make_wl(10, 8, 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), -EINVAL);
    EXPECT(strstr(err, "size 10B is too small for 8 tasks") &&
                  strstr(err, "3 bytes"), "message: %s", err);
    w = make_wl(23, 8, 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), -EINVAL);
    w = make_wl(1000, 1, 0);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), -EINVAL);
    EXPECT(strstr(err, "complexity") != NULL, "message: %s", err);
    w = make_wl(1000, 1, IMG_COMPLEXITY_MAX + 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), -EINVAL);
    w = make_wl(1000, 0, 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), -EINVAL);
    w = make_wl(UINT64_MAX, 1, 1); /* any size: no overflow, no crash */
    int rc = wl_image.setup(&w, err, sizeof err);
    if (rc == 0)
        wl_image.teardown(&w);
}
END_TEST

START_TEST(test_wl_inputs_and_task)
{
    char err[PB_ERR_MAX] = "";
    struct workload w = make_wl(3 * 50 * 40 * 4 + 2, 4, 1);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), 0);
    size_t n = wl_image.input_size(&w, 0);
    uint8_t *a = xmalloc(n), *b = xmalloc(n), *o = xmalloc(n),
            *want = xmalloc(n);
    wl_image.make_input(&w, 2, a);
    wl_image.make_input(&w, 2, b);
    EXPECT(memcmp(a, b, n) == 0, "same (seed, index): different");
    wl_image.make_input(&w, 3, b);
    EXPECT(memcmp(a, b, n) != 0, "different index: same bytes");
    w.p.seed = 2;
    wl_image.make_input(&w, 2, b);
    EXPECT(memcmp(a, b, n) != 0, "different seed: same bytes");
    w.p.seed = 1;
    int lo = 255, hi = 0; /* something to look at, not a flat field */
    for (size_t i = 0; i < n; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    EXPECT(hi - lo > 60, "input spans only %d..%d", lo, hi);

    void *ctx = NULL;
    ck_assert_int_eq(wl_image.worker_init(&w, &ctx), 0);
    struct task_result r;
    memset(&r, 0xff, sizeof r);
    ck_assert_int_eq(wl_image.run_task(&w, ctx, 2, a, o, &r), 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.error, "");
    ck_assert_uint_eq(r.bytes, n);
    struct img_kernel kr;
    img_kernel_init(&kr, 1);
    int wd, ht;
    ck_assert_int_eq(img_task_dims(&w, 2, &wd, &ht), 0);
    EXPECT(wd == 44 && ht == 45, "24002B/4: %dx%d", wd, ht);
    struct img_ws *ws = img_ws_create(wd, kr.k);
    img_pipeline(a, want, wd, ht, &kr, BLUR_SEPARABLE, 30, ws);
    EXPECT(memcmp(o, want, n) == 0, "run_task != img_pipeline");
    img_ws_destroy(ws);
    wl_image.worker_fini(&w, ctx);
    wl_image.teardown(&w);
    free(a);
    free(b);
    free(o);
    free(want);
}
END_TEST

/* Workers share the workload (plan read-only) and own their contexts:
 * two threads running the same tasks get the serial result (and TSan sees
 * no race). */
struct thr {
    const struct workload *w;
    size_t n;     /* bytes per task */
    uint8_t *out; /* 4 tasks' outputs */
    int rc;
};

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    void *ctx = NULL;
    uint8_t *in = malloc(t->n);
    t->rc = in ? t->w->ops->worker_init(t->w, &ctx) : -1;
    for (size_t i = 0; i < 4 && t->rc == 0; i++) {
        struct task_result r;
        t->w->ops->make_input(t->w, i, in);
        t->rc = t->w->ops->run_task(t->w, ctx, i, in, t->out + i * t->n, &r);
    }
    if (ctx)
        t->w->ops->worker_fini(t->w, ctx);
    free(in);
    return NULL;
}

START_TEST(test_wl_threads)
{
    char err[PB_ERR_MAX] = "";
    struct workload w = make_wl(4 * 3 * 200 * 150, 4, 2);
    ck_assert_int_eq(wl_image.setup(&w, err, sizeof err), 0);
    size_t n = wl_image.input_size(&w, 0);
    struct thr t[3];
    pthread_t tid[2];
    for (int i = 0; i < 3; i++)
        t[i] = (struct thr){&w, n, xmalloc(4 * n), -1};
    thr_main(&t[2]); /* serial reference */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&tid[i], NULL, thr_main, &t[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(tid[i], NULL);
        ck_assert_int_eq(t[i].rc, 0);
        EXPECT(memcmp(t[i].out, t[2].out, 4 * n) == 0,
               "thread %d's outputs differ from the serial run", i);
    }
    for (int i = 0; i < 3; i++)
        free(t[i].out);
    wl_image.teardown(&w);
}
END_TEST
/* ------------------------------------------------------------------- ppm */

START_TEST(test_ppm)
{
    char dir[] = "/tmp/test_image_XXXXXX", path[64], err[256];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.ppm", dir);
    uint8_t rgb[18];
    for (int i = 0; i < 18; i++)
        rgb[i] = (uint8_t)(i * 14);
    char h[64];
    int hl = img_ppm_header(h, sizeof h, 3, 2);
    ck_assert_int_gt(hl, 0);
    struct iovec v[2] = {{h, (size_t)hl}, {rgb, sizeof rgb}};
    ck_assert_int_eq(pb_write_path(path, v, 2, err, sizeof err), 0);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    char buf[64];
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    static const char hdr[] = "P6\n3 2\n255\n";
    ck_assert_uint_eq(got, strlen(hdr) + 18);
    EXPECT(memcmp(buf, hdr, strlen(hdr)) == 0, "bad header");
    EXPECT(memcmp(buf + strlen(hdr), rgb, 18) == 0, "bad pixels");
    /* No temporary file is left beside it. */
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        EXPECT(!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
               !strcmp(e->d_name, "out.ppm"), "%s left behind", e->d_name);
    closedir(d);
    char bad[96];
    snprintf(bad, sizeof bad, "%s/no/such/dir.ppm", dir);
    ck_assert_int_eq(pb_write_path(bad, v, 2, err, sizeof err), -ENOENT);
    ck_assert_int_eq(img_ppm_header(h, sizeof h, 0, 2), -EINVAL);
    ck_assert_int_eq(img_ppm_header(h, 4, 3, 2), -ENOSPC);
    unlink(path);
    rmdir(dir);
}
END_TEST
static Suite *image_wl_suite(void)
{
    Suite *s = suite_create("image_wl");
    TCase *tc = tcase_create("tone");
    tcase_add_test(tc, test_brightness);
    tcase_add_test(tc, test_eq_hand_computed);
    tcase_add_test(tc, test_eq_properties);
    tcase_add_test(tc, test_pipeline_fused);
    suite_add_tcase(s, tc);
    tc = tcase_create("workload");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_wl_plan);
    tcase_add_test(tc, test_wl_errors);
    tcase_add_test(tc, test_wl_inputs_and_task);
    tcase_add_test(tc, test_wl_threads);
    suite_add_tcase(s, tc);
    tc = tcase_create("ppm");
    tcase_add_test(tc, test_ppm);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_wl_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
