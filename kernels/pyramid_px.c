/* kernels/pyramid_px.c: the pyramid's level plan, pixel arithmetic and
 * inputs (pyramid.h), with no I/O. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernels/pyramid.h"

int pyr_plan_make(struct pyr_plan *p, size_t images, uint64_t side,
                  uint64_t min_side, unsigned depth, char *err,
                  size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (depth != 8 && depth != 16) {
        snprintf(err, errlen, "--depth %u: 8 or 16", depth);
        return -EINVAL;
    }
    if (images < 1) {
        snprintf(err, errlen, "--images: at least 1");
        return -EINVAL;
    }
    if (side <= min_side || side < 2) {
        snprintf(err, errlen, "--side %llu must be above --min-side %llu "
                 "(and at least 2): no level to make",
                 (unsigned long long)side, (unsigned long long)min_side);
        return -EINVAL;
    }
    if (side > 65536) {
        snprintf(err, errlen, "--side %llu: at most 65536",
                 (unsigned long long)side);
        return -EINVAL;
    }
    p->depth = depth;
    p->count[0] = images;
    p->side[0] = (uint32_t)side;
    while (p->side[p->levels] > min_side && p->side[p->levels] >= 2) {
        unsigned l = ++p->levels;
        if (l > PYR_MAX_LEVELS) { /* cannot happen with side <= 65536 */
            snprintf(err, errlen, "too many levels");
            return -EINVAL;
        }
        p->side[l] = p->side[l - 1] / 2;
        p->count[l] = (p->count[l - 1] + 1) / 2;
        p->first[l] = p->outputs;
        p->outputs += p->count[l];
    }
    return 0;
}

size_t pyr_image_bytes(const struct pyr_plan *p, unsigned l)
{
    return (size_t)p->side[l] * p->side[l] * (p->depth / 8);
}

/* The exact mean of the 8 (or 4) pixels, rounded half up: integer sums,
 * one rounding.  The side of the output is side / 2 (rounded down).  One
 * body for both depths: T is the sample type. */
#define PYR_STEP(NAME, T)                                                    \
    void NAME(const T *a, const T *b, uint32_t side, T *out)                 \
    {                                                                        \
        const uint32_t h = side / 2;                                         \
        for (uint32_t y = 0; y < h; y++) {                                   \
            const T *a0 = a + (size_t)2 * y * side, *a1 = a0 + side;         \
            T *o = out + (size_t)y * h;                                      \
            if (b) {                                                         \
                const T *b0 = b + (size_t)2 * y * side, *b1 = b0 + side;     \
                for (uint32_t x = 0; x < h; x++) {                           \
                    uint32_t s = (uint32_t)a0[2 * x] + a0[2 * x + 1] +       \
                                 a1[2 * x] + a1[2 * x + 1] + b0[2 * x] +     \
                                 b0[2 * x + 1] + b1[2 * x] + b1[2 * x + 1];  \
                    o[x] = (T)((s + 4) >> 3);                                \
                }                                                            \
            } else {                                                         \
                for (uint32_t x = 0; x < h; x++) {                           \
                    uint32_t s = (uint32_t)a0[2 * x] + a0[2 * x + 1] +       \
                                 a1[2 * x] + a1[2 * x + 1];                  \
                    o[x] = (T)((s + 2) >> 2);                                \
                }                                                            \
            }                                                                \
        }                                                                    \
    }

PYR_STEP(pyr_step8, uint8_t)
PYR_STEP(pyr_step16, uint16_t)

void pyr_step(unsigned depth, const void *a, const void *b, uint32_t side,
              void *out)
{
    if (depth == 8)
        pyr_step8(a, b, side, out);
    else
        pyr_step16(a, b, side, out);
}

void pyr_make_image(unsigned depth, uint32_t side, uint64_t seed,
                    size_t index, void *px)
{
    for (uint32_t y = 0; y < side; y++) {
        uint64_t s = seed ^ (0x9e3779b97f4a7c15ull * (index + 1)) ^
                     ((uint64_t)y << 40);
        uint64_t r = 0;
        for (uint32_t x = 0; x < side; x++) {
            if ((x & 3) == 0)
                r = pb_splitmix64(&s);
            uint32_t noise = (uint32_t)(r >> (16 * (x & 3))) & 0xffff;
            if (depth == 8)
                ((uint8_t *)px)[(size_t)y * side + x] =
                    (uint8_t)(((x + 3 * y) >> 4) + 5 * index + (noise & 31));
            else
                ((uint16_t *)px)[(size_t)y * side + x] =
                    (uint16_t)(((x * 7 + y * 13) << 2) + 257 * index +
                               (noise & 4095));
        }
    }
}

uint64_t pyr_image_hash(unsigned l, size_t j, const void *px, size_t bytes)
{
    return pb_hash64(px, bytes, ((uint64_t)l << 48) ^ (uint64_t)j ^
                                    0x7079726d6964ull /* "pyrmid" */);
}
