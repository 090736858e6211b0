/* kernels/image.h: the image workload's kernels, for the workload itself
 * (kernels/image_wl.c), its unit tests and the kernel benchmark.
 *
 * Images are interleaved 8-bit RGB, rows packed (stride = 3 * width bytes).
 * The per-task pipeline is: Gaussian blur (in -> out), brightness offset on
 * out, per-channel histogram equalisation on out.  See DESIGN.md
 * "Workload definitions" for the exact rules; the comments below say how
 * each function meets them.
 *
 * Nothing here allocates except img_ws_create(), so a worker creates one
 * workspace up front and runs any number of tasks without touching malloc.
 *
 * Where things are: the blur in kernels/image.c; brightness, equalisation
 * and the pipeline in kernels/image_tone.c; the workload (wl_image) and its
 * input images in kernels/image_wl.c.  (bench/engine/dump.c writes images
 * as PPM files.)
 */
#ifndef PB_IMAGE_H
#define PB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/workload.h"

/* --blur: the order of the names in the option's row (image_wl.c). */
enum blur_mode { BLUR_SEPARABLE = 0, BLUR_DIRECT = 1 };

/* Largest supported complexity and kernel size.  Above this the fixed-point
 * weights of the separable blur could drift more than one level from the
 * double-precision reference (tests/unit/test_image.c checks the bound for
 * every complexity up to here). */
#define IMG_COMPLEXITY_MAX 40
#define IMG_KMAX (5 * IMG_COMPLEXITY_MAX + 1)

/* Fixed-point scale of the separable blur's generic 1-D weights (Q16). */
#define IMG_WQ_ONE 65536u

/* Radii up to this (complexity 1..4) use the 16-bit separable blur; larger
 * ones the 32-bit one.  See kernels/image_sep.c for both. */
#define IMG_R16_MAX 10

/* A blur kernel, derived from the complexity by img_kernel_init(). */
struct img_kernel {
    int k;          /* kernel size, odd: 5*complexity, +1 when even */
    int r;          /* radius, (k - 1) / 2 */
    double sigma;   /* 0.3 * ((k - 1) / 2 - 1) + 0.8 (OpenCV's rule) */
    double w[IMG_KMAX];   /* 1-D weights g(x) normalised to sum 1 */
    uint16_t wq[IMG_KMAX]; /* w in Q16, summing exactly to 65536 (the
                              rounding residue is put on the centre tap);
                              every weight is < 1, so each fits 16 bits:
                              the 32-bit blur's weights (r > IMG_R16_MAX) */
    /* The 16-bit blur's weights by distance j from the centre (0..r), for
     * r <= IMG_R16_MAX (see kernels/image_sep.c):
     *  vq: vertical pass, vq[j] = round(w * 2^17) for j >= 1 (applied to
     *      64 * (pixel pair sum)), vq[0] = 2^16 - sum(vq[1..r]) (applied to
     *      128 * centre pixel): effective weights vq[j] / 2^17 per pixel,
     *      vq[0] / 2^16 at the centre, summing to exactly 1;
     *  hq: horizontal pass, hq[j] = round(w * 2^16) for j >= 1 (applied to
     *      pair sums), hq[0] = 2^16 - 2 * sum(hq[1..r]) (centre):
     *      effective weights hq / 2^16, summing to exactly 1. */
    uint16_t vq[IMG_R16_MAX + 1];
    uint16_t hq[IMG_R16_MAX + 1];
};

/* Kernel size for a complexity (>= 1); 0 when out of range. */
int img_kernel_size(unsigned complexity);
/* sigma for a kernel size k. */
double img_sigma(int k);
/* Fill *kr for a complexity in 1..IMG_COMPLEXITY_MAX; 0 or -EINVAL. */
int img_kernel_init(struct img_kernel *kr, unsigned complexity);

/* Which build of the hot loops runs here, for reports: "avx2" or
 * "baseline", plus how it was chosen. */
