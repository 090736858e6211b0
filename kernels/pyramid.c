/* kernels/pyramid.c: the `pyramid` workload -- reference 003's thumbnail
 * pyramid over a stack of CT slices, disk-bound work whose tasks depend on
 * other tasks' outputs (kind WL_DISK | WL_DEPS).
 *
 * Setup makes the directory (--dir, or a temporary one that teardown
 * removes); prepare, in the process that runs, writes --images input
 * files (outside the timed region).  A task reads its input files, makes
 * its images (pyramid.h: the arithmetic) and writes each as a file:
 *   --strategy level     one task per output image, a barrier per level
 *                        (all of level L before any of L+1: the
 *                        reference's original)
 *   --strategy dataflow  one task per output image, run as soon as its
 *                        two inputs exist
 *   --strategy batch     one task per --batch K images of a level: read
 *                        once, every level it can make made in memory
 *                        (log2 K of them), each written; the next K
 *                        tasks' tops feed one task above (the
 *                        reference's pyramid batch)
 * Every strategy writes the same files with the same pixels; the
 * checksum is the wrapping sum of every output image's hash seeded with
 * its (level, index), whichever task made it.  teardown removes every
 * file the workload wrote, and the directory when it made it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernels/pyramid_wl.h"

#define PP(f) offsetof(struct pyr_params, f)
static const struct opt pyr_opts[] = {
    {"images", OT_UINT, PP(images), 1, 1000000, "N", "input images (slices) in the stack", "64"},
    {"side", OT_UINT, PP(side), 2, 65536, "PX", "side of the square input images, pixels", "1024"},
    {"min-side", OT_UINT, PP(min_side), 1, 65536, "PX", "levels are made while the side is above this", "500"},
    {"depth", OT_UINT, PP(depth), 8, 16, "8|16", "bits per grayscale pixel", "16"},
    {"dir", OT_STR, PP(dir), 0, 0, "DIR", "directory for the image files (default: a temporary directory, removed afterwards)", NULL},
    {"format", OT_CHOICE, PP(format), 0, 0, "tiff|raw", "image files: uncompressed TIFF through libtiff, or raw pixels", "tiff"},
    {"strategy", OT_CHOICE, PP(strategy), 0, 0, "level|dataflow|batch", "a barrier per level, tasks as their inputs exist, or --batch images per task with all their levels in memory", "dataflow"},
    {"batch", OT_UINT, PP(batch), 2, 64, "K", "images per batch task (--strategy batch; a power of 2)", "8"},
    {"io", OT_CHOICE, PP(io), 0, 0, "read|mmap|uring", "file I/O: read()/write(), memory-mapped files, or io_uring", "read"},
    {"cache", OT_CHOICE, PP(cache), 0, 0, "warm|cold", "cold: inputs evicted from the page cache before each repetition", "warm"},
    {"fsync", OT_FLAG, PP(fsync), 0, 0, NULL, "each output made durable (fsync) before its task counts as done", NULL},
    {"run-dir", OT_STR, PP(run_dir), 0, 0, "DIR", NULL, NULL},
};
#undef PP

/* The run's plan: the levels, the tasks, the directory. */

static int check(const struct workload *w, char *err, size_t errlen)
{
    const struct pyr_params *pp = cpar(w);
    if (pp->depth != 8 && pp->depth != 16) {
        snprintf(err, errlen, "--depth %llu: 8 or 16",
                 (unsigned long long)pp->depth);
        return -EINVAL;
    }
    if (pp->batch & (pp->batch - 1)) {
        snprintf(err, errlen, "--batch %llu: a power of 2 (2 to 64)",
                 (unsigned long long)pp->batch);
        return -EINVAL;
    }
    return 0;
}

/* ---- tasks ---------------------------------------------------------- */

/* Level/dataflow: task t makes output image (l, j). */
void pyr_task_image(const struct pyr_run *r, size_t t, unsigned *l,
                       size_t *j)
{
    unsigned lv = 1;
    while (lv < r->lv.levels && t >= r->lv.first[lv + 1])
        lv++;
    *l = lv, *j = t - r->lv.first[lv];
}

/* Batch: task t is batch m of super-level s. */
void pyr_task_batch(const struct pyr_run *r, size_t t, unsigned *s,
                       size_t *m)
{
    unsigned sv = 0;
    while (sv + 1 < r->supers && t >= r->sfirst[sv + 1])
        sv++;
    *s = sv, *m = t - r->sfirst[sv];
}

