/* tests/unit/test_image.c: unit tests of the image blur: kernel size,
 * sigma and weights, reflect-101 borders, direct and separable blur on
 * hand-computed cases, constant images, and direct-vs-separable agreement
 * on random images of many sizes.  (Tone kernels, the workload and the PPM
 * writer: tests/unit/test_image_wl.c.)
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/image.h"

/* ---------------------------------------------------------------- helpers */

#include "tests/unit/image_testutil.h"

/* Blur with the separable kernel through a fresh workspace. */
static void blur_sep(const uint8_t *in, uint8_t *out, int w, int h,
                     unsigned complexity)
{
    struct img_kernel kr;
    ck_assert_int_eq(img_kernel_init(&kr, complexity), 0);
    struct img_ws *ws = img_ws_create(w, kr.k);
    EXPECT(ws != NULL, "img_ws_create(%d, %d) failed", w, kr.k);
    img_blur_separable(in, out, w, h, &kr, ws, NULL);
    img_ws_destroy(ws);
}

static void blur_dir(const uint8_t *in, uint8_t *out, int w, int h,
                     unsigned complexity)
{
    struct img_kernel kr;
    ck_assert_int_eq(img_kernel_init(&kr, complexity), 0);
    img_blur_direct(in, out, w, h, &kr);
}

/* Both blurs of a grey image (all channels equal) must give want[]. */
static void check_grey_blur(const uint8_t *grey, int w, int h,
                            const uint8_t *want, const char *what)
{
    size_t n = 3 * (size_t)w * h;
    uint8_t *in = xmalloc(n), *out = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = grey[i / 3];
    for (int mode = 0; mode < 2; mode++) {
        if (mode)
            blur_dir(in, out, w, h, 1);
        else
            blur_sep(in, out, w, h, 1);
        for (size_t i = 0; i < n; i++)
            EXPECT(out[i] == want[i / 3],
                          "%s, %s blur: pixel %zu channel %zu is %d, "
                          "want %d", what, mode ? "direct" : "separable",
                          i / 3, i % 3, out[i], want[i / 3]);
    }
    free(in);
    free(out);
}
/* ---------------------------------------------------------------- kernel */