const char *img_code_path(void);
/* The explicit SIMD code in use, chosen at run time from the CPU:
 * IMG_SIMD_VBMI: the AVX2 blur, and equalisation tables applied with
 * AVX-512 VBMI byte permutes; IMG_SIMD_AVX2: the AVX2 blur, tables applied
 * by scalar code; IMG_SIMD_BASELINE: plain C (compiler-vectorised) for
 * both.  Every level gives identical bytes. */
enum { IMG_SIMD_BASELINE = 0, IMG_SIMD_AVX2 = 1, IMG_SIMD_VBMI = 2 };
int img_simd_level(void);
/* Test hook: use at most level (IMG_SIMD_*) from now on; returns the
 * previous limit.  Not thread-safe: call it before starting workers. */
int img_simd_limit(int level);

/* Reflect-101 border: ...c b | a b c ... d | c b...  (edge not repeated),
 * applied repeatedly, so any i maps into 0..n-1; for n == 1 everything
 * maps to 0.  n must be >= 1. */
int img_reflect101(long long i, int n);

/* Per-channel histograms of an RGB buffer.  Counts go to four interleaved
 * 32-bit copies per channel (so runs of equal values, common in smooth
 * images, do not serialise on one counter) and are folded into 64-bit totals
 * before any 32-bit counter could overflow. */
struct img_hist {
    uint32_t part[4][3][256]; /* [copy][channel][value] partial counts */
    uint64_t total[3][256];   /* folded counts */
    uint64_t pending;         /* pixels counted in part since the last fold */
    uint32_t *pair;           /* NULL, or IMG_PAIR_WORDS counters: see
                                 img_hist_use_pairs() */
};
/* Pair tables: the RGB bytes read as 16-bit words fall in three phases
 * (word w holds channels (0,1), (2,0) or (1,2) for w % 3 = 0, 1, 2), so a
 * table of 65536 entries per phase counts (or maps) two bytes with one
 * access instead of two.  They cost 768 KiB (counts) and 384 KiB (maps)
 * per workspace and a fixed ~0.1 ms per image to clear, fold and build, so
 * the pipeline uses them from IMG_PAIR_MIN_PIXELS on. */
#define IMG_PAIR_WORDS (3u * 65536u)
#define IMG_PAIR_MIN_PIXELS ((size_t)1 << 18)
/* Count into pair (IMG_PAIR_WORDS counters, owned by the caller) from now
 * on; h must be freshly reset.  Totals are the same either way. */
void img_hist_use_pairs(struct img_hist *h, uint32_t *pair);
/* img_apply_lut through a pair map (IMG_PAIR_WORDS entries of scratch). */
void img_apply_lut_pairs(uint8_t *rgb, size_t npix,
                         const uint8_t lut[3][256], uint16_t *map);
void img_hist_reset(struct img_hist *h);
void img_hist_add(struct img_hist *h, const uint8_t *rgb, size_t npix);
/* Fold and copy the totals out (h stays usable). */
void img_hist_get(struct img_hist *h, uint64_t out[3][256]);

/* Per-worker scratch for the separable blur and the pipeline. */
struct img_ws {
    int max_width;     /* widest image this workspace serves */
    int k;             /* the kernel size it was made for */
    uint16_t *row;     /* one vertically filtered row (3 * max_width
                          uint16) with 3r reflected elements on each side,
                          so the horizontal pass needs no border cases */
    uint8_t *ring;     /* k input rows, each at an odd number of cache
                          lines from the next, for images whose rows would
                          crowd into a few L1 sets (kernels/image_sep.c) */
    int *tag;          /* tag[slot]: source row held by ring slot, or -1 */
    struct img_hist hist; /* the pipeline's histogram */
    uint32_t *pair_hist;  /* IMG_PAIR_WORDS counters for hist */
    uint16_t *pair_map;   /* IMG_PAIR_WORDS entries: the pair LUT */
    size_t pair_min;      /* pixels from which the pipeline uses them
                             (IMG_PAIR_MIN_PIXELS; tests lower it) */
};
/* NULL when out of memory or arguments are bad. */
struct img_ws *img_ws_create(int max_width, int k);
void img_ws_destroy(struct img_ws *ws);

