/* kernels/image_sep.c: the fast separable Gaussian blur (contract in
 * kernels/image.h; kernel weights, workspace and the direct reference in
 * kernels/image.c).
 *
 * Order.  One output row at a time: the vertical pass combines the k input
 * rows around it (whole rows, so no border columns and no shuffles between
 * taps: borders are just reflected row pointers) into one row of 16-bit
 * values in ws->row; 3r reflected elements are copied onto each end of that
 * row; the horizontal pass then filters it (interleaved RGB: tap j of a
 * byte is 3j elements away, so channels need no special treatment) into the
 * output row.  The 16-bit row stays in L1, and each input byte comes from
 * memory once (the k rows of the window stay in L1/L2 while it slides).
 *
 * Arithmetic, radii up to IMG_R16_MAX (complexity 1..4): 16-bit lanes,
 * symmetric taps summed before multiplying, mulhi(x, w) = (x * w) >> 16
 * (x86 pmulhuw), weights kr->vq and kr->hq (image.h), B = 2 * ((r+1)/2):
 *  vertical:   t = mulhi(128 * p[0], vq[0])
 *                + sum_j mulhi(64 * (p[-j] + p[+j]), vq[j])
 *              t is the vertical blur in units of 1/128 level, <= 32640;
 *              each of the r + 1 mulhi truncates (by < 1 unit).
 *  horizontal: u = 64 + B + mulhi(t[0], hq[0])
 *                         + sum_j mulhi(t[-3j] + t[+3j], hq[j])
 *              out = u >> 7: 64 rounds to nearest (halves up), and B
 *              centres the 2 (r + 1) truncations of both passes.  Pair
 *              sums stay <= 65280 and u < 32768: nothing wraps or
 *              saturates.
 * Error against the exact (double) blur, worst case over all images: the
 * weights' rounding (vq in Q17, hq in Q16: 0.003 level at r = 2, 0.016 at
 * r = 10) plus at most (r + 2) / 128 for the truncations: 0.035 level at
 * r = 2, 0.11 at r = 10, so the result is within one level of
 * img_blur_direct's (test_image.c checks this bound for every complexity;
 * the 32-bit arithmetic's is at most 0.2, at complexity 40).
 * AVX2 does exactly this: 32 bytes at a time, 64 * (a + b) as one pmaddubsw
 * of the interleaved bytes (a, b) with (64, 64), whose lane order one
 * vperm2i128 pair undoes before the row is stored; the baseline code (plain
 * C, vectorised by the compiler where it can) gives identical bytes.
 *
 * Arithmetic, larger radii: 32-bit lanes, weights kr->wq (Q16):
 *  vertical t = (sum_j wq[j] * p[j] + 128) >> 8 (value * 256, <= 65280);
 *  horizontal out = (sum_j wq[j] * t[3j] + 2^23) >> 24 (the sum stays
 *  <= 65280 * 65536 + 2^23 < 2^32).
 */
#include "kernels/image.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(IMG_NO_AVX2)
#include <immintrin.h>
#define SEP_AVX2 1
#define AVX2_FN __attribute__((target("avx2")))
#endif

#if defined(__GNUC__)
#define SEP_INLINE static inline __attribute__((always_inline))
#else
#define SEP_INLINE static inline
#endif

/* Block length (elements of a row) of the baseline loops, which add tap by
 * tap into an accumulator block that stays in L1. */
#define BLOCK 512

/* ------------------------------------------------------------ dispatch */

static int simd_cap = IMG_SIMD_VBMI; /* lowered only by tests */

int img_simd_limit(int level)
{
    int old = simd_cap;
    simd_cap = level;
    return old;
}

