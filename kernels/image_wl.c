/* kernels/image_wl.c: the "image" workload: --size bytes of RGB split into
 * --tasks near-square images, each blurred, brightened and equalised by
 * img_pipeline() (kernels/image.c).  Also the deterministic input images.
 *
 * The plan is the same for every task: p = size / (3 * tasks) pixels,
 * width = floor(sqrt(p)), height = p / width.  Inputs are a pure function of
 * (seed, task index), so every runner and host gives the same checksum.
 */
#include "kernels/image.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------- input */

/* A shape painted half-translucent over the gradient. */
struct shape {
    int round;          /* 1: ellipse, 0: rectangle */
    double cx, cy;      /* centre, pixels */
    double rx, ry;      /* half sizes, pixels */
    int rgb[3];         /* colour */
};

#define MAX_SHAPES 6
#define NOISE_MASK 31 /* noise is uniform in -16..15 */

static double unit(uint64_t *s) /* uniform in [0, 1) */
{
    return (double)(pb_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

static uint8_t clamp255(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The x range [*x0, *x1) of shape sh on row y (empty when *x0 >= *x1). */
static void shape_span(const struct shape *sh, int y, int width, int *x0,
                       int *x1)
{
    double dy = (y + 0.5 - sh->cy) / sh->ry, half;
    *x0 = *x1 = 0;
    if (dy < -1 || dy > 1)
        return;
    half = sh->round ? sh->rx * sqrt(1 - dy * dy) : sh->rx;
    double a = ceil(sh->cx - half - 0.5), b = ceil(sh->cx + half - 0.5);
    *x0 = a < 0 ? 0 : a > width ? width : (int)a;
    *x1 = b < 0 ? 0 : b > width ? width : (int)b;
}

void img_generate(uint8_t *rgb, int width, int height, uint64_t seed,
                  uint64_t index)
{
    uint64_t st = seed ^ (index * 0xd1b54a32d192ed03ull);
    uint64_t noise_base = pb_splitmix64(&st) ^ pb_splitmix64(&st);
    /* Per channel: value(x, y) = a + bx * x / width + by * y / height,
     * stepped along the row in 16.16 fixed point. */
    int32_t a[3], bx[3], by[3];
    for (int c = 0; c < 3; c++) {
        a[c] = 40 + (int32_t)(unit(&st) * 176);
        bx[c] = (int32_t)(unit(&st) * 200) - 100;
        by[c] = (int32_t)(unit(&st) * 200) - 100;
    }
    struct shape sh[MAX_SHAPES];
    int nshapes = 3 + (int)(pb_splitmix64(&st) % (MAX_SHAPES - 2));
    for (int s = 0; s < nshapes; s++) {
        sh[s].round = (int)(pb_splitmix64(&st) & 1);
        sh[s].cx = unit(&st) * width;
        sh[s].cy = unit(&st) * height;
        sh[s].rx = (0.05 + 0.2 * unit(&st)) * width + 0.5;
        sh[s].ry = (0.05 + 0.2 * unit(&st)) * height + 0.5;
        for (int c = 0; c < 3; c++)
            sh[s].rgb[c] = (int)(pb_splitmix64(&st) & 255);
    }
    size_t rb = 3 * (size_t)width;
    for (int y = 0; y < height; y++) {
        uint8_t *row = rgb + (size_t)y * rb;
        /* gradient */
        for (int c = 0; c < 3; c++) {
            int64_t v = (int64_t)a[c] * 65536 +
                        (int64_t)by[c] * 65536 * y / height;
            int64_t step = (int64_t)bx[c] * 65536 / width;
            for (int x = 0; x < width; x++, v += step)
                row[3 * x + c] = clamp255(v < 0 ? 0 : (int)(v >> 16));
        }
        /* shapes, blended 50/50 over what is there */
        for (int s = 0; s < nshapes; s++) {
            int x0, x1;
            shape_span(&sh[s], y, width, &x0, &x1);
            for (int x = x0; x < x1; x++)
                for (int c = 0; c < 3; c++)
                    row[3 * x + c] =
                        (uint8_t)((row[3 * x + c] + sh[s].rgb[c] + 1) >> 1);
        }
        /* noise: its own stream per row, 8 bytes per draw */
        uint64_t ns = noise_base ^ ((uint64_t)y * 0x9e3779b97f4a7c15ull);
        for (size_t i = 0; i < rb; i += 8) {
            uint64_t bits = pb_splitmix64(&ns);
            size_t m = rb - i < 8 ? rb - i : 8;
            for (size_t j = 0; j < m; j++, bits >>= 8)
                row[i + j] = clamp255(row[i + j] +
                                      (int)(bits & NOISE_MASK) - 16);
        }
    }
}

/* -------------------------------------------------------------- workload */

struct image_plan {
    int width, height;     /* every task's image */
    size_t bytes_per_task; /* 3 * width * height */
    struct img_kernel kr;  /* blur kernel for the complexity */
};

static int image_setup(struct workload *w, char *err, size_t errlen)
{
    const struct wl_params *p = &w->p;
    w->plan = NULL;
    if (p->tasks < 1) {
        snprintf(err, errlen, "tasks must be at least 1");
        return -EINVAL;
    }
    if (p->complexity < 1 || p->complexity > IMG_COMPLEXITY_MAX) {
        snprintf(err, errlen,
                 "complexity %u is out of range (1 to %d: kernel size 5 to "
                 "%d)", p->complexity, IMG_COMPLEXITY_MAX, IMG_KMAX);
        return -EINVAL;
    }
    if (p->blur != BLUR_SEPARABLE && p->blur != BLUR_DIRECT) {
        snprintf(err, errlen, "unknown blur mode %d", (int)p->blur);
        return -EINVAL;
    }
    if (p->size_bytes / 3 < p->tasks) {
        snprintf(err, errlen,
                 "size %" PRIu64 "B is too small for %zu tasks: each task "
                 "needs at least one RGB pixel (3 bytes)",
                 p->size_bytes, p->tasks);
        return -EINVAL;
    }
    uint64_t pix = p->size_bytes / 3 / p->tasks; /* == size / (3 * tasks) */
    uint64_t wd = (uint64_t)sqrt((double)pix);
    while (wd > 1 && wd * wd > pix)
        wd--;
    while ((wd + 1) * (wd + 1) <= pix)
        wd++;
    uint64_t ht = pix / wd;
    if (wd > INT_MAX || ht > INT_MAX || wd * ht > SIZE_MAX / 3) {
        snprintf(err, errlen,
                 "size %" PRIu64 "B gives images too large for this "
                 "machine (%" PRIu64 "x%" PRIu64 "): use more tasks",
                 p->size_bytes, wd, ht);
        return -EOVERFLOW;
    }
    struct image_plan *pl = malloc(sizeof *pl);
    if (!pl) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    pl->width = (int)wd;
    pl->height = (int)ht;
    pl->bytes_per_task = (size_t)(3 * wd * ht);
    img_kernel_init(&pl->kr, p->complexity);
    w->plan = pl;
    return 0;
}

static void image_teardown(struct workload *w)
{
    free(w->plan);
    w->plan = NULL;
}

static size_t image_size(const struct workload *w, size_t i)
{
    (void)i;
    const struct image_plan *pl = w->plan;
    return pl->bytes_per_task;
}

static void image_make_input(const struct workload *w, size_t i, void *buf)
{
    const struct image_plan *pl = w->plan;
    img_generate(buf, pl->width, pl->height, w->p.seed, i);
}

static int image_worker_init(const struct workload *w, void **ctx)
{
    const struct image_plan *pl = w->plan;
    *ctx = img_ws_create(pl->width, pl->kr.k);
    return *ctx ? 0 : -ENOMEM;
}

/* What img_ws_create() allocates: the blur's ring of k rows of one strip
 * (16-bit, three channels), its tables, and the pair tables. */
static size_t image_worker_bytes(const struct workload *w)
{
    const struct image_plan *pl = w->plan;
    size_t k = (size_t)pl->kr.k;
    size_t strip = pl->width > 0 ? (size_t)pl->width : 1;
    return 3 * strip * 2 * k + k * k * 4 + k * 4 +
           IMG_PAIR_WORDS * (sizeof(uint32_t) + sizeof(uint16_t));
}

static void image_worker_fini(const struct workload *w, void *ctx)
{
    (void)w;
    img_ws_destroy(ctx);
}

static int image_run_task(const struct workload *w, void *ctx, size_t i,
                          const void *in, void *out, struct task_result *r)
{
    const struct image_plan *pl = w->plan;
    (void)i;
    if (!ctx) {
        r->status = -EINVAL;
        snprintf(r->error, sizeof r->error,
                 "image: run_task without worker_init");
        return -1;
    }
    img_pipeline(in, out, pl->width, pl->height, &pl->kr, w->p.blur,
                 w->p.brightness, ctx);
    r->status = 0;
    r->error[0] = '\0';
    r->bytes = pl->bytes_per_task;
    return 0;
}

static int image_describe(const struct workload *w, const char **keys,
                          double *vals, int n)
{
    const struct image_plan *pl = w->plan;
    const char *k[] = {"width", "height", "kernel_size", "sigma",
                       "bytes_per_task", "bytes_total"};
    double v[] = {pl->width, pl->height, pl->kr.k, pl->kr.sigma,
                  (double)pl->bytes_per_task,
                  (double)pl->bytes_per_task * (double)w->p.tasks};
    int m = 0;
    for (; m < n && m < (int)(sizeof k / sizeof k[0]); m++) {
        keys[m] = k[m];
        vals[m] = v[m];
    }
    return m;
}

int img_task_dims(const struct workload *w, size_t i, int *width,
                  int *height)
{
    if (!w || !w->plan || w->ops != &wl_image || i >= w->p.tasks)
        return -EINVAL;
    const struct image_plan *pl = w->plan;
    *width = pl->width;
    *height = pl->height;
    return 0;
}

const struct workload_ops wl_image = {
    .name = "image",
    .help = "Gaussian blur + brightness + histogram equalisation of RGB "
            "images (--size, --complexity, --blur)",
    .kind = WL_CPU,
    .has_value = 0,
    .setup = image_setup,
    .teardown = image_teardown,
    .input_size = image_size,
    .output_size = image_size,
    .make_input = image_make_input,
    .worker_init = image_worker_init,
    .worker_fini = image_worker_fini,
    .run_task = image_run_task,
    .sets_digest = 0,
    .describe = image_describe,
    .worker_bytes = image_worker_bytes,
};
