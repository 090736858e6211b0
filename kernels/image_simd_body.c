/* kernels/image_simd_body.c: the body of the explicit-SIMD blur passes,
 * written once and compiled twice by kernels/image_simd.c (SSE2 and AVX2,
 * through the V_* macros it defines first).  On its own this file compiles
 * to nothing (the Makefile builds every C file in kernels/).
 *
 * Ring layout ("split"): a row's bytes are stored in blocks of 2 * VLANES
 * bytes; within a block the VLANES even bytes come first, then the odd
 * ones.  That is what the loads give for free (see h_blk), and the
 * vertical pass is element-wise, so only its final byte store has to
 * interleave them again (E | O << 8, one OR and one shift).
 *
 * Arithmetic is exactly that of h_fixed()/v_fixed() in kernels/image.c
 * (per-tap pmulhuw truncation, the same biases, 16-bit wrap-around), so the
 * output is byte-identical to the scalar code and to earlier versions.
 */
#ifdef IMG_SIMD_BODY

/* Horizontal: nblk blocks; block b covers source bytes s + 2*VLANES*b.
 * Byte c of the row is the high byte of the 16-bit word at c - 1, so a
 * word load at c - 1 (even outputs) and at c (odd outputs), masked with
 * 0xff00, gives value * 256 in every lane with no shuffle; pavgw of two
 * such words is (a + b) * 128 exactly (the sum is even), which is the
 * scaled pair sum h_fixed multiplies.  Reads bytes s - 1 - 3r ..
 * s + 2*VLANES*nblk + 3r - 1. */
IMG_SIMD_INLINE void FN(h_blk)(const uint8_t *s, uint16_t *d,
                               ptrdiff_t nblk, const uint16_t *wq,
                               const int r)
{
    const V m = V_SET1(0xff00);
    const V bias = V_SET1((r + 1) / 2);
    V w[FIX_RMAX + 1];
    for (int j = 0; j <= r; j++)
        w[j] = V_SET1(wq[j]);
    for (ptrdiff_t b = 0; b < nblk; b++, s += 2 * VLANES, d += 2 * VLANES) {
        for (int par = 0; par < 2; par++) {
            const uint8_t *p = s + par - 1;
            V acc = V_ADD(bias, V_MULHI(V_SRL(V_AND(V_LD(p), m), 1), w[r]));
            for (int j = 1; j <= r; j++) {
                V lo = V_AND(V_LD(p - 3 * j), m);
                V hi = V_AND(V_LD(p + 3 * j), m);
                acc = V_ADD(acc, V_MULHI(V_AVG(lo, hi), w[r - j]));
            }
            V_ST(d + par * VLANES, acc);
        }
    }
}

/* Vertical: nblk blocks of rows[0..2r] (split layout) into bytes. */
IMG_SIMD_INLINE void FN(v_blk)(const uint16_t *const *rows, uint8_t *o,
                               ptrdiff_t nblk, const uint16_t *wq,
                               const int r)
{
    const V bias = V_SET1((r + 1) / 2 + 64);
    V w[FIX_RMAX + 1];
    for (int j = 0; j <= r; j++)
        w[j] = V_SET1(wq[j]);
    for (ptrdiff_t e = 0; e < 2 * VLANES * nblk; e += 2 * VLANES) {
        V res[2];
        for (int par = 0; par < 2; par++) {
            ptrdiff_t i = e + par * VLANES;
            V acc = V_ADD(bias, V_MULHI(V_LDA(rows[r] + i), w[r]));
            for (int j = 1; j <= r; j++)
                acc = V_ADD(acc, V_MULHI(V_ADD(V_LDA(rows[r - j] + i),
                                               V_LDA(rows[r + j] + i)),
                                         w[r - j]));
            res[par] = V_SRL(acc, 7);
        }
        V_ST(o + e, V_OR(res[0], V_SLL(res[1], 8)));
    }
}

#define IMG_SIMD_RADIUS(R)                                                    \
    static IMG_SIMD_ATTR void FN(h_r##R)(const uint8_t *s, uint16_t *d,       \
                                         ptrdiff_t nblk, const uint16_t *wq)  \
    {                                                                         \
        FN(h_blk)(s, d, nblk, wq, R);                                         \
    }                                                                         \
    static IMG_SIMD_ATTR void FN(v_r##R)(const uint16_t *const *rows,         \
                                         uint8_t *o, ptrdiff_t nblk,          \
                                         const uint16_t *wq)                  \
    {                                                                         \
        FN(v_blk)(rows, o, nblk, wq, R);                                      \
    }
IMG_SIMD_RADIUS(2)
IMG_SIMD_RADIUS(5)
IMG_SIMD_RADIUS(7)
IMG_SIMD_RADIUS(10)
#undef IMG_SIMD_RADIUS

static const struct img_simd_ops FN(ops) = {
    VLANES,
    {FN(h_r2), FN(h_r5), FN(h_r7), FN(h_r10)},
    {FN(v_r2), FN(v_r5), FN(v_r7), FN(v_r10)},
};

#endif