int img_simd_level(void)
{
#ifdef SEP_AVX2
    if (simd_cap >= IMG_SIMD_VBMI && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vbmi"))
        return IMG_SIMD_VBMI;
    if (simd_cap >= IMG_SIMD_AVX2 && __builtin_cpu_supports("avx2"))
        return IMG_SIMD_AVX2;
#endif
    return IMG_SIMD_BASELINE;
}

static int use_avx2(void)
{
    return img_simd_level() >= IMG_SIMD_AVX2;
}

const char *img_code_path(void)
{
#ifdef SEP_AVX2
    switch (img_simd_level()) {
    case IMG_SIMD_VBMI:
        return "avx2 blur, avx512vbmi tables (run-time check)";
    case IMG_SIMD_AVX2:
        return "avx2 (run-time check)";
    default:
        return simd_cap > IMG_SIMD_BASELINE ? "baseline (no AVX2 on this CPU)"
                                            : "baseline (limited by a test)";
    }
#else
    return "baseline (no AVX2 code in this build)";
#endif
}

/* ------------------------------------------- 16-bit passes, baseline */

SEP_INLINE uint16_t mulhi(uint16_t x, uint16_t w)
{
    return (uint16_t)(((uint32_t)x * w) >> 16);
}

/* rows[0..2r]: input rows y-r..y+r (reflected); n bytes into t. */
IMG_CLONES static void v16_base(const uint8_t *const *rows,
                                uint16_t *restrict t, ptrdiff_t n,
                                const uint16_t *vq, int r)
{
    const uint16_t w0 = vq[0];
    const uint8_t *mid = rows[r];
    for (ptrdiff_t c = 0; c < n; c++)
        t[c] = mulhi((uint16_t)(mid[c] << 7), w0);
    for (int j = 1; j <= r; j++) {
        const uint8_t *lo = rows[r - j], *hi = rows[r + j];
        const uint16_t w = vq[j];
        for (ptrdiff_t c = 0; c < n; c++)
            t[c] = (uint16_t)(t[c] +
                              mulhi((uint16_t)((lo[c] + hi[c]) << 6), w));
    }
}

/* t[-3r .. n+3r) valid; n bytes out. */
IMG_CLONES static void h16_base(const uint16_t *t, uint8_t *restrict out,
                                ptrdiff_t n, const uint16_t *hq, int r)
{
    uint16_t acc[BLOCK];
    const uint16_t b2 = (uint16_t)(64 + 2 * ((r + 1) / 2)), w0 = hq[0];
    for (ptrdiff_t c0 = 0; c0 < n; c0 += BLOCK) {
        ptrdiff_t m = n - c0 < BLOCK ? n - c0 : BLOCK;
        const uint16_t *s = t + c0;
        for (ptrdiff_t c = 0; c < m; c++)
            acc[c] = (uint16_t)(b2 + mulhi(s[c], w0));
        for (int j = 1; j <= r; j++) {
            const uint16_t *lo = s - 3 * j, *hi = s + 3 * j;
            const uint16_t w = hq[j];
            for (ptrdiff_t c = 0; c < m; c++)
                acc[c] = (uint16_t)(acc[c] +
                                    mulhi((uint16_t)(lo[c] + hi[c]), w));
        }
        for (ptrdiff_t c = 0; c < m; c++)
            out[c0 + c] = (uint8_t)(acc[c] >> 7);
    }
}

/* ----------------------------------------------- 16-bit passes, AVX2 */

#ifdef SEP_AVX2
/* Keeps an accumulator's additions in source order: GCC otherwise
 * reassociates the chain of adds into a tree, which keeps every product
 * alive at once and spills most of them to the stack (r = 10 ran at half
 * speed). */
#define SEQ(v) __asm__("" : "+x"(v))

/* The same sums as v16_base, 32 bytes per step; the last step overlaps the
 * one before when n is not a multiple of 32 (it recomputes equal values),
 * so n must be >= 32.  r is a constant in each instance below.  rows[2r+1]
 * is a row to prefetch (n bytes of it) along the way. */
SEP_INLINE AVX2_FN void v16_avx2_r(const uint8_t *const *rows, uint16_t *t,
                                   ptrdiff_t n, const uint16_t *vq,
                                   const int r)
{
    const __m256i k64 = _mm256_set1_epi8(64);
    __m256i w[IMG_R16_MAX + 1];
    for (int j = 0; j <= r; j++)
        w[j] = _mm256_set1_epi16((short)vq[j]);
    const uint8_t *mid = rows[r], *pf = rows[2 * r + 1];
    for (ptrdiff_t c = 0;; c += 32) {
        if (c + 32 > n) {
            if (c == n)
                break;
            c = n - 32;
        }
        _mm_prefetch((const char *)(pf + c), _MM_HINT_T0);
        /* unpack(x, x) then pmaddubsw by 64: 128 * x; (a, b): 64 (a + b).
         * Lanes: lo holds bytes 0-7 and 16-23, hi 8-15 and 24-31. */
        __m256i x = _mm256_loadu_si256((const __m256i *)(mid + c));
        __m256i lo = _mm256_maddubs_epi16(_mm256_unpacklo_epi8(x, x), k64);
        __m256i hi = _mm256_maddubs_epi16(_mm256_unpackhi_epi8(x, x), k64);
        __m256i alo = _mm256_mulhi_epu16(lo, w[0]);
        __m256i ahi = _mm256_mulhi_epu16(hi, w[0]);
        for (int j = 1; j <= r; j++) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(rows[r - j] + c));
            __m256i b = _mm256_loadu_si256((const __m256i *)(rows[r + j] + c));
            lo = _mm256_maddubs_epi16(_mm256_unpacklo_epi8(a, b), k64);
            hi = _mm256_maddubs_epi16(_mm256_unpackhi_epi8(a, b), k64);
            alo = _mm256_add_epi16(alo, _mm256_mulhi_epu16(lo, w[j]));
            ahi = _mm256_add_epi16(ahi, _mm256_mulhi_epu16(hi, w[j]));
            SEQ(alo);
            SEQ(ahi);
        }
        _mm256_storeu_si256((__m256i *)(t + c),
                            _mm256_permute2x128_si256(alo, ahi, 0x20));
        _mm256_storeu_si256((__m256i *)(t + c + 16),
                            _mm256_permute2x128_si256(alo, ahi, 0x31));
    }
}

