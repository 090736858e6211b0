/* kernels/image.c: the image kernels: Gaussian blur (direct reference and
 * fast separable), brightness, per-channel histogram equalisation, and the
 * fused per-task pipeline.  See kernels/image.h for the contracts.
 *
 * Speed notes.  The separable blur is written so that GCC auto-vectorises
 * it: the inner loops run over the bytes of a row (interleaved RGB, so tap
 * j of a byte is 3*j bytes away and channels need no special treatment),
 * with the taps unrolled for the common radii and the symmetric taps folded
 * ((a + b) * w).  Only the 2r border columns go through a reflect-101 index
 * table.  The horizontal pass writes uint16 rows into a ring of k rows, so
 * the vertical pass reads rows that are still in cache.
 *
 * Fixed point: 1-D weights wq in Q16 summing to exactly 65536.
 *  - radii 2, 5, 7, 10 (complexity 1..4), unrolled: 16-bit lanes, each tap
 *    a high-half multiply (pmulhuw) of a pixel (pair) sum scaled to 1/128
 *    level; rows hold value * 128; truncation (< 1/128 level per tap) is
 *    offset by adding (r + 1) / 2 units.  Error < 0.1 level in all.
 *  - other radii, blocked: 32-bit lanes; horizontal sums <= 255 * 65536,
 *    stored rounded >> 8 (<= 65280, value * 256); vertical sums <= 65280 *
 *    65536 + 2^23 < 2^32; result (sum + 2^23) >> 24.
 * The hot loops are compiled twice (AVX2 and baseline) with target_clones,
 * picked at load time, so the binary still runs on any x86-64 and builds
 * anywhere else.
 */
#include "kernels/image.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && \
    !defined(IMG_NO_CLONES)
#if defined(__has_attribute)
#if __has_attribute(target_clones)
#define IMG_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#endif
#ifndef IMG_CLONES
#define IMG_CLONES
#endif

#if defined(__GNUC__)
#define IMG_INLINE static inline __attribute__((always_inline))
#else
#define IMG_INLINE static inline
#endif

/* Radii up to this get fully unrolled loops; larger ones use blocks. */
#define FIX_RMAX 10
/* The radii with unrolled 16-bit loops (complexity 1 to 4); keep in step
 * with the switches in h_row() and v_row(). */
static int unrolled(int r)
{
    return r == 2 || r == 5 || r == 7 || r == 10;
}
/* Block length (bytes of a row) of the generic loops; acc stays in L1. */
#define BLOCK 512

/* ---------------------------------------------------------------- kernel */

int img_kernel_size(unsigned complexity)
{
    if (complexity < 1 || complexity > IMG_COMPLEXITY_MAX)
        return 0;
    int k = 5 * (int)complexity;
    return (k % 2 == 0) ? k + 1 : k;
}

double img_sigma(int k)
{
    return 0.3 * ((k - 1) / 2 - 1) + 0.8;
}

int img_kernel_init(struct img_kernel *kr, unsigned complexity)
{
    int k = img_kernel_size(complexity);
    if (k == 0)
        return -EINVAL;
    memset(kr, 0, sizeof *kr);
    kr->k = k;
    kr->r = (k - 1) / 2;
    kr->sigma = img_sigma(k);
    double sum = 0;
    for (int j = 0; j < k; j++) {
        double x = j - kr->r;
        kr->w[j] = exp(-x * x / (2 * kr->sigma * kr->sigma));
        sum += kr->w[j];
    }
    long long qsum = 0;
    for (int j = 0; j < k; j++) {
        kr->w[j] /= sum;
        kr->wq[j] = (uint32_t)lround(kr->w[j] * IMG_WQ_ONE);
        qsum += kr->wq[j];
    }
    /* Symmetric rounding keeps wq symmetric; the residue goes on the centre
     * so a constant image stays exactly constant. */
    kr->wq[kr->r] = (uint32_t)((long long)kr->wq[kr->r] +
                               ((long long)IMG_WQ_ONE - qsum));
    return 0;
}

