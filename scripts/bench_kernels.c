/* scripts/bench_kernels.c: single-thread throughput of the image
 * kernels (`make bench-kernels`, through scripts/bench-kernels.sh), beside
 * this machine's memcpy bandwidth and OpenCV's GaussianBlur on the same
 * input bytes, so the figures can be judged across hosts.
 *
 *   build/tools/bench_kernels [--width W] [--height H] [--reps R]
 *                             [--save-input FILE]
 *                             [--opencv FILE | --no-opencv REASON]
 *
 * Throughput is MB/s (10^6 bytes) of RGB input over the measuring thread's
 * CPU time (CLOCK_THREAD_CPUTIME_ID), so other processes sharing the CPUs
 * slow the figures less than wall time would; scripts/bench_opencv.py
 * times OpenCV the same way.  Each measurement is run R times (default 7)
 * after one untimed warm-up; best and median are shown.
 * --save-input writes the W x H input (raw RGB) to FILE and exits; --opencv
 * reads the "k MB/s" lines bench_opencv.py printed for it and prints the
 * targets (blur >= 2x OpenCV at k = 5, 11, 21; pipeline c=1 >= 2000 MB/s)
 * with MET or MISS.  The exit status stays 0 either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/image.h"

#define PIPE_TARGET_MBS 2000.0
#define BLUR_TARGET_RATIO 2.0
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
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
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

static int save_input(const char *path, const uint8_t *px, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(px, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

/* OpenCV's best MB/s for kernel size k from bench_opencv.py's output
 * ("k MB/s" per line), 0 when absent. */
static double opencv_mbs(const char *path, int k)
{
    FILE *f = fopen(path, "r");
    int kk;
    double v, found = 0;
    if (!f)
        return 0;
    while (fscanf(f, "%d %lf", &kk, &v) == 2)
        if (kk == k)
            found = v;
    fclose(f);
    return found;
}

static void report_targets(const double sep[5], const double pipe[3],
                           double mem, const char *cvfile, const char *nocv)
{
    static const int ks[] = {5, 11, 21}, cs[] = {1, 2, 4};
    printf("\nseparable blur vs OpenCV GaussianBlur (same input, same k and "
           "sigma, BORDER_REFLECT_101, one thread):\n");
    printf("%-8s %14s %14s %8s  %s\n", "k", "parbench MB/s", "OpenCV MB/s",
           "ratio", "target >= 2x");
    for (int i = 0; i < 3; i++) {
        double cv = cvfile ? opencv_mbs(cvfile, ks[i]) : 0;
        if (cv > 0)
            printf("%-8d %14.0f %14.0f %8.2f  %s\n", ks[i], sep[cs[i]], cv,
                   sep[cs[i]] / cv,
                   sep[cs[i]] >= BLUR_TARGET_RATIO * cv ? "MET" : "MISS");
        else
            printf("%-8d %14.0f %14s %8s  %s\n", ks[i], sep[cs[i]], "-", "-",
                   "unknown");
    }
    if (!cvfile || opencv_mbs(cvfile, 5) <= 0)
        printf("(OpenCV figures missing: %s)\n",
               nocv ? nocv : "no --opencv results given");
    printf("pipeline c=1: %.0f MB/s, target >= %.0f MB/s: %s\n", pipe[1],
           PIPE_TARGET_MBS, pipe[1] >= PIPE_TARGET_MBS ? "MET" : "MISS");
    printf("pipeline c=2: %.0f MB/s (no target)\n", pipe[2]);
    printf("memcpy (ceiling): %.0f MB/s\n", mem);
}

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
    const char *save = NULL, *cvfile = NULL, *nocv = NULL;
    for (int i = 1; i < argc; i++) {
        const char **sdst = !strcmp(argv[i], "--save-input") ? &save
                          : !strcmp(argv[i], "--opencv") ? &cvfile
                          : !strcmp(argv[i], "--no-opencv") ? &nocv : NULL;
        if (sdst && i + 1 < argc) {
            *sdst = argv[++i];
            continue;
        }
        int *dst = !strcmp(argv[i], "--width") ? &width
                 : !strcmp(argv[i], "--height") ? &height
                 : !strcmp(argv[i], "--reps") ? &reps : NULL;
        if (!dst || i + 1 >= argc ||
            parse_int(argv[++i], 1, dst == &reps ? MAX_REPS : 1 << 16, dst)) {
            fprintf(stderr, "usage: %s [--width W] [--height H] "
                            "[--reps R (1..%d)] [--save-input FILE] "
                            "[--opencv FILE | --no-opencv REASON]\n",
                    argv[0], MAX_REPS);
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
    if (save)
        return save_input(save, src, n);
    memcpy(in, src, n);
    memset(out, 0, n);

    const char *isa = img_code_path();
    printf("image kernels, one thread, %dx%d RGB (%.1f MB) "
           "[direct blur: %dx%d], %d reps, code path: %s\n\n",
           width, height, n / 1e6, sw, sh, reps, isa);
    printf("%-28s %11s %11s %9s\n", "kernel", "best MB/s", "median MB/s",
           "vs memcpy");

    double memcpy_best = 0, sep_best[5] = {0}, pipe_best[3] = {0};
    double t[MAX_REPS];
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
        if (rows[r].what == W_SEP && rows[r].complexity <= 4)
            sep_best[rows[r].complexity] = best;
        if (rows[r].what == W_PIPE && rows[r].complexity <= 2)
            pipe_best[rows[r].complexity] = best;
        printf("%-28s %11.0f %11.0f %9.3f\n", rows[r].name, best, med,
               best / memcpy_best);
        img_ws_destroy(b.ws);
    }
    report_targets(sep_best, pipe_best, memcpy_best, cvfile, nocv);
    free(src);
    free(in);
    free(out);
    free(ssrc);
    return 0;
}