static unsigned deps(const struct workload *w, size_t t, size_t *out,
                     unsigned max)
{
    const struct pyr_run *r = crun(w);
    unsigned n = 0;
    if (cpar(w)->strategy == ST_BATCH) {
        unsigned s;
        size_t m;
        pyr_task_batch(r, t, &s, &m);
        if (s == 0)
            return 0;
        size_t base = (size_t)s * r->k; /* level of this super's inputs */
        for (size_t i = m * r->K; i < (m + 1) * r->K && i < r->lv.count[base] &&
                                  n < max; i++)
            out[n++] = r->sfirst[s - 1] + i;
        return n;
    }
    unsigned l;
    size_t j;
    pyr_task_image(r, t, &l, &j);
    if (l == 1)
        return 0;
    out[n++] = r->lv.first[l - 1] + 2 * j;
    if (2 * j + 1 < r->lv.count[l - 1] && n < max)
        out[n++] = r->lv.first[l - 1] + 2 * j + 1;
    return n;
}

static unsigned stage(const struct workload *w, size_t t)
{
    if (cpar(w)->strategy != ST_LEVEL)
        return 0;
    unsigned l;
    size_t j;
    pyr_task_image(crun(w), t, &l, &j);
    return l - 1;
}

/* ---- setup and teardown ------------------------------------------------ */

static void remove_files(const struct pyr_run *r, enum pyr_format f)
{
    char name[64], part[80];
    if (r->dirfd < 0)
        return;
    for (unsigned l = 0; l <= r->lv.levels; l++)
        for (size_t j = 0; j < r->lv.count[l]; j++) {
            pyr_file_name(f, l, j, name, sizeof name);
            snprintf(part, sizeof part, "%s.part", name);
            unlinkat(r->dirfd, name, 0);
            unlinkat(r->dirfd, part, 0);
        }
}

static void teardown(struct workload *w)
{
    struct pyr_run *r = w->plan;
    if (!r)
        return;
    if (!r->borrowed)
        remove_files(r, (enum pyr_format)cpar(w)->format);
    else
        ((struct pyr_params *)(void *)w->params)->run_dir = NULL;
    if (r->dirfd >= 0)
        close(r->dirfd);
    if (r->made_dir)
        rmdir(r->dir);
    free(r);
    w->plan = NULL;
}