int img_reflect101(long long i, int n)
{
    if (n <= 1)
        return 0;
    long long period = 2LL * (n - 1);
    long long m = i % period;
    if (m < 0)
        m += period;
    return (int)(m < n ? m : period - m);
}

/* ------------------------------------------------------------- workspace */

struct img_ws *img_ws_create(int max_width, int k)
{
    if (max_width < 1 || k < 1 || k > IMG_KMAX || k % 2 == 0)
        return NULL;
    struct img_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->max_width = max_width;
    ws->k = k;
    ws->stride = (3 * (size_t)max_width + 31) & ~(size_t)31;
    size_t bytes = ws->stride * sizeof(uint16_t);
    if (bytes / sizeof(uint16_t) != ws->stride || bytes > SIZE_MAX / k) {
        free(ws);
        return NULL;
    }
    /* stride is a multiple of 32 elements, so every row is 64-byte aligned
     * and the size is a multiple of the alignment, as aligned_alloc wants. */
    ws->ring = aligned_alloc(64, bytes * k);
    ws->tag = malloc(sizeof(int) * (size_t)k);
    ws->btab = malloc(sizeof(int32_t) * (size_t)k * (size_t)k);
    if (!ws->ring || !ws->tag || !ws->btab) {
        img_ws_destroy(ws);
        return NULL;
    }
    return ws;
}

void img_ws_destroy(struct img_ws *ws)
{
    if (!ws)
        return;
    free(ws->ring);
    free(ws->tag);
    free(ws->btab);
    free(ws);
}

/* Columns [0, *xl) and [*xr, width) are border columns (some tap falls
 * outside the row); [*xl, *xr) is the interior. */
static void border_split(int width, int r, int *xl, int *xr)
{
    *xl = r < width ? r : width;
    *xr = width - r > *xl ? width - r : *xl;
}

static void build_btab(struct img_ws *ws, int width, int k)
{
    int r = (k - 1) / 2, xl, xr, b = 0;
    border_split(width, r, &xl, &xr);
    for (int x = 0; x < width; x++) {
        if (x == xl)
            x = xr;
        if (x >= width)
            break;
        for (int j = 0; j < k; j++)
            ws->btab[b * k + j] = 3 * img_reflect101((long long)x + j - r,
                                                     width);
        b++;
    }
    ws->btab_width = width;
}

/* ---------------------------------------------------- horizontal pass */

/* n interior bytes starting at s: every tap s[c +- 3j] is inside the row.
 * 16-bit arithmetic (16 lanes per AVX2 vector): mulhi(x, w) = x * w >> 16
 * (one pmulhuw) of x = pixel (pair) sum << 7 gives the tap in units of
 * 1/128 level, truncated; the sum + (r+1)/2 offsets the truncation. */
IMG_INLINE uint16_t mulhi(uint16_t x, uint16_t w)
{
    return (uint16_t)(((uint32_t)x * w) >> 16);
}

IMG_INLINE void h_fixed(const uint8_t *s, uint16_t *restrict d, ptrdiff_t n,
                        const uint32_t *wq, const int r)
{
    uint16_t w[FIX_RMAX + 1];
    const uint8_t *lo[FIX_RMAX + 1], *hi[FIX_RMAX + 1];
    for (int j = 0; j <= r; j++) {
        w[j] = (uint16_t)wq[j];
        lo[j] = s - 3 * j;
        hi[j] = s + 3 * j;
    }
    const uint16_t bias = (uint16_t)((r + 1) / 2);
    for (ptrdiff_t c = 0; c < n; c++) {
        uint16_t acc = bias + mulhi((uint16_t)(s[c] << 7), w[r]);
        for (int j = 1; j <= r; j++)
            acc += mulhi((uint16_t)((lo[j][c] + hi[j][c]) << 7), w[r - j]);
        d[c] = acc;
    }
}