START_TEST(test_kernel_size_sigma)
{
    static const struct { unsigned c; int k; double sigma; } t[] = {
        {1, 5, 1.1}, {2, 11, 2.0}, {3, 15, 2.6}, {4, 21, 3.5}, {5, 25, 4.1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct img_kernel kr;
        ck_assert_int_eq(img_kernel_size(t[i].c), t[i].k);
        ck_assert_int_eq(img_kernel_init(&kr, t[i].c), 0);
        EXPECT(kr.k == t[i].k && kr.r == (t[i].k - 1) / 2,
                      "complexity %u: k=%d r=%d, want k=%d", t[i].c, kr.k,
                      kr.r, t[i].k);
        EXPECT(fabs(kr.sigma - t[i].sigma) < 1e-12,
                      "complexity %u: sigma %.15g, want %g", t[i].c,
                      kr.sigma, t[i].sigma);
    }
    struct img_kernel kr;
    ck_assert_int_eq(img_kernel_size(0), 0);
    ck_assert_int_eq(img_kernel_init(&kr, 0), -EINVAL);
    ck_assert_int_eq(img_kernel_init(&kr, IMG_COMPLEXITY_MAX + 1), -EINVAL);
    ck_assert_int_eq(img_kernel_init(&kr, IMG_COMPLEXITY_MAX), 0);
    ck_assert_int_eq(kr.k, IMG_KMAX);
}
END_TEST

START_TEST(test_kernel_weights)
{
    /* k = 5, sigma = 1.1: exp(-x^2 / 2.42) = 1, 0.6615147, 0.1914952,
     * sum 2.7060197; normalised: */
    static const double want[5] = {0.0707664, 0.2444604, 0.3695465,
                                   0.2444604, 0.0707664};
    for (unsigned c = 1; c <= 6; c++) {
        struct img_kernel kr;
        img_kernel_init(&kr, c);
        double sum = 0;
        long qsum = 0;
        for (int j = 0; j < kr.k; j++) {
            sum += kr.w[j];
            qsum += kr.wq[j];
            EXPECT(kr.w[j] == kr.w[kr.k - 1 - j] &&
                          kr.wq[j] == kr.wq[kr.k - 1 - j],
                          "complexity %u: weights not symmetric at %d", c, j);
            EXPECT(j == kr.r || fabs(kr.wq[j] - kr.w[j] * 65536) <= 0.5,
                          "complexity %u: wq[%d]=%u but w=%.8f", c, j,
                          kr.wq[j], kr.w[j]);
        }
        EXPECT(fabs(sum - 1) < 1e-12, "complexity %u: sum %.15g", c,
                      sum);
        EXPECT(qsum == 65536, "complexity %u: Q16 sum %ld", c, qsum);
        if (c == 1)
            for (int j = 0; j < 5; j++)
                EXPECT(fabs(kr.w[j] - want[j]) < 1e-6,
                              "k=5 w[%d] = %.7f, want %.7f", j, kr.w[j],
                              want[j]);
    }
}
END_TEST

START_TEST(test_reflect101)
{
    /* indices -6..9 */
    static const int n1[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static const int n2[16] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    static const int n3[16] = {2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1, 0, 1};
    static const int n5[16] = {2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1};
    const int *want[] = {n1, n2, n3, n5};
    const int ns[] = {1, 2, 3, 5};
    for (int t = 0; t < 4; t++)
        for (int i = -6; i <= 9; i++)
            EXPECT(img_reflect101(i, ns[t]) == want[t][i + 6],
                          "reflect101(%d, n=%d) = %d, want %d", i, ns[t],
                          img_reflect101(i, ns[t]), want[t][i + 6]);
    ck_assert_int_eq(img_reflect101(-999001, 1000), 1); /* -500 periods - 1 */
    ck_assert_int_eq(img_reflect101(1000000LL * 1998 + 7, 1000), 7);
}
END_TEST

/* ------------------------------------------------------------------ blur */

START_TEST(test_blur_impulse_1d)
{
    /* An 11x1 row, 255 at x=5: the output is 255 * w, rounded:
     * 255 * (0.070766, 0.244460, 0.369546) = 18.05, 62.34, 94.23. */
    uint8_t grey[11] = {0}, want[11] = {0};
    grey[5] = 255;
    want[3] = want[7] = 18;
    want[4] = want[6] = 62;
    want[5] = 94;
    check_grey_blur(grey, 11, 1, want, "11x1 impulse");
    check_grey_blur(grey, 1, 11, want, "1x11 impulse");
}
END_TEST

START_TEST(test_blur_hand_worked)
{
    /* 4x1 row (10 50 200 90), k=5 with reflect-101 (w0 w1 w2 w1 w0):
     * x=0 taps 200 50 10 50 200 -> 56.45; x=1: 50 10 50 200 90 -> 79.72;
     * x=2: 10 50 200 90 200 -> 122.99;    x=3: 50 200 90 200 50 -> 138.12 */
    static const uint8_t row[4] = {10, 50, 200, 90}, want[4] = {56, 80, 123,
                                                                138};
    check_grey_blur(row, 4, 1, want, "4x1 row");
    check_grey_blur(row, 1, 4, want, "1x4 column");
    /* 2x1 (7 200): every tap reflects: 101.36, 105.64 */
    static const uint8_t two[2] = {7, 200}, want2[2] = {101, 106};
    check_grey_blur(two, 2, 1, want2, "2x1 row");
    /* 3x3 with 255 in the centre: 1-D (0 255 0) -> a = (124.67, 130.33,
     * 124.67) / 255, 2-D = 255 * a_x * a_y: corner 60.96, edge 63.72,
     * centre 66.61 */
    static const uint8_t imp[9] = {0, 0, 0, 0, 255, 0, 0, 0, 0};
    static const uint8_t want3[9] = {61, 64, 61, 64, 67, 64, 61, 64, 61};
    check_grey_blur(imp, 3, 3, want3, "3x3 impulse");
    /* 1x1: every index maps to the pixel itself */
    static const uint8_t one[1] = {77};
    check_grey_blur(one, 1, 1, one, "1x1");
}
END_TEST

START_TEST(test_blur_impulse_2d)
{
    /* 11x11 impulse: direct gives round(255 w_i w_j) exactly. */
    uint8_t in[3 * 121] = {0}, out[3 * 121];
    struct img_kernel kr;
    img_kernel_init(&kr, 1);
    in[3 * 60] = in[3 * 60 + 1] = in[3 * 60 + 2] = 255;
    blur_dir(in, out, 11, 11, 1);
    for (int y = 0; y < 11; y++)
        for (int x = 0; x < 11; x++) {
            int dy = y - 5, dx = x - 5, want = 0;
            if (abs(dy) <= 2 && abs(dx) <= 2)
                want = (int)floor(255 * kr.w[dy + 2] * kr.w[dx + 2] + 0.5);
            EXPECT(out[3 * (y * 11 + x)] == want,
                          "direct impulse at (%d,%d) = %d, want %d", x, y,
                          out[3 * (y * 11 + x)], want);
        }
}
END_TEST

START_TEST(test_blur_constant)
{
    static const int sz[][2] = {{1, 1}, {2, 3}, {3, 1}, {7, 5}, {40, 33},
                                {600, 4}};
    static const uint8_t vals[] = {0, 1, 128, 254, 255};
    for (unsigned c = 1; c <= 5; c++)
        for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++) {
            int w = sz[s][0], h = sz[s][1];
            size_t n = 3 * (size_t)w * h;
            uint8_t *in = xmalloc(n), *out = xmalloc(n);
            for (size_t v = 0; v < sizeof vals; v++) {
                memset(in, vals[v], n);
                for (int mode = 0; mode < 2; mode++) {
                    if (mode && w * h > 200)
                        continue; /* direct is slow */
                    if (mode)
                        blur_dir(in, out, w, h, c);
                    else
                        blur_sep(in, out, w, h, c);
                    for (size_t i = 0; i < n; i++)
                        EXPECT(out[i] == vals[v],
                                      "%s c=%u %dx%d constant %d: byte %zu "
                                      "is %d", mode ? "direct" : "separable",
                                      c, w, h, vals[v], i, out[i]);
                }
            }
            free(in);
            free(out);
        }
}
END_TEST

/* Separable within one level of direct, on random and on 0/255 noise. */
START_TEST(test_blur_agreement)
{
    static const int sz[][2] = {{1, 1}, {2, 3}, {3, 1}, {1, 7}, {7, 1},
                                {3, 5}, {5, 3}, {4, 4}, {5, 5}, {7, 3},
                                {11, 2}, {13, 11}, {22, 23}, {64, 48},
                                {100, 37}, {540, 5}, {301, 203}};
    uint64_t seed = 42;
    for (unsigned c = 1; c <= 5; c++)
        for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++) {
            int w = sz[s][0], h = sz[s][1];
            size_t n = 3 * (size_t)w * h;
            uint8_t *in = xmalloc(n), *a = xmalloc(n), *b = xmalloc(n);
            for (int kind = 0; kind < 2; kind++) {
                fill_random(in, n, seed++);
                if (kind)
                    for (size_t i = 0; i < n; i++)
                        in[i] = in[i] & 1 ? 255 : 0;
                blur_dir(in, b, w, h, c);
                for (int lv = IMG_SIMD_BASELINE; lv <= IMG_SIMD_AVX2; lv++) {
                    int old = img_simd_limit(lv);
                    blur_sep(in, a, w, h, c);
                    img_simd_limit(old);
                    for (size_t i = 0; i < n; i++)
                        EXPECT(abs(a[i] - b[i]) <= 1,
                               "c=%u %dx%d level %d: pixel (%zu,%zu) ch %zu:"
                               " separable %d, direct %d", c, w, h, lv,
                               i / 3 % w, i / 3 / w, i % 3, a[i], b[i]);
                }
            }
            free(in);
            free(a);
            free(b);
        }
}
END_TEST