static int setup(struct workload *w, char *err, size_t errlen)
{
    const struct pyr_params *pp = cpar(w);
    if (check(w, err, errlen))
        return -EINVAL;
    struct pyr_run *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    r->dirfd = -1;
    w->plan = r;
    int rc = pyr_plan_make(&r->lv, pp->images, pp->side, pp->min_side,
                           (unsigned)pp->depth, err, errlen);
    if (rc)
        goto fail;
    if (pp->strategy == ST_BATCH) {
        r->K = pp->batch;
        while ((1ull << r->k) < r->K)
            r->k++;
        for (unsigned base = 0; base < r->lv.levels; base += r->k) {
            r->sfirst[r->supers] = r->ntasks;
            r->scount[r->supers] = (r->lv.count[base] + r->K - 1) / r->K;
            r->ntasks += r->scount[r->supers++];
        }
    } else {
        r->ntasks = r->lv.outputs;
    }
    if (w->p.tasks_given && w->p.tasks != r->ntasks) {
        snprintf(err, errlen, "--tasks %zu: the pyramid makes %zu tasks of "
                 "--images %llu with --strategy %s (leave --tasks out)",
                 w->p.tasks, r->ntasks, (unsigned long long)pp->images,
                 pp->strategy == ST_BATCH ? "batch"
                 : pp->strategy == ST_LEVEL ? "level" : "dataflow");
        rc = -EINVAL;
        goto fail;
    }
    w->p.tasks = r->ntasks;
    if (pp->io == PYR_IO_URING) { /* refused here, not in every worker */
        struct pyr_io *io;
        if ((rc = pyr_io_open(&io, PYR_IO_URING, err, errlen)) != 0) {
            rc = -EINVAL;
            goto fail;
        }
        pyr_io_close(io);
    }
    if (pp->run_dir) {
        snprintf(r->dir, sizeof r->dir, "%s", pp->run_dir);
        r->borrowed = 1;
    } else if (pp->dir) {
        struct stat st;
        if (stat(pp->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "--dir %s: %s", pp->dir,
                     errno ? strerror(errno) : "not a directory");
            rc = -EINVAL;
            goto fail;
        }
        snprintf(r->dir, sizeof r->dir, "%s", pp->dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(r->dir, sizeof r->dir, "%s/parbench-pyramid-XXXXXX",
                 tmp && tmp[0] ? tmp : "/tmp");
        if (!mkdtemp(r->dir)) {
            snprintf(err, errlen, "a temporary directory in %s: %s",
                     tmp && tmp[0] ? tmp : "/tmp", strerror(errno));
            rc = -EINVAL;
            goto fail;
        }
        r->made_dir = 1;
    }
    r->dirfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dirfd < 0 || faccessat(r->dirfd, ".", W_OK, 0) != 0) {
        snprintf(err, errlen, "--dir %s: %s", r->dir, strerror(errno));
        rc = -EINVAL;
        goto fail;
    }
    /* A given directory must not hold files of the names the pyramid
     * writes (and removes afterwards): someone else's would be lost. */
    for (unsigned l = 0; pp->dir && !r->borrowed && l <= r->lv.levels; l++)
        for (size_t j = 0; j < r->lv.count[l]; j++) {
            char name[64];
            pyr_file_name((enum pyr_format)pp->format, l, j, name,
                          sizeof name);
            if (faccessat(r->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                snprintf(err, errlen, "--dir %s already holds %s, a name "
                         "the pyramid writes and removes: give an empty "
                         "directory", r->dir, name);
                close(r->dirfd);
                r->dirfd = -1; /* nothing of it is touched */
                rc = -EINVAL;
                goto fail;
            }
        }
    /* What a rank rebuilding the workload from its options must use. */
    if (!r->borrowed)
        ((struct pyr_params *)(void *)w->params)->run_dir = r->dir;
    FILE *f = fopen("/proc/sys/kernel/task_delayacct", "r");
    if (f) {
        r->delayacct = fgetc(f) == '1';
        fclose(f);
    }
    return 0;
fail:
    teardown(w);
    return rc;
}

/* The input files, written once (outside the timed region). */
static int prepare(const struct workload *w, char *err, size_t errlen)
{
    const struct pyr_params *pp = cpar(w);
    const struct pyr_run *r = crun(w);
    enum pyr_format f = (enum pyr_format)pp->format;
    struct pyr_buf px = {0}, enc = {0};
    if (r->borrowed) /* the driver's, already there */
        return 0;
    struct pyr_io *io = NULL;
    int rc = pyr_io_open(&io, PYR_IO_READ, err, errlen);
    if (rc == 0 && pyr_buf_reserve(&px, pyr_image_bytes(&r->lv, 0)) != 0) {
        snprintf(err, errlen, "out of memory for an input image");
        rc = -ENOMEM;
    }
    char names[1][64];
    for (size_t j = 0; rc == 0 && j < r->lv.count[0]; j++) {
        pyr_make_image(r->lv.depth, r->lv.side[0], w->p.seed, j, px.p);
        rc = pyr_encode(f, r->lv.depth, r->lv.side[0], px.p, &enc, err, errlen);
        pyr_file_name(f, 0, j, names[0], sizeof names[0]);
        const uint8_t *d = enc.p;
        char why[PB_ERR_MAX];
        if (rc == 0 &&
            (rc = pyr_io_write(io, r->dirfd, names, 1, &d, &enc.len, 0, why,
                               sizeof why)) != 0)
            snprintf(err, errlen, "writing the inputs into %s: %s", r->dir,
                     why);
    }
    pyr_buf_free(&px), pyr_buf_free(&enc);
    pyr_io_close(io);
    if (rc)
        remove_files(r, f); /* nothing half made stays */
    return rc;
}

/* The directory (given, made, or the driver's through run-dir), which the
 * mpi runner checks every rank sees. */
static const char *workdir(const struct workload *w)
{
    return crun(w)->dir;
}

/* Before every repetition: the last one's outputs removed, so each
 * repetition creates its files afresh (renaming over an existing file
 * makes some file systems -- ext4's auto_da_alloc -- start writing the
 * new one out at once, which only later repetitions would pay); with
 * --cache cold, the inputs evicted from the page cache. */
static int before_rep(const struct workload *w, char *err, size_t errlen)
{
    const struct pyr_run *r = crun(w);
    enum pyr_format f = (enum pyr_format)cpar(w)->format;
    char name[64];
    if (r->borrowed)
        return 0;
    for (unsigned l = 1; l <= r->lv.levels; l++)
        for (size_t j = 0; j < r->lv.count[l]; j++) {
            pyr_file_name(f, l, j, name, sizeof name);
            if (unlinkat(r->dirfd, name, 0) != 0 && errno != ENOENT) {
                snprintf(err, errlen, "removing %s: %s", name,
                         strerror(errno));
                return -errno;
            }
        }
    if (cpar(w)->cache != CACHE_COLD)
        return 0;
    for (size_t j = 0; j < r->lv.count[0]; j++) {
        pyr_file_name((enum pyr_format)cpar(w)->format, 0, j, name,
                      sizeof name);
        int rc = pyr_evict(r->dirfd, name);
        if (rc) {
            snprintf(err, errlen, "--cache cold: evicting %s: %s", name,
                     strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static uint64_t fold(const struct workload *w, const uint64_t *dig,
                     size_t n)
{
    (void)w;
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += dig[i];
    return s;
}

static size_t zero(const struct workload *w, size_t i)
{
    (void)w, (void)i;
    return 0;
}

/* ---- what it tells ------------------------------------------------------ */

static size_t worker_bytes(const struct workload *w)
{
    const struct pyr_run *r = crun(w);
    size_t k = cpar(w)->strategy == ST_BATCH ? r->K : 2;
    /* inputs as file bytes and decoded, images made and encoded (a
     * quarter of an input each) */
    return k * (2 * pyr_image_bytes(&r->lv, 0) + pyr_image_bytes(&r->lv, 1) +
                65536) + k * (pyr_image_bytes(&r->lv, 1) + 65536);
}

static int describe(const struct workload *w, const char **keys,
                    double *vals, int n)
{
    const struct pyr_run *r = crun(w);
    double in = (double)r->lv.count[0] * (double)pyr_image_bytes(&r->lv, 0);
    double outb = 0;
    for (unsigned l = 1; l <= r->lv.levels; l++)
        outb += (double)r->lv.count[l] * (double)pyr_image_bytes(&r->lv, l);
    const char *k[] = {"levels", "output_images", "input_pixel_bytes",
                       "output_pixel_bytes", "top_side", "delayacct"};
    double v[] = {r->lv.levels, (double)r->lv.outputs, in, outb,
                  r->lv.side[r->lv.levels], r->delayacct};
    int m = 0;
    for (; m < n && m < (int)(sizeof v / sizeof *v); m++)
        keys[m] = k[m], vals[m] = v[m];
    return m;
}

static void report(const struct workload *w, const struct wl_sink *s)
{
    const struct pyr_params *pp = cpar(w);
    static const char *const fmt[] = {"tiff", "raw"},
                             *const st[] = {"level", "dataflow", "batch"},
                             *const io[] = {"read", "mmap", "uring"},
                             *const ca[] = {"warm", "cold"};
    s->num(s->ctx, "images", (double)pp->images);
    s->num(s->ctx, "side", (double)pp->side);
    s->num(s->ctx, "min_side", (double)pp->min_side);
    s->num(s->ctx, "depth", (double)pp->depth);
    s->str(s->ctx, "format", fmt[pp->format & 1]);
    s->str(s->ctx, "strategy", st[pp->strategy % 3]);
    s->num(s->ctx, "batch", (double)pp->batch);
    s->str(s->ctx, "io", io[pp->io % 3]);
    s->str(s->ctx, "cache", ca[pp->cache & 1]);
    s->num(s->ctx, "fsync", pp->fsync);
    s->str(s->ctx, "dir", pp->dir);
}

static void estimate(const struct workload *w, double par, unsigned workers,
                     double *rep_s, double *setup_s)
{
    (void)workers;
    const struct pyr_run *r = crun(w);
    double bytes = (double)r->lv.count[0] * (double)pyr_image_bytes(&r->lv, 0);
    /* about 1 GB/s through the page cache, 4 ms a task; 300 MB/s to make */
    *rep_s = (bytes * 1.7 / 1e9 + (double)r->ntasks * 0.004) / (par > 1 ? par : 1);
    *setup_s = bytes / 3e8;
}

const struct workload_ops wl_pyramid = {
    .name = "pyramid",
    .help = "thumbnail pyramid of --images grayscale image files: pairs averaged and 2x2 downsampled level by level (--strategy, --io, --cache)",
    .kind = WL_DISK | WL_DEPS,
    .opts = pyr_opts,
    .nopts = sizeof pyr_opts / sizeof *pyr_opts,
    .check = check,
    .setup = setup,
    .teardown = teardown,
    .input_size = zero,
    .output_size = zero,
    .worker_init = pyr_worker_init,
    .worker_fini = pyr_worker_fini,
    .run_task = pyr_run_task,
    .sets_digest = 1,
    .deps = deps,
    .stage = stage,
    .prepare = prepare,
    .before_rep = before_rep,
    .workdir = workdir,
    .fold = fold,
    .all_or_nothing = 1,
    .worker_bytes = worker_bytes,
    .describe = describe,
    .report = report,
    .estimate = estimate,
    .workers_chart = 1,
};
