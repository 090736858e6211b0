/* kernels/image_pairs.c: the pipeline's pair tables (see image.h): the
 * histogram counted, and the equalisation table applied, two bytes at a
 * time through 65536-entry tables, one per phase of the 16-bit words of an
 * interleaved RGB row.  Profiles of the pipeline showed counting and the
 * table lookup, one memory access per byte each, costing more than the
 * blur; this halves the accesses.  Results equal the byte-wise code
 * exactly: counts are folded back into per-channel totals, and the pair
 * map holds the two per-channel table entries side by side.
 *
 * Words are assembled from bytes (lo | hi << 8), so the code does not
 * depend on byte order; on x86 the compiler makes them plain 16-bit loads.
 */
#include "kernels/image.h"

#include <string.h>

#define PAIR_TABLE 65536u

/* Channel of the low and of the high byte of a word, by phase. */
static const int lo_ch[3] = {0, 2, 1};
static const int hi_ch[3] = {1, 0, 2};

static inline unsigned word(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* The 16-bit words of 24 bytes (12 words, four of each phase) through
 * three 64-bit loads: fewer loads than one per word, and measured 10%
 * faster.  Little-endian only; elsewhere the byte-wise loop does it all. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PAIR_U64 1
#define W0(x) ((x) & 0xffff)
#define W1(x) (((x) >> 16) & 0xffff)
#define W2(x) (((x) >> 32) & 0xffff)
#define W3(x) ((x) >> 48)
#endif

void img_pair_count(uint32_t *pair, uint32_t part[3][256], const uint8_t *p,
                    size_t npix)
{
    uint32_t *t0 = pair, *t1 = pair + PAIR_TABLE, *t2 = pair + 2 * PAIR_TABLE;
    size_t n = 3 * npix, i = 0;
#ifdef PAIR_U64
    for (; i + 24 <= n; i += 24) {
        uint64_t a, b, c;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        memcpy(&c, p + i + 16, 8);
        t0[W0(a)]++; t1[W1(a)]++; t2[W2(a)]++; t0[W3(a)]++;
        t1[W0(b)]++; t2[W1(b)]++; t0[W2(b)]++; t1[W3(b)]++;
        t2[W0(c)]++; t0[W1(c)]++; t1[W2(c)]++; t2[W3(c)]++;
    }
#endif
    /* two pixels, three words, one per phase */
    for (; i + 6 <= n; i += 6) {
        t0[word(p + i)]++;
        t1[word(p + i + 2)]++;
        t2[word(p + i + 4)]++;
    }
    for (; i < n; i++) /* an odd last pixel */
        part[i % 3][p[i]]++;
}

void img_pair_fold(uint32_t *pair, uint64_t total[3][256])
{
    for (int t = 0; t < 3; t++) {
        uint32_t *tab = pair + (size_t)t * PAIR_TABLE;
        uint64_t col[256] = {0};
        for (int hi = 0; hi < 256; hi++) {
            uint32_t *row = tab + 256 * hi;
            uint64_t sum = 0;
            for (int lo = 0; lo < 256; lo++) {
                col[lo] += row[lo];
                sum += row[lo];
            }
            memset(row, 0, 256 * sizeof row[0]);
            total[hi_ch[t]][hi] += sum;
        }
        for (int lo = 0; lo < 256; lo++)
            total[lo_ch[t]][lo] += col[lo];
    }
}

void img_hist_use_pairs(struct img_hist *h, uint32_t *pair)
{
    memset(pair, 0, sizeof(uint32_t) * IMG_PAIR_WORDS);
    h->pair = pair;
}

void img_apply_lut_pairs(uint8_t *rgb, size_t npix,
                         const uint8_t lut[3][256], uint16_t *map)
{
    for (int t = 0; t < 3; t++) {
        uint16_t *tab = map + (size_t)t * PAIR_TABLE;
        const uint8_t *ll = lut[lo_ch[t]];
        for (int hi = 0; hi < 256; hi++) {
            uint16_t hv = (uint16_t)(lut[hi_ch[t]][hi] << 8);
            for (int lo = 0; lo < 256; lo++)
                tab[256 * hi + lo] = (uint16_t)(hv | ll[lo]);
        }
    }
    const uint16_t *m0 = map, *m1 = map + PAIR_TABLE,
                   *m2 = map + 2 * PAIR_TABLE;
    size_t n = 3 * npix, i = 0;
#ifdef PAIR_U64
    /* 24 bytes in three 64-bit loads and stores: one store per 8 bytes
     * instead of one per byte made this twice as fast. */
#define M(t, w) ((uint64_t)(t)[w])
    for (; i + 24 <= n; i += 24) {
        uint64_t a, b, c;
        memcpy(&a, rgb + i, 8);
        memcpy(&b, rgb + i + 8, 8);
        memcpy(&c, rgb + i + 16, 8);
        a = M(m0, W0(a)) | M(m1, W1(a)) << 16 | M(m2, W2(a)) << 32 |
            M(m0, W3(a)) << 48;
        b = M(m1, W0(b)) | M(m2, W1(b)) << 16 | M(m0, W2(b)) << 32 |
            M(m1, W3(b)) << 48;
        c = M(m2, W0(c)) | M(m0, W1(c)) << 16 | M(m1, W2(c)) << 32 |
            M(m2, W3(c)) << 48;
        memcpy(rgb + i, &a, 8);
        memcpy(rgb + i + 8, &b, 8);
        memcpy(rgb + i + 16, &c, 8);
    }
#undef M
#endif
    for (; i + 6 <= n; i += 6) {
        uint16_t a = m0[word(rgb + i)], b = m1[word(rgb + i + 2)],
                 c = m2[word(rgb + i + 4)];
        rgb[i] = (uint8_t)a;
        rgb[i + 1] = (uint8_t)(a >> 8);
        rgb[i + 2] = (uint8_t)b;
        rgb[i + 3] = (uint8_t)(b >> 8);
        rgb[i + 4] = (uint8_t)c;
        rgb[i + 5] = (uint8_t)(c >> 8);
    }
    for (; i < n; i++)
        rgb[i] = lut[i % 3][rgb[i]];
}
