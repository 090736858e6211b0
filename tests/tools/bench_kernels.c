/* tests/tools/bench_kernels.c: single-thread throughput of the image
 * kernels (`make bench-kernels`), beside this machine's memcpy bandwidth
 * measured in the same run, so the figures can be judged across hosts.
 *
 *   build/tools/bench_kernels [--width W] [--height H] [--reps R]
 *
 * Throughput is MB/s (10^6 bytes) of RGB input.  Each measurement is run
 * R times (default 7) after one untimed warm-up; best and median are shown.
 * The separable blur at complexity 1 (k = 5) has a target of 1000 MB/s; the
 * tool says whether it is met (its exit status stays 0 either way).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/image.h"

#define TARGET_MBS 1000.0
#define MAX_REPS 101

struct bench {
    int width, height;          /* image of this measurement */
    const uint8_t *src;         /* pristine input, width x height */
    uint8_t *in, *out;          /* buffers the kernel works on */
    struct img_kernel kr;
    struct img_ws *ws;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum what { W_MEMCPY, W_SEP, W_DIRECT, W_BRIGHT, W_EQ, W_PIPE, W_GEN };

/* One timed run of the kernel; returns seconds. */
static double run_once(struct bench *b, enum what what)
{
    size_t n = 3 * (size_t)b->width * b->height;
    size_t npix = (size_t)b->width * b->height;
    /* in-place kernels start from the same input every time */
    if (what == W_BRIGHT || what == W_EQ)
        memcpy(b->out, b->src, n);
    double t0 = now();
    switch (what) {
    case W_MEMCPY: memcpy(b->out, b->in, n); break;
    case W_SEP:
        img_blur_separable(b->in, b->out, b->width, b->height, &b->kr,
                           b->ws, NULL);
        break;
    case W_DIRECT:
        img_blur_direct(b->in, b->out, b->width, b->height, &b->kr);
        break;
    case W_BRIGHT: img_brightness(b->out, n, 30); break;
    case W_EQ: img_equalize(b->out, npix); break;
    case W_PIPE:
        img_pipeline(b->in, b->out, b->width, b->height, &b->kr,
                     BLUR_SEPARABLE, 30, b->ws);
        break;
    case W_GEN: img_generate(b->out, b->width, b->height, 1, 2); break;
    }
    return now() - t0;
}

struct row {
    const char *name;
    enum what what;
    unsigned complexity; /* blur kernels only */
    int small;           /* 1: on the small image (slow kernels) */
};

static const struct row rows[] = {
    {"memcpy", W_MEMCPY, 0, 0},
    {"blur separable c=1 (k=5)", W_SEP, 1, 0},
    {"blur separable c=2 (k=11)", W_SEP, 2, 0},
    {"blur separable c=4 (k=21)", W_SEP, 4, 0},
    {"blur direct c=1 (k=5)", W_DIRECT, 1, 1},
    {"brightness +30", W_BRIGHT, 0, 0},
    {"equalisation", W_EQ, 0, 0},
    {"pipeline c=1 (separable)", W_PIPE, 1, 0},
    {"pipeline c=2 (separable)", W_PIPE, 2, 0},
    {"input generation", W_GEN, 0, 0},
};

static int parse_int(const char *s, int lo, int hi, int *v)
{
    char *end;
    long x = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || x < lo || x > hi)
        return -1;
    *v = (int)x;
    return 0;
}

int main(int argc, char **argv)
{
    int width = 2048, height = 2048, reps = 7;
    for (int i = 1; i < argc; i++) {
        int *dst = !strcmp(argv[i], "--width") ? &width
                 : !strcmp(argv[i], "--height") ? &height
                 : !strcmp(argv[i], "--reps") ? &reps : NULL;
        if (!dst || i + 1 >= argc ||
            parse_int(argv[++i], 1, dst == &reps ? MAX_REPS : 1 << 16, dst)) {
            fprintf(stderr, "usage: %s [--width W] [--height H] "
                            "[--reps R (1..%d)]\n", argv[0], MAX_REPS);
            return 2;
        }
    }
    int sw = width < 512 ? width : 512, sh = height < 512 ? height : 512;
    size_t n = 3 * (size_t)width * height;
    uint8_t *src = malloc(n), *in = malloc(n), *out = malloc(n);
    uint8_t *ssrc = malloc(3 * (size_t)sw * sh);
    if (!src || !in || !out || !ssrc) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        return 1;
    }
    img_generate(src, width, height, 1, 0);
    img_generate(ssrc, sw, sh, 1, 0);
    memcpy(in, src, n);
    memset(out, 0, n);

    const char *isa = img_code_path();
    printf("image kernels, one thread, %dx%d RGB (%.1f MB) "
           "[direct blur: %dx%d], %d reps, code path: %s\n\n",
           width, height, n / 1e6, sw, sh, reps, isa);
    printf("%-28s %11s %11s %9s\n", "kernel", "best MB/s", "median MB/s",
           "vs memcpy");

    double memcpy_best = 0, sep1_best = 0, t[MAX_REPS];
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        struct bench b = {width, height, src, in, out, {0}, NULL};
        if (rows[r].small) {
            b.width = sw;
            b.height = sh;
            b.src = b.in = ssrc;
        }
        if (rows[r].complexity) {
            img_kernel_init(&b.kr, rows[r].complexity);
            b.ws = img_ws_create(b.width, b.kr.k);
            if (!b.ws) {
                fprintf(stderr, "bench_kernels: out of memory\n");
                return 1;
            }
        }
        double bytes = 3.0 * b.width * b.height;
        run_once(&b, rows[r].what); /* warm-up: page faults, caches */
        for (int i = 0; i < reps; i++)
            t[i] = run_once(&b, rows[r].what);
        qsort(t, (size_t)reps, sizeof t[0], cmp_double);
        double best = bytes / t[0] / 1e6;
        double med = reps % 2 ? bytes / t[reps / 2] / 1e6
                              : bytes / ((t[reps / 2 - 1] + t[reps / 2]) / 2)
                                / 1e6;
        if (rows[r].what == W_MEMCPY)
            memcpy_best = best;
        if (rows[r].what == W_SEP && rows[r].complexity == 1)
            sep1_best = best;
        printf("%-28s %11.0f %11.0f %9.3f\n", rows[r].name, best, med,
               best / memcpy_best);
        img_ws_destroy(b.ws);
    }
    printf("\nseparable blur k=5 target (>= %.0f MB/s): %s (best %.0f MB/s)"
           "\n", TARGET_MBS, sep1_best >= TARGET_MBS ? "met" : "NOT met",
           sep1_best);
    free(src);
    free(in);
    free(out);
    free(ssrc);
    return 0;
}
