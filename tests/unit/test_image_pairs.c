/* tests/unit/test_image_pairs.c: the pipeline's pair tables
 * (kernels/image_pairs.c) give exactly what the byte-wise code gives:
 * histogram totals, the applied table, and the whole fused pipeline
 * against the unfused composition (blur, brightness, equalisation), on odd
 * and tiny sizes and kernels larger than the image.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/image.h"
#include "tests/unit/image_testutil.h"

static const int sizes[][2] = {{1, 1}, {1, 7}, {7, 1}, {2, 3}, {3, 5},
                               {5, 2}, {37, 29}, {64, 3}, {101, 13}};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* Pair counting, fed in uneven pieces, folds to the byte-wise totals; a
 * second fold adds nothing (the pair tables are cleared as they fold). */
START_TEST(test_pair_hist)
{
    static const size_t pieces[] = {1, 2, 3, 5, 8, 1000};
    size_t npix = 4099;
    uint8_t *px = xmalloc(3 * npix);
    uint32_t *pair = malloc(sizeof(uint32_t) * IMG_PAIR_WORDS);
    static struct img_hist a, b;
    uint64_t ta[3][256], tb[3][256];
    ck_assert_ptr_nonnull(pair);
    for (int kind = 0; kind < 2; kind++) {
        fill_random(px, 3 * npix, 5 + (uint64_t)kind);
        if (kind) /* long runs of equal values, as after a blur */
            for (size_t i = 0; i < 3 * npix; i++)
                px[i] = (uint8_t)(px[i] & 3);
        img_hist_reset(&a);
        img_hist_reset(&b);
        img_hist_use_pairs(&b, pair);
        img_hist_add(&a, px, npix);
        for (size_t at = 0, p = 0; at < npix; p++) {
            size_t m = pieces[p % 6] < npix - at ? pieces[p % 6] : npix - at;
            img_hist_add(&b, px + 3 * at, m);
            at += m;
        }
        img_hist_get(&a, ta);
        for (int round = 0; round < 2; round++) {
            img_hist_get(&b, tb);
            for (int c = 0; c < 3; c++)
                for (int v = 0; v < 256; v++)
                    EXPECT(ta[c][v] == tb[c][v],
                           "kind %d round %d: channel %d value %d: bytes "
                           "%llu, pairs %llu", kind, round, c, v,
                           (unsigned long long)ta[c][v],
                           (unsigned long long)tb[c][v]);
        }
    }
    free(px);
    free(pair);
}
END_TEST

/* The pair map applies the same table as the byte-wise lookup. */
START_TEST(test_pair_lut)
{
    static const size_t counts[] = {0, 1, 2, 3, 7, 1001};
    uint16_t *map = malloc(sizeof(uint16_t) * IMG_PAIR_WORDS);
    uint8_t lut[3][256];
    ck_assert_ptr_nonnull(map);
    fill_random(&lut[0][0], sizeof lut, 11);
    for (size_t t = 0; t < sizeof counts / sizeof counts[0]; t++) {
        size_t n = 3 * counts[t];
        uint8_t *a = xmalloc(n), *b = xmalloc(n);
        fill_random(a, n, 12 + t);
        memcpy(b, a, n);
        img_apply_lut(a, counts[t], (const uint8_t(*)[256])lut);
        img_apply_lut_pairs(b, counts[t], (const uint8_t(*)[256])lut, map);
        for (size_t i = 0; i < n; i++)
            EXPECT(a[i] == b[i], "%zu pixels: byte %zu: %d vs %d",
                   counts[t], i, a[i], b[i]);
        free(a);
        free(b);
    }
    free(map);
}
END_TEST

/* Unfused reference: blur, brightness, equalisation, one pass each. */
static void unfused(const uint8_t *in, uint8_t *out, int w, int h,
                    const struct img_kernel *kr, int mode, int off,
                    struct img_ws *ws)
{
    if (mode == BLUR_DIRECT)
        img_blur_direct(in, out, w, h, kr);
    else
        img_blur_separable(in, out, w, h, kr, ws, NULL);
    img_brightness(out, 3 * (size_t)w * h, off);
    img_equalize(out, (size_t)w * h);
}

/* The fused pipeline, with and without pair tables, equals the unfused
 * composition exactly, for both blurs, on every size (k = 21 on a 3x5
 * image included), and the separable result stays within one level of
 * the direct one. */
