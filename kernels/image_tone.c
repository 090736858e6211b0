/* kernels/image_tone.c: the image workload's tone kernels: brightness,
 * per-channel histograms and equalisation, and img_pipeline(), the whole
 * per-task work (blur from kernels/image.c, then these).  Contracts in
 * kernels/image.h.
 *
 * Speed notes.  Brightness is a saturating add the compiler vectorises.
 * Histograms spread consecutive pixels over four copies of the tables, so
 * runs of equal values (common after a blur) do not serialise on one
 * counter.  The pipeline counts the histogram while the blur's output rows
 * are still in cache, and folds brightness into the equalisation table, so
 * the image is read once more (to apply the table) instead of three times.
 */
#include "kernels/image.h"

#include <string.h>

/* ------------------------------------------------------------ brightness */

/* (The clones are static: clang names an exported multiversioned function
 * differently in callers that do not see the attribute.) */
IMG_CLONES static void brightness(uint8_t *px, size_t n, int offset)
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

void img_brightness(uint8_t *px, size_t n, int offset)
{
    brightness(px, n, offset);
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
    if (h->pair)
        img_pair_fold(h->pair, h->total);
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
        if (h->pair)
            img_pair_count(h->pair, h->part[0], rgb, m);
        else
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

/* One table lookup per byte, stored 8 bytes at a time: 24 bytes (8 pixels)
 * per step, whose channel pattern repeats, so the shifts are constants. */
#define LK(t, x, s) ((uint64_t)(t)[((x) >> (8 * (s))) & 255] << (8 * (s)))

#if defined(__GNUC__) && defined(__x86_64__) && !defined(IMG_NO_AVX2)
#include <immintrin.h>
#define TONE_VBMI 1
/* The table through AVX-512 VBMI, 64 bytes per step.  vpermt2b looks up 64
 * bytes at once in a 128-entry table held in two registers (index bits
 * 0-6; bit 7 ignored), so each channel's table is two such halves, and each
 * byte takes the lookup of its channel and half: masks by channel (the
 * pattern of 64 interleaved bytes repeats every three steps) and by bit 7.
 * Profiles of the pipeline showed the scalar table lookups (even two bytes
 * at a time through the pair map) costing a quarter of the task; this is
 * about six times faster.  Returns the bytes done (a multiple of 192). */
__attribute__((target("avx512f,avx512bw,avx512vbmi")))
static size_t apply_lut_vbmi(uint8_t *rgb, size_t n,
                             const uint8_t lut[3][256])
{
    __m512i tab[3][4];
    __mmask64 chan[3][3]; /* [step % 3][channel] */
    for (int c = 0; c < 3; c++)
        for (int q = 0; q < 4; q++)
            tab[c][q] = _mm512_loadu_si512((const void *)(lut[c] + 64 * q));
    for (int ph = 0; ph < 3; ph++)
        for (int c = 0; c < 3; c++) {
            __mmask64 m = 0;
            for (int b = 0; b < 64; b++)
                if ((64 * ph + b) % 3 == c)
                    m |= (__mmask64)1 << b;
            chan[ph][c] = m;
        }
    size_t i = 0;
    for (; i + 192 <= n; i += 192) /* whole pixels, and the masks repeat */
        for (int ph = 0; ph < 3; ph++) {
            uint8_t *p = rgb + i + 64 * ph;
            __m512i x = _mm512_loadu_si512((const void *)p);
            __mmask64 hi = _mm512_movepi8_mask(x);
            __m512i v[3];
            for (int c = 0; c < 3; c++) {
                __m512i a = _mm512_maskz_permutex2var_epi8(
                    _kandn_mask64(hi, chan[ph][c]), tab[c][0], x, tab[c][1]);
                __m512i b = _mm512_maskz_permutex2var_epi8(
                    _kand_mask64(hi, chan[ph][c]), tab[c][2], x, tab[c][3]);
                v[c] = _mm512_or_si512(a, b);
            }
            /* 0xFE: a | b | c */
            _mm512_storeu_si512((void *)p, _mm512_ternarylogic_epi64(
                                               v[0], v[1], v[2], 0xFE));
        }
    return i;
}
#endif

void img_apply_lut(uint8_t *rgb, size_t npix, const uint8_t lut[3][256])
{
    const uint8_t *l0 = lut[0], *l1 = lut[1], *l2 = lut[2];
    size_t n = 3 * npix, i = 0;
#ifdef TONE_VBMI
    if (img_simd_level() >= IMG_SIMD_VBMI)
        i = apply_lut_vbmi(rgb, n, lut);
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 24 <= n; i += 24) {
        uint64_t a, b, c;
        memcpy(&a, rgb + i, 8);
        memcpy(&b, rgb + i + 8, 8);
        memcpy(&c, rgb + i + 16, 8);
        a = LK(l0, a, 0) | LK(l1, a, 1) | LK(l2, a, 2) | LK(l0, a, 3) |
            LK(l1, a, 4) | LK(l2, a, 5) | LK(l0, a, 6) | LK(l1, a, 7);
        b = LK(l2, b, 0) | LK(l0, b, 1) | LK(l1, b, 2) | LK(l2, b, 3) |
            LK(l0, b, 4) | LK(l1, b, 5) | LK(l2, b, 6) | LK(l0, b, 7);
        c = LK(l1, c, 0) | LK(l2, c, 1) | LK(l0, c, 2) | LK(l1, c, 3) |
            LK(l2, c, 4) | LK(l0, c, 5) | LK(l1, c, 6) | LK(l2, c, 7);
        memcpy(rgb + i, &a, 8);
        memcpy(rgb + i + 8, &b, 8);
        memcpy(rgb + i + 16, &c, 8);
    }
#endif
    for (; i < n; i += 3) {
        rgb[i] = l0[rgb[i]];
        rgb[i + 1] = l1[rgb[i + 1]];
        rgb[i + 2] = l2[rgb[i + 2]];
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
    /* The pair tables pay from pair_min pixels on, for counting; for
     * applying the table the AVX-512 VBMI code, where there is one, is
     * faster still and needs no pair map. */
    int pairs = npix >= ws->pair_min;
    int map_pairs = pairs && img_simd_level() < IMG_SIMD_VBMI;
    img_hist_reset(&ws->hist);
    if (pairs)
        img_hist_use_pairs(&ws->hist, ws->pair_hist);
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
    if (map_pairs)
        img_apply_lut_pairs(out, npix, (const uint8_t(*)[256])lut,
                            ws->pair_map);
    else
        img_apply_lut(out, npix, (const uint8_t(*)[256])lut);
}