/* The same sums as h16_base, 32 bytes per step, n >= 32 (as above). */
SEP_INLINE AVX2_FN __m256i h16_avx2_half(const uint16_t *p, const __m256i *w,
                                         __m256i b2, const int r)
{
    __m256i acc = _mm256_add_epi16(
        b2, _mm256_mulhi_epu16(_mm256_loadu_si256((const __m256i *)p), w[0]));
    for (int j = 1; j <= r; j++) {
        __m256i s = _mm256_add_epi16(
            _mm256_loadu_si256((const __m256i *)(p - 3 * j)),
            _mm256_loadu_si256((const __m256i *)(p + 3 * j)));
        acc = _mm256_add_epi16(acc, _mm256_mulhi_epu16(s, w[j]));
        SEQ(acc);
    }
    return _mm256_srli_epi16(acc, 7);
}

SEP_INLINE AVX2_FN void h16_avx2_r(const uint16_t *t, uint8_t *out,
                                   ptrdiff_t n, const uint16_t *hq,
                                   const int r)
{
    const __m256i b2 = _mm256_set1_epi16((short)(64 + 2 * ((r + 1) / 2)));
    __m256i w[IMG_R16_MAX + 1];
    for (int j = 0; j <= r; j++)
        w[j] = _mm256_set1_epi16((short)hq[j]);
    for (ptrdiff_t c = 0;; c += 32) {
        if (c + 32 > n) {
            if (c == n)
                break;
            c = n - 32;
        }
        __m256i a = h16_avx2_half(t + c, w, b2, r);
        __m256i b = h16_avx2_half(t + c + 16, w, b2, r);
        /* packus interleaves 128-bit lanes: a0 b0 a1 b1; vpermq restores
         * a0 a1 b0 b1.  Every value is <= 255, so nothing saturates. */
        __m256i v = _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b),
                                             0xD8);
        _mm256_storeu_si256((__m256i *)(out + c), v);
    }
}

/* One instance per radius of complexity 1..4, with r a constant so the tap
 * loops unroll; any other radius up to IMG_R16_MAX through v16_avx2_any. */
#define SEP_INSTANCES(X) X(2) X(5) X(7) X(10)
#define SEP_DEF(R)                                                            \
    static AVX2_FN void v16_avx2_##R(const uint8_t *const *rows, uint16_t *t, \
                                     ptrdiff_t n, const uint16_t *vq)         \
    {                                                                         \
        v16_avx2_r(rows, t, n, vq, R);                                        \
    }                                                                         \
    static AVX2_FN void h16_avx2_##R(const uint16_t *t, uint8_t *out,         \
                                     ptrdiff_t n, const uint16_t *hq)         \
    {                                                                         \
        h16_avx2_r(t, out, n, hq, R);                                         \
    }
SEP_INSTANCES(SEP_DEF)

static AVX2_FN void v16_avx2_any(const uint8_t *const *rows, uint16_t *t,
                                 ptrdiff_t n, const uint16_t *vq, int r)
{
    v16_avx2_r(rows, t, n, vq, r);
}
static AVX2_FN void h16_avx2_any(const uint16_t *t, uint8_t *out,
                                 ptrdiff_t n, const uint16_t *hq, int r)
{
    h16_avx2_r(t, out, n, hq, r);
}