IMG_CLONES static void h_r2(const uint8_t *s, uint16_t *restrict d,
                            ptrdiff_t n, const uint32_t *wq)
{
    h_fixed(s, d, n, wq, 2);
}
IMG_CLONES static void h_r5(const uint8_t *s, uint16_t *restrict d,
                            ptrdiff_t n, const uint32_t *wq)
{
    h_fixed(s, d, n, wq, 5);
}
IMG_CLONES static void h_r7(const uint8_t *s, uint16_t *restrict d,
                            ptrdiff_t n, const uint32_t *wq)
{
    h_fixed(s, d, n, wq, 7);
}
IMG_CLONES static void h_r10(const uint8_t *s, uint16_t *restrict d,
                             ptrdiff_t n, const uint32_t *wq)
{
    h_fixed(s, d, n, wq, 10);
}

/* Any radius: accumulate tap by tap over blocks of BLOCK bytes. */
IMG_CLONES static void h_generic(const uint8_t *s, uint16_t *restrict d,
                                 ptrdiff_t n, const uint32_t *wq, int r)
{
    uint32_t acc[BLOCK];
    for (ptrdiff_t c0 = 0; c0 < n; c0 += BLOCK) {
        ptrdiff_t m = n - c0 < BLOCK ? n - c0 : BLOCK;
        const uint8_t *b = s + c0;
        uint32_t wc = wq[r];
        for (ptrdiff_t c = 0; c < m; c++)
            acc[c] = wc * b[c];
        for (int j = 1; j <= r; j++) {
            uint32_t wj = wq[r - j];
            const uint8_t *lo = b - 3 * j, *hi = b + 3 * j;
            for (ptrdiff_t c = 0; c < m; c++)
                acc[c] += wj * ((uint32_t)lo[c] + hi[c]);
        }
        for (ptrdiff_t c = 0; c < m; c++)
            d[c0 + c] = (uint16_t)((acc[c] + 128) >> 8);
    }
}

/* One row: border columns through the table, the interior straight.  The
 * unrolled radii store value * 128, the others value * 256 (see v_row). */
static void h_row(const uint8_t *src, uint16_t *dst, int width,
                  const struct img_kernel *kr, const int32_t *btab)
{
    int k = kr->k, r = kr->r, xl, xr;
    border_split(width, r, &xl, &xr);
    const uint32_t *wq = kr->wq;
    const int shift = unrolled(r) ? 9 : 8;
    int b = 0;
    for (int x = 0; x < width; x++, b++) {
        if (x == xl)
            x = xr;
        if (x >= width)
            break;
        const int32_t *t = btab + (size_t)b * k;
        for (int ch = 0; ch < 3; ch++) {
            uint32_t acc = 0;
            for (int j = 0; j < k; j++)
                acc += wq[j] * src[t[j] + ch];
            dst[3 * x + ch] =
                (uint16_t)((acc + (1u << (shift - 1))) >> shift);
        }
    }
    ptrdiff_t c0 = 3 * (ptrdiff_t)xl, n = 3 * (ptrdiff_t)(xr - xl);
    if (n == 0)
        return;
    switch (r) {
    case 2: h_r2(src + c0, dst + c0, n, wq); break;
    case 5: h_r5(src + c0, dst + c0, n, wq); break;
    case 7: h_r7(src + c0, dst + c0, n, wq); break;
    case 10: h_r10(src + c0, dst + c0, n, wq); break;
    default: h_generic(src + c0, dst + c0, n, wq, r); break;
    }
}

/* ------------------------------------------------------ vertical pass */

/* rows[0..2r] are the filtered rows y-r..y+r (reflected); n bytes out.
 * Rows from h_fixed hold value * 128 (<= 32640 + bias), so pair sums fit
 * 16 bits, and so does the total, which stays <= 32640 + 2 * bias + 64:
 * (acc >> 7) <= 255. */