START_TEST(test_pipeline_pairs_exact)
{
    static const int offs[] = {30, -40};
    static const unsigned cs[] = {1, 2, 4};
    for (size_t s = 0; s < NSIZES; s++) {
        int w = sizes[s][0], h = sizes[s][1];
        size_t n = 3 * (size_t)w * h;
        uint8_t *in = xmalloc(n), *ref = xmalloc(n), *got = xmalloc(n),
                *dir = xmalloc(n);
        img_generate(in, w, h, 3, s);
        for (size_t ci = 0; ci < 3; ci++) {
            struct img_kernel kr;
            img_kernel_init(&kr, cs[ci]);
            struct img_ws *ws = img_ws_create(w, kr.k);
            ck_assert_ptr_nonnull(ws);
            for (size_t o = 0; o < 2; o++)
                for (int mode = 0; mode < 2; mode++) {
                    /* the reference all in baseline code */
                    int old = img_simd_limit(IMG_SIMD_BASELINE);
                    ws->pair_min = SIZE_MAX;
                    unfused(in, ref, w, h, &kr, mode, offs[o], ws);
                    for (int lv = IMG_SIMD_BASELINE; lv <= IMG_SIMD_VBMI;
                         lv++)
                        for (int pairs = 0; pairs < 2; pairs++) {
                            img_simd_limit(lv);
                            ws->pair_min = pairs ? 0 : SIZE_MAX;
                            img_pipeline(in, got, w, h, &kr,
                                         (enum blur_mode)mode, offs[o], ws);
                            EXPECT(memcmp(ref, got, n) == 0,
                                   "%dx%d c=%u offset %d mode %d pairs %d "
                                   "level %d: fused differs from unfused",
                                   w, h, cs[ci], offs[o], mode, pairs, lv);
                        }
                    img_simd_limit(old);
                }
            img_blur_separable(in, got, w, h, &kr, ws, NULL);
            img_blur_direct(in, dir, w, h, &kr);
            for (size_t i = 0; i < n; i++)
                EXPECT(abs(got[i] - dir[i]) <= 1,
                       "%dx%d c=%u byte %zu: separable %d, direct %d", w, h,
                       cs[ci], i, got[i], dir[i]);
            img_ws_destroy(ws);
        }
        free(in);
        free(ref);
        free(got);
        free(dir);
    }
}
END_TEST

/* An image above the threshold takes the pair path by default. */
START_TEST(test_pipeline_pairs_default)
{
    int w = 520, h = 511; /* odd pixel count, >= IMG_PAIR_MIN_PIXELS */
    size_t n = 3 * (size_t)w * h;
    ck_assert_uint_ge((size_t)w * h, IMG_PAIR_MIN_PIXELS);
    uint8_t *in = xmalloc(n), *ref = xmalloc(n), *got = xmalloc(n);
    img_generate(in, w, h, 8, 2);
    struct img_kernel kr;
    img_kernel_init(&kr, 1);
    struct img_ws *ws = img_ws_create(w, kr.k);
    ck_assert_ptr_nonnull(ws);
    unfused(in, ref, w, h, &kr, BLUR_SEPARABLE, 30, ws);
    img_pipeline(in, got, w, h, &kr, BLUR_SEPARABLE, 30, ws);
    EXPECT(memcmp(ref, got, n) == 0, "large image: fused differs");
    img_ws_destroy(ws);
    free(in);
    free(ref);
    free(got);
}
END_TEST

/* The table applied by every SIMD level (AVX-512 VBMI where the CPU has
 * it) gives the bytes of the scalar code, at every length and offset. */
START_TEST(test_lut_levels)
{
    uint8_t lut[3][256];
    fill_random(&lut[0][0], sizeof lut, 5);
    size_t cap = 3 * 1000 + 7;
    uint8_t *src = xmalloc(cap), *ref = xmalloc(cap), *got = xmalloc(cap);
    fill_random(src, cap, 6);
    for (size_t npix = 0; npix <= 1000; npix += npix < 70 ? 1 : 37)
        for (size_t off = 0; off < 3; off++) {
            size_t n = 3 * npix;
            int old = img_simd_limit(IMG_SIMD_BASELINE);
            memcpy(ref, src + off, n);
            img_apply_lut(ref, npix, (const uint8_t(*)[256])lut);
            img_simd_limit(IMG_SIMD_VBMI);
            memcpy(got, src + off, n);
            img_apply_lut(got, npix, (const uint8_t(*)[256])lut);
            img_simd_limit(old);
            EXPECT(memcmp(ref, got, n) == 0,
                   "%zu pixels at offset %zu: tables differ (%s)", npix, off,
                   img_code_path());
        }
    free(src);
    free(ref);
    free(got);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("image_pairs");
    TCase *tc = tcase_create("pairs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pair_hist);
    tcase_add_test(tc, test_pair_lut);
    tcase_add_test(tc, test_pipeline_pairs_exact);
    tcase_add_test(tc, test_pipeline_pairs_default);
    tcase_add_test(tc, test_lut_levels);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
