/* kernels/image_simd.c: explicit-SIMD passes of the separable blur for the
 * unrolled radii (2, 5, 7, 10: complexity 1 to 4), AVX2 and SSE2 builds of
 * one body (kernels/image_simd_body.c), the runtime choice between them,
 * and the row drivers that put border bytes through scalar code.
 *
 * Why not auto-vectorisation: GCC widens the interleaved RGB bytes with
 * vpmovzxbw/vextracti128 per tap, which saturates the shuffle ports; the
 * split layout below needs no shuffle at all (masks, pavgw, pmulhuw, adds),
 * about halving the time per tap.  Results are byte-identical to the
 * scalar loops (same per-tap truncation), which remain the path where
 * neither build applies (other CPUs, other radii).
 */
#include "kernels/image.h"

#include <errno.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define IMG_SIMD_X86 1
#endif

#if defined(__GNUC__)
#define IMG_SIMD_INLINE static inline __attribute__((always_inline))
#else
#define IMG_SIMD_INLINE static inline
#endif

#ifdef IMG_SIMD_X86
#define IMG_SIMD_BODY 1
#define FIX_RMAX IMG_FIX_RMAX

/* SSE2: part of x86-64 itself, so the baseline build. */
#define FN(x) x##_sse2
#define IMG_SIMD_ATTR
#define V __m128i
#define VLANES 8
#define V_LD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define V_LDA(p) _mm_load_si128((const __m128i *)(const void *)(p))
#define V_ST(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define V_AND _mm_and_si128
#define V_OR _mm_or_si128
#define V_ADD _mm_add_epi16
#define V_AVG _mm_avg_epu16
#define V_MULHI _mm_mulhi_epu16
#define V_SRL _mm_srli_epi16
#define V_SLL _mm_slli_epi16
#define V_SET1(x) _mm_set1_epi16((short)(x))
#include "kernels/image_simd_body.c"
#undef FN
#undef IMG_SIMD_ATTR
#undef V
#undef VLANES
#undef V_LD
#undef V_LDA
#undef V_ST
#undef V_AND
#undef V_OR
#undef V_ADD
#undef V_AVG
#undef V_MULHI
#undef V_SRL
#undef V_SLL
#undef V_SET1

/* AVX2: chosen at run time when the CPU has it. */
#pragma GCC push_options
#pragma GCC target("avx2")
#define FN(x) x##_avx2
#define IMG_SIMD_ATTR __attribute__((target("avx2")))
#define V __m256i
#define VLANES 16
#define V_LD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define V_LDA(p) _mm256_load_si256((const __m256i *)(const void *)(p))
#define V_ST(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define V_AND _mm256_and_si256
#define V_OR _mm256_or_si256
#define V_ADD _mm256_add_epi16
#define V_AVG _mm256_avg_epu16
#define V_MULHI _mm256_mulhi_epu16
#define V_SRL _mm256_srli_epi16
#define V_SLL _mm256_slli_epi16
#define V_SET1(x) _mm256_set1_epi16((short)(x))
#include "kernels/image_simd_body.c"
#pragma GCC pop_options
#endif

/* ------------------------------------------------------------- dispatch */

static const struct img_simd_ops *simd_cur;

#ifdef IMG_SIMD_X86
static const struct img_simd_ops *simd_best(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? &ops_avx2 : &ops_sse2;
}
#else
static const struct img_simd_ops *simd_best(void)
{
    return NULL;
}
#endif

/* Chosen once at load time, before any worker thread exists (a lazy choice
 * would be a data race between workers). */
__attribute__((constructor)) static void simd_init(void)
{
    simd_cur = simd_best();
}

const struct img_simd_ops *img_simd(void)
{
    return simd_cur;
}

const char *img_simd_name(void)
{
    return !simd_cur ? "scalar" : simd_cur->lanes == 16 ? "avx2" : "sse2";
}

int img_simd_force(const char *name)
{
    const struct img_simd_ops *best = simd_best();
    if (!strcmp(name, "auto"))
        simd_cur = best;
    else if (!strcmp(name, "scalar"))
        simd_cur = NULL;
#ifdef IMG_SIMD_X86
    else if (!strcmp(name, "sse2"))
        simd_cur = &ops_sse2;
    else if (!strcmp(name, "avx2") && best == &ops_avx2)
        simd_cur = &ops_avx2;
#endif
    else
        return -ENOTSUP;
    return 0;
}