IMG_INLINE void v_fixed(const uint16_t *const *rows, uint8_t *restrict d,
                        ptrdiff_t n, const uint32_t *wq, const int r)
{
    uint16_t w[FIX_RMAX + 1];
    const uint16_t *p[2 * FIX_RMAX + 1];
    for (int j = 0; j <= 2 * r; j++)
        p[j] = rows[j];
    for (int j = 0; j <= r; j++)
        w[j] = (uint16_t)wq[j];
    const uint16_t bias = (uint16_t)((r + 1) / 2 + 64);
    for (ptrdiff_t c = 0; c < n; c++) {
        uint16_t acc = bias + mulhi(p[r][c], w[r]);
        for (int j = 1; j <= r; j++)
            acc += mulhi((uint16_t)(p[r - j][c] + p[r + j][c]), w[r - j]);
        d[c] = (uint8_t)(acc >> 7);
    }
}

IMG_CLONES static void v_r2(const uint16_t *const *rows, uint8_t *restrict d,
                            ptrdiff_t n, const uint32_t *wq)
{
    v_fixed(rows, d, n, wq, 2);
}
IMG_CLONES static void v_r5(const uint16_t *const *rows, uint8_t *restrict d,
                            ptrdiff_t n, const uint32_t *wq)
{
    v_fixed(rows, d, n, wq, 5);
}
IMG_CLONES static void v_r7(const uint16_t *const *rows, uint8_t *restrict d,
                            ptrdiff_t n, const uint32_t *wq)
{
    v_fixed(rows, d, n, wq, 7);
}
IMG_CLONES static void v_r10(const uint16_t *const *rows,
                             uint8_t *restrict d, ptrdiff_t n,
                             const uint32_t *wq)
{
    v_fixed(rows, d, n, wq, 10);
}

IMG_CLONES static void v_generic(const uint16_t *const *rows,
                                 uint8_t *restrict d, ptrdiff_t n,
                                 const uint32_t *wq, int r)
{
    uint32_t acc[BLOCK];
    for (ptrdiff_t c0 = 0; c0 < n; c0 += BLOCK) {
        ptrdiff_t m = n - c0 < BLOCK ? n - c0 : BLOCK;
        const uint16_t *mid = rows[r] + c0;
        uint32_t wc = wq[r];
        for (ptrdiff_t c = 0; c < m; c++)
            acc[c] = wc * mid[c];
        for (int j = 1; j <= r; j++) {
            uint32_t wj = wq[r - j];
            const uint16_t *lo = rows[r - j] + c0, *hi = rows[r + j] + c0;
            for (ptrdiff_t c = 0; c < m; c++)
                acc[c] += wj * ((uint32_t)lo[c] + hi[c]);
        }
        for (ptrdiff_t c = 0; c < m; c++)
            d[c0 + c] = (uint8_t)((acc[c] + (1u << 23)) >> 24);
    }
}

static void v_row(const uint16_t *const *rows, uint8_t *d, ptrdiff_t n,
                  const struct img_kernel *kr)
{
    switch (kr->r) {
    case 2: v_r2(rows, d, n, kr->wq); break;
    case 5: v_r5(rows, d, n, kr->wq); break;
    case 7: v_r7(rows, d, n, kr->wq); break;
    case 10: v_r10(rows, d, n, kr->wq); break;
    default: v_generic(rows, d, n, kr->wq, kr->r); break;
    }
}

/* ------------------------------------------------------------------ blur */