/* Gaussian blur, reflect-101 borders, rounded to nearest, any size >= 1x1.
 * direct: the k x k loop with weights w_i*w_j in double: the reference.
 * separable: two fixed-point 1-D passes, vertical then horizontal, one
 * output row at a time through ws's row buffer; agrees with direct within
 * one level.  in and out must not overlap.  hist, when
 * not NULL, also gets the histogram of out (counted while rows are hot). */
void img_blur_direct(const uint8_t *in, uint8_t *out, int width, int height,
                     const struct img_kernel *kr);
void img_blur_separable(const uint8_t *in, uint8_t *out, int width,
                        int height, const struct img_kernel *kr,
                        struct img_ws *ws, struct img_hist *hist);

/* Add offset to n bytes with saturation to 0..255, in place. */
void img_brightness(uint8_t *px, size_t n, int offset);

/* Equalisation table of one channel:
 *   lut[v] = round((cdf(v) - cdf_min) * 255 / (N - cdf_min))
 * in exact integer arithmetic, halves rounded up; cdf_min is the cdf at the
 * smallest value present.  A channel with a single value (or none) gets the
 * identity. */
void img_eq_lut(const uint64_t hist[256], uint8_t lut[256]);
/* rgb[3p + c] = lut[c][rgb[3p + c]] for npix pixels. */
void img_apply_lut(uint8_t *rgb, size_t npix, const uint8_t lut[3][256]);
/* Per-channel histogram equalisation in place (histogram on the stack). */
void img_equalize(uint8_t *rgb, size_t npix);

/* The whole task: blur in -> out, brightness, equalisation.  Brightness is
 * folded into the equalisation table (the histogram of the blurred image is
 * mapped through the offset, and counted during the blur), which gives
 * exactly the unfused result with one pass over the image after the blur
 * instead of three.  ws must serve width and kr->k. */
void img_pipeline(const uint8_t *in, uint8_t *out, int width, int height,
                  const struct img_kernel *kr, enum blur_mode mode,
                  int brightness, struct img_ws *ws);

/* Deterministic test image for (seed, index): per-channel gradients, a few
 * translucent shapes and noise.  Any size >= 1x1.  (kernels/image_wl.c) */
void img_generate(uint8_t *rgb, int width, int height, uint64_t seed,
                  uint64_t index);

/* The workload itself (registered in kernels/workload.c). */
extern const struct workload_ops wl_image;

/* Image size of task i of an image workload after setup; 0 or -EINVAL. */
/* The header of a binary PPM (P6: a short text header, then the RGB
 * bytes; the simplest format any viewer opens) of a width x height image
 * into buf: its length, or -EINVAL (not an image size) / -ENOSPC. */
int img_ppm_header(char *buf, size_t n, int width, int height);
int img_task_dims(const struct workload *w, size_t i, int *width,
                  int *height);

/* ---- internal to kernels/image*.c.
 * Pair-table counting and folding (kernels/image_pairs.c): count npix
 * pixels into pair (an odd last pixel into part); fold pair into total and
 * clear it. */
void img_pair_count(uint32_t *pair, uint32_t part[3][256], const uint8_t *p,
                    size_t npix);
void img_pair_fold(uint32_t *pair, uint64_t total[3][256]);

/* For kernels/image*.c: compile a hot loop for AVX2 and for the baseline,
 * the right one picked at load time (GCC/clang on x86-64 ELF; elsewhere,
 * or with -DIMG_NO_CLONES, a plain function).  Not under ThreadSanitizer:
 * the ifunc resolvers run before its runtime is set up and crash. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IMG_NO_CLONES 1
#endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(IMG_NO_CLONES)
#define IMG_NO_CLONES 1
#endif
#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && \
    !defined(IMG_NO_CLONES)
#if defined(__has_attribute)
#if __has_attribute(target_clones)
#define IMG_CLONES __attribute__((target_clones("avx2", "default")))
#define IMG_HAVE_CLONES 1
#endif
#endif
#endif
#ifndef IMG_CLONES
#define IMG_CLONES
#endif

#endif