/* A workspace made for a wide image serves narrower ones too. */
START_TEST(test_blur_reuse)
{
    int w = 2300, h = 3;
    size_t n = 3 * (size_t)w * h;
    uint8_t *in = xmalloc(n), *a = xmalloc(n), *b = xmalloc(n);
    fill_random(in, n, 7);
    for (unsigned c = 1; c <= 4; c += 3) {
        struct img_kernel kr;
        img_kernel_init(&kr, c);
        struct img_ws *ws = img_ws_create(w, kr.k);
        ck_assert_ptr_nonnull(ws);
        int widths[] = {w, 9, w};
        for (int t = 0; t < 3; t++) {
            img_blur_separable(in, a, widths[t], h, &kr, ws, NULL);
            img_blur_direct(in, b, widths[t], h, &kr);
            for (size_t i = 0; i < 3 * (size_t)widths[t] * h; i++)
                EXPECT(abs(a[i] - b[i]) <= 1,
                              "c=%u width %d (pass %d): byte %zu: %d vs %d",
                              c, widths[t], t, i, a[i], b[i]);
        }
        img_ws_destroy(ws);
    }
    ck_assert_ptr_null(img_ws_create(0, 5));
    ck_assert_ptr_null(img_ws_create(10, 4));
    free(in);
    free(a);
    free(b);
}
END_TEST

/* The separable blur gives the same bytes at every SIMD level (baseline C,
 * AVX2), on every width (tails narrower than a vector, rows narrower than
 * one, 2048-pixel rows copied through the ring and 2056 read in place) and
 * every radius (complexity 5: the 32-bit arithmetic). */