void img_blur_separable(const uint8_t *in, uint8_t *out, int width,
                        int height, const struct img_kernel *kr,
                        struct img_ws *ws, struct img_hist *hist)
{
    int k = kr->k, r = kr->r;
    size_t rb = 3 * (size_t)width;
    const uint16_t *rows[IMG_KMAX];
    if (ws->btab_width != width)
        build_btab(ws, width, k);
    for (int s = 0; s < k; s++)
        ws->tag[s] = -1;
    /* Source row s lives in ring slot s % k.  The k rows one output row
     * needs always span at most k consecutive source rows (or all of them,
     * when height <= k), so they never share a slot, and each source row
     * is filtered once as the window slides down. */
    for (int y = 0; y < height; y++) {
        for (int j = 0; j < k; j++) {
            int s = img_reflect101((long long)y + j - r, height);
            int slot = s % k;
            uint16_t *ring_row = ws->ring + (size_t)slot * ws->stride;
            if (ws->tag[slot] != s) {
                h_row(in + (size_t)s * rb, ring_row, width, kr, ws->btab);
                ws->tag[slot] = s;
            }
            rows[j] = ring_row;
        }
        uint8_t *o = out + (size_t)y * rb;
        v_row(rows, o, (ptrdiff_t)rb, kr);
        if (hist)
            img_hist_add(hist, o, (size_t)width);
    }
}

void img_blur_direct(const uint8_t *in, uint8_t *out, int width, int height,
                     const struct img_kernel *kr)
{
    int k = kr->k, r = kr->r;
    const double *w = kr->w;
    size_t rb = 3 * (size_t)width;
    const uint8_t *rows[IMG_KMAX];
    int cx[IMG_KMAX];
    for (int y = 0; y < height; y++) {
        for (int i = 0; i < k; i++)
            rows[i] = in + (size_t)img_reflect101((long long)y + i - r,
                                                  height) * rb;
        uint8_t *o = out + (size_t)y * rb;
        for (int x = 0; x < width; x++) {
            for (int j = 0; j < k; j++)
                cx[j] = 3 * img_reflect101((long long)x + j - r, width);
            for (int ch = 0; ch < 3; ch++) {
                double s = 0;
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++)
                        s += (w[i] * w[j]) * rows[i][cx[j] + ch];
                double v = floor(s + 0.5);
                o[3 * x + ch] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
    }
}

/* ------------------------------------------------------------ brightness */

IMG_CLONES void img_brightness(uint8_t *px, size_t n, int offset)
{
    if (offset >= 0) {
        unsigned o = offset > 255 ? 255u : (unsigned)offset;
        for (size_t i = 0; i < n; i++) {
            unsigned v = px[i] + o;
            px[i] = (uint8_t)(v > 255 ? 255 : v);
        }
    } else {
        unsigned o = offset < -255 ? 255u : (unsigned)-offset;
        for (size_t i = 0; i < n; i++)
            px[i] = (uint8_t)(px[i] > o ? px[i] - o : 0);
    }
}

static uint8_t bright1(int v, int offset)
{
    long t = (long)v + offset;
    return (uint8_t)(t < 0 ? 0 : t > 255 ? 255 : t);
}

/* --------------------------------------------------------- equalisation */

/* Fold before any 32-bit partial counter could overflow. */
#define HIST_FOLD_PIXELS ((uint64_t)UINT32_MAX)

static void hist_fold(struct img_hist *h)
{
    for (int cp = 0; cp < 4; cp++)
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++)
                h->total[c][v] += h->part[cp][c][v];
    memset(h->part, 0, sizeof h->part);
    h->pending = 0;
}

void img_hist_reset(struct img_hist *h)
{
    memset(h, 0, sizeof *h);
}

static void hist_count(uint32_t part[4][3][256], const uint8_t *p, size_t n)
{
    size_t i = 0;
    /* Four pixels per step, each to its own copy of the tables. */
    for (; i + 4 <= n; i += 4, p += 12) {
        part[0][0][p[0]]++; part[0][1][p[1]]++; part[0][2][p[2]]++;
        part[1][0][p[3]]++; part[1][1][p[4]]++; part[1][2][p[5]]++;
        part[2][0][p[6]]++; part[2][1][p[7]]++; part[2][2][p[8]]++;
        part[3][0][p[9]]++; part[3][1][p[10]]++; part[3][2][p[11]]++;
    }
    for (; i < n; i++, p += 3) {
        part[0][0][p[0]]++; part[0][1][p[1]]++; part[0][2][p[2]]++;
    }
}