int img_simd_slot(int r)
{
    return r == 2 ? 0 : r == 5 ? 1 : r == 7 ? 2 : r == 10 ? 3 : -1;
}

/* ---------------------------------------------------------- row drivers */

/* Index in a split-layout row of byte i (relative to the row start). */
static inline ptrdiff_t split_pos(ptrdiff_t i, int lanes)
{
    ptrdiff_t blk = 2 * (ptrdiff_t)lanes;
    return i / blk * blk + (i % 2) * lanes + i % blk / 2;
}

static inline uint16_t mulhi16(uint32_t x, uint32_t w)
{
    return (uint16_t)((x * w) >> 16);
}

/* One byte c of a row, as the scalar loops compute it: interior columns
 * per tap (h_fixed), border columns through the reflect table and one
 * rounded 32-bit sum (h_border). */
static uint16_t h_byte(const uint8_t *src, ptrdiff_t c, int width,
                       const struct img_kernel *kr, const int32_t *btab)
{
    int k = kr->k, r = kr->r, xl, xr;
    img_border_split(width, r, &xl, &xr);
    int x = (int)(c / 3), ch = (int)(c % 3);
    if (x < xl || x >= xr) {
        const int32_t *t = btab + (size_t)(x < xl ? x : xl + x - xr) * k;
        uint32_t acc = 0;
        for (int j = 0; j < k; j++)
            acc += (uint32_t)kr->wq[j] * src[t[j] + ch];
        return (uint16_t)((acc + 256) >> 9);
    }
    uint16_t acc = (uint16_t)((r + 1) / 2 + mulhi16(src[c] << 7, kr->wq[r]));
    for (int j = 1; j <= r; j++)
        acc += mulhi16((uint32_t)(src[c - 3 * j] + src[c + 3 * j]) << 7,
                       kr->wq[r - j]);
    return acc;
}

void img_h_row_split(const uint8_t *src, uint16_t *dst, int width, int x0,
                     int x1, const struct img_kernel *kr,
                     const int32_t *btab, const struct img_simd_ops *ops)
{
    const int L = ops->lanes, r = kr->r;
    const ptrdiff_t blk = 2 * L, base = 3 * (ptrdiff_t)x0;
    const ptrdiff_t n = 3 * (ptrdiff_t)(x1 - x0), rb = 3 * (ptrdiff_t)width;
    /* Blocks [ma, mb) (byte offsets in the strip) have all their taps, and
     * the extra byte before the first, inside the row, and are interior
     * columns; the rest goes byte by byte. */
    ptrdiff_t lo = 3 * (ptrdiff_t)r + 1 - base;
    ptrdiff_t ma = lo <= 0 ? 0 : (lo + blk - 1) / blk * blk;
    ptrdiff_t hi = rb - 3 * (ptrdiff_t)r - base; /* block end limit */
    ptrdiff_t mb = (hi < n ? hi : n) / blk * blk;
    if (mb < ma)
        mb = ma;
    if (mb > ma)
        ops->h[img_simd_slot(r)](src + base + ma, dst + ma, (mb - ma) / blk,
                                 kr->wq);
    for (ptrdiff_t i = 0; i < n; i++) {
        if (i == ma && mb > ma)
            i = mb;
        if (i >= n)
            break;
        dst[split_pos(i, L)] = h_byte(src, base + i, width, kr, btab);
    }
}

void img_v_row_split(const uint16_t *const *rows, uint8_t *o, ptrdiff_t n,
                     const struct img_kernel *kr,
                     const struct img_simd_ops *ops)
{
    const int L = ops->lanes, r = kr->r;
    const ptrdiff_t blk = 2 * L, full = n / blk * blk;
    if (full > 0)
        ops->v[img_simd_slot(r)](rows, o, full / blk, kr->wq);
    for (ptrdiff_t i = full; i < n; i++) {
        ptrdiff_t e = split_pos(i, L);
        uint16_t acc = (uint16_t)((r + 1) / 2 + 64 +
                                  mulhi16(rows[r][e], kr->wq[r]));
        for (int j = 1; j <= r; j++)
            acc += mulhi16((uint16_t)(rows[r - j][e] + rows[r + j][e]),
                           kr->wq[r - j]);
        o[i] = (uint8_t)(acc >> 7);
    }
}