static void v16_avx2(const uint8_t *const *rows, uint16_t *t, ptrdiff_t n,
                     const uint16_t *vq, int r)
{
    switch (r) {
#define SEP_CASE(R) case R: v16_avx2_##R(rows, t, n, vq); break;
    SEP_INSTANCES(SEP_CASE)
#undef SEP_CASE
    default: v16_avx2_any(rows, t, n, vq, r); break;
    }
}

static void h16_avx2(const uint16_t *t, uint8_t *out, ptrdiff_t n,
                     const uint16_t *hq, int r)
{
    switch (r) {
#define SEP_CASE(R) case R: h16_avx2_##R(t, out, n, hq); break;
    SEP_INSTANCES(SEP_CASE)
#undef SEP_CASE
    default: h16_avx2_any(t, out, n, hq, r); break;
    }
}
#endif /* SEP_AVX2 */

/* ---------------------------------------------------- 32-bit passes */

IMG_CLONES static void v32(const uint8_t *const *rows, uint16_t *restrict t,
                           ptrdiff_t n, const uint16_t *wq, int r)
{
    uint32_t acc[BLOCK];
    for (ptrdiff_t c0 = 0; c0 < n; c0 += BLOCK) {
        ptrdiff_t m = n - c0 < BLOCK ? n - c0 : BLOCK;
        const uint8_t *mid = rows[r] + c0;
        uint32_t wc = wq[r];
        for (ptrdiff_t c = 0; c < m; c++)
            acc[c] = wc * mid[c];
        for (int j = 1; j <= r; j++) {
            uint32_t w = wq[r + j];
            const uint8_t *lo = rows[r - j] + c0, *hi = rows[r + j] + c0;
            for (ptrdiff_t c = 0; c < m; c++)
                acc[c] += w * ((uint32_t)lo[c] + hi[c]);
        }
        for (ptrdiff_t c = 0; c < m; c++)
            t[c0 + c] = (uint16_t)((acc[c] + 128) >> 8);
    }
}

IMG_CLONES static void h32(const uint16_t *t, uint8_t *restrict out,
                           ptrdiff_t n, const uint16_t *wq, int r)
{
    uint32_t acc[BLOCK];
    for (ptrdiff_t c0 = 0; c0 < n; c0 += BLOCK) {
        ptrdiff_t m = n - c0 < BLOCK ? n - c0 : BLOCK;
        const uint16_t *s = t + c0;
        uint32_t wc = wq[r];
        for (ptrdiff_t c = 0; c < m; c++)
            acc[c] = wc * s[c];
        for (int j = 1; j <= r; j++) {
            uint32_t w = wq[r + j];
            const uint16_t *lo = s - 3 * j, *hi = s + 3 * j;
            for (ptrdiff_t c = 0; c < m; c++)
                acc[c] += w * ((uint32_t)lo[c] + hi[c]);
        }
        for (ptrdiff_t c = 0; c < m; c++)
            out[c0 + c] = (uint8_t)((acc[c] + (1u << 23)) >> 24);
    }
}

/* ------------------------------------------------------------------ blur */

/* Copy reflect-101 images of the row's ends into the 3r elements on each
 * side of t[0 .. 3 width), so every horizontal tap reads a real value. */
static void pad_row(uint16_t *t, int width, int r)
{
    for (int m = 1; m <= r; m++) {
        ptrdiff_t l = 3 * (ptrdiff_t)img_reflect101(-m, width);
        ptrdiff_t h = 3 * (ptrdiff_t)img_reflect101((long long)width - 1 + m,
                                                    width);
        ptrdiff_t ld = -3 * (ptrdiff_t)m, hd = 3 * ((ptrdiff_t)width - 1 + m);
        for (int ch = 0; ch < 3; ch++) {
            t[ld + ch] = t[l + ch];
            t[hd + ch] = t[h + ch];
        }
    }
}

/* The vertical pass prefetches, 32 bytes at a time as it goes, the input
 * row PREFETCH_ROWS below its window: measured on the 2048x2048 image,
 * k = 5 gained 30% and k = 11 8%, while k = 21 lost 3% (its rows take long
 * enough for the hardware prefetchers), hence PREFETCH_RMAX.  Prefetching
 * the whole row in one burst at the row's start gained nothing: the
 * burst overflows the outstanding-miss buffers.  (Cutting the image into
 * vertical strips, so that the window's k rows stay in L1, was slower at
 * every k: the hardware prefetchers follow whole rows better than pieces of
 * rows.) */