void img_hist_add(struct img_hist *h, const uint8_t *rgb, size_t npix)
{
    while (npix > 0) {
        uint64_t room = HIST_FOLD_PIXELS - h->pending;
        size_t m = npix < room ? npix : (size_t)room;
        hist_count(h->part, rgb, m);
        h->pending += m;
        rgb += 3 * m;
        npix -= m;
        if (h->pending == HIST_FOLD_PIXELS)
            hist_fold(h);
    }
}

void img_hist_get(struct img_hist *h, uint64_t out[3][256])
{
    hist_fold(h);
    memcpy(out, h->total, sizeof h->total);
}

void img_eq_lut(const uint64_t hist[256], uint8_t lut[256])
{
    uint64_t n = 0;
    int vmin = -1;
    for (int v = 0; v < 256; v++) {
        if (vmin < 0 && hist[v] > 0)
            vmin = v;
        n += hist[v];
    }
    if (vmin < 0 || hist[vmin] == n) { /* empty, or a single value */
        for (int v = 0; v < 256; v++)
            lut[v] = (uint8_t)v;
        return;
    }
    uint64_t cdf_min = hist[vmin], den = n - cdf_min, cdf = 0;
    for (int v = 0; v < 256; v++) {
        cdf += hist[v];
        if (v < vmin) {
            lut[v] = 0;
            continue;
        }
        /* round half up of num * 255 / den, exactly */
        uint64_t num = cdf - cdf_min;
        lut[v] = (uint8_t)((2 * num * 255 + den) / (2 * den));
    }
}

void img_apply_lut(uint8_t *rgb, size_t npix, const uint8_t lut[3][256])
{
    const uint8_t *l0 = lut[0], *l1 = lut[1], *l2 = lut[2];
    for (size_t i = 0; i < npix; i++, rgb += 3) {
        uint8_t a = l0[rgb[0]], b = l1[rgb[1]], c = l2[rgb[2]];
        rgb[0] = a;
        rgb[1] = b;
        rgb[2] = c;
    }
}

void img_equalize(uint8_t *rgb, size_t npix)
{
    struct img_hist h;
    uint64_t tot[3][256];
    uint8_t lut[3][256];
    img_hist_reset(&h);
    img_hist_add(&h, rgb, npix);
    img_hist_get(&h, tot);
    for (int c = 0; c < 3; c++)
        img_eq_lut(tot[c], lut[c]);
    img_apply_lut(rgb, npix, lut);
}

/* -------------------------------------------------------------- pipeline */

void img_pipeline(const uint8_t *in, uint8_t *out, int width, int height,
                  const struct img_kernel *kr, enum blur_mode mode,
                  int brightness, struct img_ws *ws)
{
    size_t npix = (size_t)width * (size_t)height;
    uint64_t tot[3][256];
    uint8_t lut[3][256], eq[256], bl[256];
    img_hist_reset(&ws->hist);
    if (mode == BLUR_DIRECT) {
        img_blur_direct(in, out, width, height, kr);
        img_hist_add(&ws->hist, out, npix);
    } else {
        img_blur_separable(in, out, width, height, kr, ws, &ws->hist);
    }
    img_hist_get(&ws->hist, tot);
    for (int v = 0; v < 256; v++)
        bl[v] = bright1(v, brightness);
    for (int c = 0; c < 3; c++) {
        /* the histogram the brightened image would have */
        uint64_t hb[256] = {0};
        for (int v = 0; v < 256; v++)
            hb[bl[v]] += tot[c][v];
        img_eq_lut(hb, eq);
        for (int v = 0; v < 256; v++)
            lut[c][v] = eq[bl[v]];
    }
    img_apply_lut(out, npix, lut);
}