START_TEST(test_blur_paths_identical)
{
    static const int sz[][2] = {{1, 1}, {1, 9}, {9, 1}, {2, 3}, {3, 5},
                                {10, 4}, {11, 7}, {12, 3}, {33, 17},
                                {100, 37}, {257, 9}, {2048, 24},
                                {2056, 23}};
    for (unsigned c = 1; c <= 5; c++)
        for (size_t s = 0; s < sizeof sz / sizeof sz[0]; s++) {
            int w = sz[s][0], h = sz[s][1];
            size_t n = 3 * (size_t)w * h;
            uint8_t *in = xmalloc(n), *a = xmalloc(n), *b = xmalloc(n);
            fill_random(in, n, 1000 * c + s);
            int old = img_simd_limit(IMG_SIMD_BASELINE);
            blur_sep(in, a, w, h, c);
            for (int lv = IMG_SIMD_AVX2; lv <= IMG_SIMD_VBMI; lv++) {
                img_simd_limit(lv);
                blur_sep(in, b, w, h, c);
                for (size_t i = 0; i < n; i++)
                    EXPECT(a[i] == b[i],
                           "c=%u %dx%d: byte %zu is %d at level %d (code "
                           "path %s), %d in the baseline", c, w, h, i, b[i],
                           lv, img_code_path(), a[i]);
            }
            img_simd_limit(old);
            free(in);
            free(a);
            free(b);
        }
}
END_TEST

/* The worst case over all images, from the integer weights: for every
 * complexity the separable result is provably within one level of the
 * exact blur (and so of direct's rounding of it).  Bound: 255 * (sum of
 * the positive parts of the 2-D weight errors) + the truncation or
 * rounding errors of kernels/image_sep.c's arithmetic. */
START_TEST(test_blur_error_bound)
{
    for (unsigned c = 1; c <= IMG_COMPLEXITY_MAX; c++) {
        struct img_kernel kr;
        img_kernel_init(&kr, c);
        int r = kr.r;
        double a[IMG_KMAX], b[IMG_KMAX], trunc;
        if (r <= IMG_R16_MAX) {
            long vs = kr.vq[0], hs = kr.hq[0];
            for (int j = -r; j <= r; j++) {
                int d = abs(j);
                a[j + r] = d ? kr.vq[d] / 131072.0 : kr.vq[0] / 65536.0;
                b[j + r] = kr.hq[d] / 65536.0;
                if (j > 0) {
                    vs += kr.vq[j];
                    hs += 2 * kr.hq[j];
                }
                /* 64 * 510 and 128 * 255 times a weight fit pmulhuw */
                EXPECT(d == 0 || kr.vq[d] < 65536,
                       "c=%u: vq[%d] = %u", c, d, kr.vq[d]);
            }
            EXPECT(vs == 65536 && hs == 65536,
                   "c=%u: 16-bit weights sum to %ld and %ld", c, vs, hs);
            /* truncations in (-2(r+1), 0] units of 1/128, B added */
            int bias = 2 * ((r + 1) / 2);
            trunc = (2 * (r + 1) - bias > bias ? 2 * (r + 1) - bias : bias) /
                    128.0;
        } else {
            for (int j = 0; j < kr.k; j++)
                a[j] = b[j] = kr.wq[j] / 65536.0;
            trunc = 0.5 / 256; /* the vertical pass's rounding */
        }
        double pos = 0;
        for (int i = 0; i < kr.k; i++)
            for (int j = 0; j < kr.k; j++) {
                double d = a[i] * b[j] - kr.w[i] * kr.w[j];
                pos += d > 0 ? d : 0;
            }
        double bound = 255 * pos + trunc;
        EXPECT(bound < 0.999, "complexity %u: worst-case error %.4f level",
               c, bound);
    }
}
END_TEST
static Suite *image_suite(void)
{
    Suite *s = suite_create("image");
    TCase *tc = tcase_create("kernel");
    tcase_add_test(tc, test_kernel_size_sigma);
    tcase_add_test(tc, test_kernel_weights);
    tcase_add_test(tc, test_reflect101);
    suite_add_tcase(s, tc);
    tc = tcase_create("blur");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_blur_impulse_1d);
    tcase_add_test(tc, test_blur_hand_worked);
    tcase_add_test(tc, test_blur_impulse_2d);
    tcase_add_test(tc, test_blur_constant);
    tcase_add_test(tc, test_blur_agreement);
    tcase_add_test(tc, test_blur_reuse);
    tcase_add_test(tc, test_blur_paths_identical);
    tcase_add_test(tc, test_blur_error_bound);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(image_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