#define PREFETCH_ROWS 2
#define PREFETCH_RMAX 5

/* Whether the window's k input rows, read where they are, would crowd into
 * a few sets of the L1 data cache: rows rb bytes apart start at only
 * 4096 / gcd(rb, 4096) different offsets within a 4 KiB page, and the
 * lines of one column of rows at the same offset share one set (8 ways on
 * the machines measured).  At 2048 pixels a row (6144 bytes: two offsets)
 * k = 21 ran 25% slower than at 2056.  When more than 6 rows would share
 * a set, the rows are copied into ws->ring, whose stride is an odd number
 * of cache lines, so that the column's lines spread over every set: k = 21
 * then runs as fast at 2048 as at 2056 (k = 11, 6 rows a set, ran 4%
 * slower with the copy than without). */
static int crowded(size_t rb, int k)
{
    unsigned char seen[64] = {0};
    int distinct = 0;
    for (int j = 0; j < k && j < 64; j++) {
        unsigned set = (unsigned)(((size_t)j * rb) % 4096 / 64);
        distinct += !seen[set];
        seen[set] = 1;
    }
    return (k + distinct - 1) / distinct > 6;
}

void img_blur_separable(const uint8_t *in, uint8_t *out, int width,
                        int height, const struct img_kernel *kr,
                        struct img_ws *ws, struct img_hist *hist)
{
    const int r = kr->r, k = kr->k;
    const size_t rb = 3 * (size_t)width;
    const ptrdiff_t n = (ptrdiff_t)rb;
    const uint8_t *rows[IMG_KMAX + 1];
    assert(ws->k == k && width <= ws->max_width);
    uint16_t *t = ws->row + 3 * (ptrdiff_t)r;
    const int r16 = r <= IMG_R16_MAX;
    /* AVX2 works 32 bytes at a time; narrower rows take the baseline code,
     * which gives the same bytes. */
    const int avx2 = use_avx2() && n >= 32;
    (void)avx2;
    /* Ring: source row s in slot s % k.  The rows of one window are at
     * most k consecutive source rows (or all of them when height <= k), so
     * they never share a slot, and each row is copied once. */
    const int ring = crowded(rb, k);
    const size_t stride = ((rb + 63) / 64 | 1) * 64;
    if (ring)
        for (int j = 0; j < k; j++)
            ws->tag[j] = -1;
    for (int y = 0; y < height; y++) {
        const int inside = y >= r && y + r < height;
        for (int j = 0; j <= 2 * r; j++) {
            int s = inside ? y - r + j
                           : img_reflect101((long long)y - r + j, height);
            rows[j] = in + (size_t)s * rb;
            if (ring) {
                uint8_t *slot = ws->ring + (size_t)(s % k) * stride;
                if (ws->tag[s % k] != s) {
                    memcpy(slot, rows[j], rb);
                    ws->tag[s % k] = s;
                }
                rows[j] = slot;
            }
        }
        /* The row PREFETCH_ROWS below the window, for the vertical pass
         * to prefetch as it goes (rows[2r] when there is none or when r is
         * large enough for the hardware prefetchers to keep up alone). */
        rows[2 * r + 1] = rows[2 * r];
        if (r <= PREFETCH_RMAX && y + r + PREFETCH_ROWS < height)
            rows[2 * r + 1] = in + (size_t)(y + r + PREFETCH_ROWS) * rb;
        uint8_t *o = out + (size_t)y * rb;
        if (!r16) {
            v32(rows, t, n, kr->wq, r);
            pad_row(t, width, r);
            h32(t, o, n, kr->wq, r);
        }
#ifdef SEP_AVX2
        else if (avx2) {
            v16_avx2(rows, t, n, kr->vq, r);
            pad_row(t, width, r);
            h16_avx2(t, o, n, kr->hq, r);
        }
#endif
        else {
            v16_base(rows, t, n, kr->vq, r);
            pad_row(t, width, r);
            h16_base(t, o, n, kr->hq, r);
        }
        if (hist) /* while the row is in L1 */
            img_hist_add(hist, o, (size_t)width);
    }
}
