/* kernels/image.c: the image workload's Gaussian blur: kernel weights,
 * reflect-101 borders, the direct reference and the fast separable blur.
 * (Brightness, equalisation and the pipeline: kernels/image_tone.c.)
 * Contracts in kernels/image.h.
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

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
        kr->wq[j] = (uint16_t)lround(kr->w[j] * IMG_WQ_ONE);
        qsum += kr->wq[j];
    }
    /* Symmetric rounding keeps wq symmetric; the residue goes on the centre
     * so a constant image stays exactly constant. */
    kr->wq[kr->r] = (uint16_t)((long long)kr->wq[kr->r] +
                               ((long long)IMG_WQ_ONE - qsum));
    return 0;
}

const char *img_code_path(void)
{
#if defined(__AVX2__)
    return "avx2 (whole build)";
#elif !defined(IMG_HAVE_CLONES)
    return "baseline (no target_clones)";
#else
    return __builtin_cpu_supports("avx2") ? "avx2 (target_clones)"
                                          : "baseline (target_clones)";
#endif
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

/* Most columns per vertical strip: the k ring rows of one strip take at
 * most 64 KiB, so the vertical pass reads them from L1 or near L2 rather
 * than far L2 (measured on Zen 3: k = 21 gains 40%, k = 5 never needs
 * strips for 2048 columns).  A multiple of 32, at least 32. */
static int strip_width(int k)
{
    int s = 65536 / (6 * k) / 32 * 32;
    return s < 32 ? 32 : s;
}

/* Columns per strip for this width: as few strips as ws allows, of equal
 * widths (rounded up to 32) so the last one is not a sliver. */
static int strip_for(const struct img_ws *ws, int width)
{
    int n = (width + ws->strip - 1) / ws->strip;
    int s = ((width + n - 1) / n + 31) / 32 * 32;
    return s < ws->strip ? s : ws->strip;
}

struct img_ws *img_ws_create(int max_width, int k)
{
    if (max_width < 1 || k < 1 || k > IMG_KMAX || k % 2 == 0)
        return NULL;
    struct img_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->max_width = max_width;
    ws->k = k;
    ws->strip = strip_width(k) < max_width ? strip_width(k) : max_width;
    ws->stride = (3 * (size_t)ws->strip + 31) & ~(size_t)31;
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
    ws->pair_hist = malloc(sizeof(uint32_t) * IMG_PAIR_WORDS);
    ws->pair_map = malloc(sizeof(uint16_t) * IMG_PAIR_WORDS);
    ws->pair_min = IMG_PAIR_MIN_PIXELS;
    if (!ws->ring || !ws->tag || !ws->btab || !ws->pair_hist ||
        !ws->pair_map) {
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
    free(ws->pair_hist);
    free(ws->pair_map);
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
                        const uint16_t *wq, const int r)
{
    uint16_t w[FIX_RMAX + 1];
    const uint8_t *lo[FIX_RMAX + 1], *hi[FIX_RMAX + 1];
    for (int j = 0; j <= r; j++) {
        w[j] = wq[j];
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
                            ptrdiff_t n, const uint16_t *wq)
{
    h_fixed(s, d, n, wq, 2);
}
IMG_CLONES static void h_r5(const uint8_t *s, uint16_t *restrict d,
                            ptrdiff_t n, const uint16_t *wq)
{
    h_fixed(s, d, n, wq, 5);
}
IMG_CLONES static void h_r7(const uint8_t *s, uint16_t *restrict d,
                            ptrdiff_t n, const uint16_t *wq)
{
    h_fixed(s, d, n, wq, 7);
}
IMG_CLONES static void h_r10(const uint8_t *s, uint16_t *restrict d,
                             ptrdiff_t n, const uint16_t *wq)
{
    h_fixed(s, d, n, wq, 10);
}

/* Any radius: accumulate tap by tap over blocks of BLOCK bytes. */
IMG_CLONES static void h_generic(const uint8_t *s, uint16_t *restrict d,
                                 ptrdiff_t n, const uint16_t *wq, int r)
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

/* A border column x: every tap through its row t of the index table. */
static void h_border(const uint8_t *src, uint16_t *dst, const int32_t *t,
                     const struct img_kernel *kr, int shift)
{
    for (int ch = 0; ch < 3; ch++) {
        uint32_t acc = 0;
        for (int j = 0; j < kr->k; j++)
            acc += (uint32_t)kr->wq[j] * src[t[j] + ch];
        dst[ch] = (uint16_t)((acc + (1u << (shift - 1))) >> shift);
    }
}

/* Columns [x0, x1) of one source row into dst (dst[0] is column x0):
 * border columns through the table, the interior straight.  The unrolled
 * radii store value * 128, the others value * 256 (see v_row). */
static void h_row(const uint8_t *src, uint16_t *dst, int width, int x0,
                  int x1, const struct img_kernel *kr, const int32_t *btab)
{
    int k = kr->k, r = kr->r, xl, xr;
    border_split(width, r, &xl, &xr);
    const int shift = unrolled(r) ? 9 : 8;
    for (int x = x0; x < x1 && x < xl; x++)
        h_border(src, dst + 3 * (x - x0), btab + (size_t)x * k, kr, shift);
    for (int x = x0 > xr ? x0 : xr; x < x1; x++)
        h_border(src, dst + 3 * (x - x0), btab + (size_t)(xl + x - xr) * k,
                 kr, shift);
    int i0 = x0 > xl ? x0 : xl, i1 = x1 < xr ? x1 : xr;
    if (i1 <= i0)
        return;
    const uint8_t *s = src + 3 * (ptrdiff_t)i0;
    uint16_t *d = dst + 3 * (ptrdiff_t)(i0 - x0);
    ptrdiff_t n = 3 * (ptrdiff_t)(i1 - i0);
    switch (r) {
    case 2: h_r2(s, d, n, kr->wq); break;
    case 5: h_r5(s, d, n, kr->wq); break;
    case 7: h_r7(s, d, n, kr->wq); break;
    case 10: h_r10(s, d, n, kr->wq); break;
    default: h_generic(s, d, n, kr->wq, r); break;
    }
}

/* ------------------------------------------------------ vertical pass */

/* rows[0..2r] are the filtered rows y-r..y+r (reflected); n bytes out.
 * Rows from h_fixed hold value * 128 (<= 32640 + bias), so pair sums fit
 * 16 bits, and so does the total, which stays <= 32640 + 2 * bias + 64:
 * (acc >> 7) <= 255. */
IMG_INLINE void v_fixed(const uint16_t *const *rows, uint8_t *restrict d,
                        ptrdiff_t n, const uint16_t *wq, const int r)
{
    uint16_t w[FIX_RMAX + 1];
    const uint16_t *p[2 * FIX_RMAX + 1];
    for (int j = 0; j <= 2 * r; j++)
        p[j] = rows[j];
    for (int j = 0; j <= r; j++)
        w[j] = wq[j];
    const uint16_t bias = (uint16_t)((r + 1) / 2 + 64);
    for (ptrdiff_t c = 0; c < n; c++) {
        uint16_t acc = bias + mulhi(p[r][c], w[r]);
        for (int j = 1; j <= r; j++)
            acc += mulhi((uint16_t)(p[r - j][c] + p[r + j][c]), w[r - j]);
        d[c] = (uint8_t)(acc >> 7);
    }
}

IMG_CLONES static void v_r2(const uint16_t *const *rows, uint8_t *restrict d,
                            ptrdiff_t n, const uint16_t *wq)
{
    v_fixed(rows, d, n, wq, 2);
}
IMG_CLONES static void v_r5(const uint16_t *const *rows, uint8_t *restrict d,
                            ptrdiff_t n, const uint16_t *wq)
{
    v_fixed(rows, d, n, wq, 5);
}
IMG_CLONES static void v_r7(const uint16_t *const *rows, uint8_t *restrict d,
                            ptrdiff_t n, const uint16_t *wq)
{
    v_fixed(rows, d, n, wq, 7);
}
IMG_CLONES static void v_r10(const uint16_t *const *rows,
                             uint8_t *restrict d, ptrdiff_t n,
                             const uint16_t *wq)
{
    v_fixed(rows, d, n, wq, 10);
}

IMG_CLONES static void v_generic(const uint16_t *const *rows,
                                 uint8_t *restrict d, ptrdiff_t n,
                                 const uint16_t *wq, int r)
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

/* Source rows are read PREFETCH_ROWS ahead of the horizontal pass.  With
 * strips, each row is read in pieces one image row apart, a stride the
 * hardware prefetchers follow poorly: profiles showed the horizontal pass
 * stalled on its first loads of every row. */
#define PREFETCH_ROWS 4

static void prefetch_span(const uint8_t *row, int x0, int x1, int r,
                          int width)
{
    int a = x0 - r > 0 ? x0 - r : 0, b = x1 + r < width ? x1 + r : width;
    for (ptrdiff_t i = 3 * (ptrdiff_t)a; i < 3 * (ptrdiff_t)b; i += 64)
        __builtin_prefetch(row + i);
    __builtin_prefetch(row + 3 * (ptrdiff_t)b - 1);
}

void img_blur_separable(const uint8_t *in, uint8_t *out, int width,
                        int height, const struct img_kernel *kr,
                        struct img_ws *ws, struct img_hist *hist)
{
    int k = kr->k, r = kr->r;
    size_t rb = 3 * (size_t)width;
    const uint16_t *rows[IMG_KMAX];
    assert(ws->k == k && width <= ws->max_width);
    if (ws->btab_width != width)
        build_btab(ws, width, k);
    /* Vertical strips of up to ws->strip columns, each slid down the image.
     * Source row s lives in ring slot s % k.  The k rows one output row
     * needs always span at most k consecutive source rows (or all of them,
     * when height <= k), so they never share a slot, and each source row
     * is filtered once as the window slides down. */
    int strip = strip_for(ws, width);
    for (int x0 = 0; x0 < width; x0 += strip) {
        int x1 = width - x0 > strip ? x0 + strip : width;
        ptrdiff_t n = 3 * (ptrdiff_t)(x1 - x0);
        for (int s = 0; s < k; s++)
            ws->tag[s] = -1;
        for (int y = 0; y < height; y++) {
            int inside = y >= r && y + r < height;
            for (int j = 0; j < k; j++) {
                int s = inside ? y + j - r
                               : img_reflect101((long long)y + j - r, height);
                int slot = s % k;
                uint16_t *ring_row = ws->ring + (size_t)slot * ws->stride;
                if (ws->tag[slot] != s) {
                    if (s + PREFETCH_ROWS < height)
                        prefetch_span(in + (size_t)(s + PREFETCH_ROWS) * rb,
                                      x0, x1, r, width);
                    h_row(in + (size_t)s * rb, ring_row, width, x0, x1, kr,
                          ws->btab);
                    ws->tag[slot] = s;
                }
                rows[j] = ring_row;
            }
            uint8_t *o = out + (size_t)y * rb + 3 * (size_t)x0;
            v_row(rows, o, n, kr);
            if (hist)
                img_hist_add(hist, o, (size_t)(x1 - x0));
        }
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
