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

/* The workload's own options. */
struct image_params {
    uint64_t size_bytes; /* total RGB bytes over all tasks */
    uint64_t complexity; /* blur kernel k = 5*complexity (+1 if even) */
    int blur;            /* enum blur_mode: index into the row's names */
    int64_t brightness;  /* offset added with saturation */
};
PB_PARAMS_FIT(struct image_params);

#define IP(f) offsetof(struct image_params, f)
static const struct opt image_opts[] = {
    {"size", OT_SIZE, IP(size_bytes), 1, 0, "SIZE", "total RGB bytes, split into near-square images", "100MB"},
    {"complexity", OT_UINT, IP(complexity), 1, 100, "C", "blur kernel 5*C, +1 when even", "1"},
    {"blur", OT_CHOICE, IP(blur), 0, 0, "separable|direct", "two 1-D passes or the k*k loop", "separable"},
    {"brightness", OT_INT, IP(brightness), -255, 255, "N", "offset added with saturation", "30"},
};
#undef IP

static const struct image_params *params_of(const struct workload *w)
{
    return (const struct image_params *)(const void *)w->params;
}

struct image_plan {
    int width, height;     /* every task's image */
    size_t bytes_per_task; /* 3 * width * height */
    struct img_kernel kr;  /* blur kernel for the complexity */
};

static int image_setup(struct workload *w, char *err, size_t errlen)
{
    const struct wl_params *p = &w->p;
    const struct image_params *ip = params_of(w);
    w->plan = NULL;
    if (p->tasks < 1) {
        snprintf(err, errlen, "tasks must be at least 1");
        return -EINVAL;
    }
    if (ip->complexity < 1 || ip->complexity > IMG_COMPLEXITY_MAX) {
        snprintf(err, errlen,
                 "complexity %" PRIu64 " is out of range (1 to %d: kernel "
                 "size 5 to %d)", ip->complexity, IMG_COMPLEXITY_MAX,
                 IMG_KMAX);
        return -EINVAL;
    }
    if (ip->blur != BLUR_SEPARABLE && ip->blur != BLUR_DIRECT) {
        snprintf(err, errlen, "unknown blur mode %d", ip->blur);
        return -EINVAL;
    }
    if (ip->size_bytes / 3 < p->tasks) {
        snprintf(err, errlen,
                 "size %" PRIu64 "B is too small for %zu tasks: each task "
                 "needs at least one RGB pixel (3 bytes)",
                 ip->size_bytes, p->tasks);
        return -EINVAL;
    }
    uint64_t pix = ip->size_bytes / 3 / p->tasks; /* size / (3 * tasks) */
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
                 ip->size_bytes, wd, ht);
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
    img_kernel_init(&pl->kr, (unsigned)ip->complexity);
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
    img_pipeline(in, out, pl->width, pl->height, &pl->kr,
                 (enum blur_mode)params_of(w)->blur,
                 (int)params_of(w)->brightness, ctx);
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

static void image_report(const struct workload *w, const struct wl_sink *s)
{
    const struct image_params *ip = params_of(w);
    char blur[16];
    opt_choice_name(opt_find(image_opts, sizeof image_opts /
                             sizeof *image_opts, "blur"),
                    ip->blur, blur, sizeof blur);
    s->num(s->ctx, "size_bytes", (double)ip->size_bytes);
    s->num(s->ctx, "complexity", (double)ip->complexity);
    s->str(s->ctx, "blur", blur);
    s->num(s->ctx, "brightness", (double)ip->brightness);
}

/* Seconds per input byte of the pipeline at w's complexity and blur: one
 * small image timed once per complexity (the blur mode of the first run
 * asking; a factor-of-two estimate does not need more). */
static double image_cost(const struct workload *w)
{
    static double cache[101];
    uint64_t c = params_of(w)->complexity;
    c = c > 100 ? 100 : c;
    if (cache[c] > 0)
        return cache[c];
    struct workload probe = *w;
    probe.plan = NULL;
    probe.p.tasks = 1;
    ((struct image_params *)(void *)probe.params)->size_bytes = 3 * 192 * 192;
    char err[200];
    if (image_setup(&probe, err, sizeof err))
        return 1e-8;
    size_t n = image_size(&probe, 0);
    unsigned char *in = malloc(n), *out = malloc(n);
    void *ctx = NULL;
    double t = 1e-8;
    if (in && out && !image_worker_init(&probe, &ctx)) {
        image_make_input(&probe, 0, in);
        struct task_result r;
        double t0 = pb_now();
        wl_exec(&probe, ctx, 0, in, out, &r);
        t = (pb_now() - t0) / (double)n;
        image_worker_fini(&probe, ctx);
    }
    free(in), free(out);
    image_teardown(&probe);
    return cache[c] = t;
}

static void image_estimate(const struct workload *w, double par,
                           unsigned workers, double *rep_s, double *setup_s)
{
    (void)workers;
    double bytes = (double)params_of(w)->size_bytes;
    *rep_s = bytes * image_cost(w) / par;
    *setup_s = bytes * 2e-9; /* making the inputs */
}

int img_ppm_header(char *buf, size_t n, int width, int height)
{
    if (width < 1 || height < 1)
        return -EINVAL;
    int k = snprintf(buf, n, "P6\n%d %d\n255\n", width, height);
    return k < 0 || (size_t)k >= n ? -ENOSPC : k;
}

/* --dump: each task's input and output as a binary PPM. */
static int image_dump(const struct workload *w, size_t i, int output,
                      struct wl_dump *d)
{
    int wd, ht;
    (void)output;
    if (img_task_dims(w, i, &wd, &ht) != 0)
        return -EINVAL;
    int hl = img_ppm_header(d->header, sizeof d->header, wd, ht);
    if (hl < 0)
        return hl;
    d->ext = "ppm";
    d->header_len = (size_t)hl;
    d->bytes = 3 * (size_t)wd * (size_t)ht;
    return 0;
}

const struct workload_ops wl_image = {
    .name = "image",
    .help = "Gaussian blur + brightness + histogram equalisation of RGB "
            "images (--size, --complexity, --blur)",
    .kind = WL_CPU,
    .has_value = 0,
    .opts = image_opts,
    .nopts = sizeof image_opts / sizeof *image_opts,
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
    .report = image_report,
    .estimate = image_estimate,
    .dump = image_dump,
};
