/* kernels/image.c: the image workload's Gaussian blur: kernel weights,
 * reflect-101 borders, the workspace and the direct reference.  (The fast
 * separable blur: kernels/image_sep.c; brightness, equalisation and the
 * pipeline: kernels/image_tone.c.)  Contracts in kernels/image.h.
 */
#include "kernels/image.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    /* The 16-bit blur's weights (image.h): rounded, the residue on the
     * centre, so each pass keeps a constant row exactly constant. */
    if (kr->r <= IMG_R16_MAX) {
        long vsum = 0, hsum = 0;
        for (int j = 1; j <= kr->r; j++) {
            kr->vq[j] = (uint16_t)lround(kr->w[kr->r + j] * 131072.0);
            kr->hq[j] = (uint16_t)lround(kr->w[kr->r + j] * 65536.0);
            vsum += kr->vq[j];
            hsum += kr->hq[j];
        }
        kr->vq[0] = (uint16_t)(65536 - vsum);
        kr->hq[0] = (uint16_t)(65536 - 2 * hsum);
    }
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
    /* 3r reflected elements on each side of the row, and 64 bytes of
     * slack at the end; rounded up to the 64-byte alignment. */
    size_t elems = 3 * (size_t)max_width + 3 * (size_t)(k - 1) + 32;
    size_t bytes = (elems * sizeof(uint16_t) + 63) & ~(size_t)63;
    ws->row = aligned_alloc(64, bytes);
    /* k slots of 3 * max_width bytes rounded up to an odd number of
     * 64-byte lines */
    size_t slot = ((3 * (size_t)max_width + 63) / 64 | 1) * 64;
    ws->ring = slot <= SIZE_MAX / (size_t)k ? aligned_alloc(64, slot * k)
                                           : NULL;
    ws->tag = malloc(sizeof(int) * (size_t)k);
    ws->pair_hist = malloc(sizeof(uint32_t) * IMG_PAIR_WORDS);
    ws->pair_map = malloc(sizeof(uint16_t) * IMG_PAIR_WORDS);
    ws->pair_min = IMG_PAIR_MIN_PIXELS;
    if (!ws->row || !ws->ring || !ws->tag || !ws->pair_hist ||
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
    free(ws->row);
    free(ws->ring);
    free(ws->tag);
    free(ws->pair_hist);
    free(ws->pair_map);
    free(ws);
}

/* ------------------------------------------------------------ reference */

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
