/* kernels/pyramid_task.c: a pyramid worker and its tasks: read the input
 * files, make the levels, write every image made, timing each phase and
 * counting what the kernel counted (pyramid.h, README "The pyramid
 * workload"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/pyramid_wl.h"

struct pyr_ctx {
    struct pyr_io *io;
    struct pyr_buf dec[WL_DEPS_MAX]; /* decoded inputs (TIFF) */
    struct pyr_buf px[WL_DEPS_MAX];  /* images made */
    struct pyr_buf enc[WL_DEPS_MAX]; /* their files' bytes */
};

/* Grow b to n bytes and touch every page now. */
static int reserve_touched(struct pyr_buf *b, size_t n)
{
    if (pyr_buf_reserve(b, n) != 0)
        return -1;
    memset(b->p, 0, n);
    return 0;
}



/* A worker's start-up: its I/O (an io_uring ring) and every buffer its
 * largest task will use, allocated and touched, so that first-touch page
 * faults are paid here and not in the timed region (a batch task holds
 * K inputs, a level task two). */
int pyr_worker_init(const struct workload *w, void **ctx)
{
    char err[PB_ERR_MAX];
    const struct pyr_run *r = crun(w);
    struct pyr_ctx *c = calloc(1, sizeof *c);
    if (!c || pyr_io_open(&c->io, (enum pyr_iomode)cpar(w)->io, err,
                          sizeof err) != 0) {
        free(c);
        return -1;
    }
    size_t nin = cpar(w)->strategy == ST_BATCH ? r->K : 2;
    size_t in = pyr_image_bytes(&r->lv, 0), out = pyr_image_bytes(&r->lv, 1);
    size_t file = in + 65536; /* a TIFF's header and directory */
    int rc = pyr_io_reserve(c->io, nin, file);
    for (size_t k = 0; rc == 0 && k < nin && k < WL_DEPS_MAX; k++)
        if ((cpar(w)->format == PYR_TIFF && reserve_touched(&c->dec[k], in)) ||
            reserve_touched(&c->px[k], out) ||
            reserve_touched(&c->enc[k], out + 65536))
            rc = -1;
    if (rc) {
        pyr_worker_fini(w, c);
        return -1;
    }
    *ctx = c;
    return 0;
}

void pyr_worker_fini(const struct workload *w, void *ctx)
{
    (void)w;
    struct pyr_ctx *c = ctx;
    pyr_io_close(c->io);
    for (size_t k = 0; k < WL_DEPS_MAX; k++) {
        pyr_buf_free(&c->dec[k]);
        pyr_buf_free(&c->px[k]);
        pyr_buf_free(&c->enc[k]);
    }
    free(c);
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What one task does: read `nin` images of level `lin` from index `j0`,
 * make `depth` levels above them, write every image made. */
static int make_levels(const struct workload *w, struct pyr_ctx *c,
                       unsigned lin, size_t j0, size_t nin, unsigned depth,
                       struct task_result *r)
{
    const struct pyr_run *run = crun(w);
    const struct pyr_plan *lv = &run->lv;
    enum pyr_format f = (enum pyr_format)cpar(w)->format;
    char names[WL_DEPS_MAX][64], err[PB_ERR_MAX];
    const uint8_t *data[WL_DEPS_MAX];
    size_t len[WL_DEPS_MAX];
    const void *in[WL_DEPS_MAX];
    struct pyr_dev d0, d1;
    int rc;
    pyr_dev_sample(&d0);
    double t0 = pb_now(), c0 = thread_cpu();

    for (size_t k = 0; k < nin; k++)
        pyr_file_name(f, lin, j0 + k, names[k], sizeof names[k]);
    rc = pyr_io_read(c->io, run->dirfd, names, nin, data, len, err,
                     sizeof err);
    for (size_t k = 0; rc == 0 && k < nin; k++) {
        r->read_bytes += len[k];
        rc = pyr_decode(f, lv->depth, lv->side[lin], data[k], len[k],
                        &c->dec[k], &in[k], err, sizeof err);
        if (rc) {
            char why[PB_ERR_MAX];
            snprintf(why, sizeof why, "%.40s: %.110s", names[k], err);
            snprintf(err, sizeof err, "%s", why);
        }
    }
    double t1 = pb_now(), c1 = thread_cpu();
    r->read_s = t1 - t0;
    r->io_blocked_s = (t1 - t0) - (c1 - c0);

    /* Compute: level by level, each image from two of the level below. */
    size_t nout = 0, outj[WL_DEPS_MAX];
    unsigned outl[WL_DEPS_MAX];
    const void *below[WL_DEPS_MAX];
    size_t nbelow = nin, jbelow = j0;
    for (size_t k = 0; k < nin; k++)
        below[k] = in[k];
    for (unsigned l = lin + 1; rc == 0 && l <= lin + depth; l++) {
        size_t first = jbelow / 2, n = (nbelow + 1) / 2, start = nout;
        for (size_t q = 0; rc == 0 && q < n; q++) {
            size_t a = 2 * q, b = 2 * q + 1;
            if (nout >= WL_DEPS_MAX ||
                pyr_buf_reserve(&c->px[nout], pyr_image_bytes(lv, l)) != 0) {
                snprintf(err, sizeof err, "out of memory for level %u", l);
                rc = -ENOMEM;
                break;
            }
            pyr_step(lv->depth, below[a], b < nbelow ? below[b] : NULL,
                     lv->side[l - 1], c->px[nout].p);
            outl[nout] = l, outj[nout] = first + q;
            nout++;
        }
        for (size_t q = 0; q < n; q++)
            below[q] = c->px[start + q].p;
        nbelow = n, jbelow = first;
    }
    pyr_io_done(c->io);
    double t2 = pb_now(), c2 = thread_cpu();
    r->compute_s = t2 - t1;

    /* Write: each image encoded, then every file of the task at once. */
    const uint8_t *out[WL_DEPS_MAX];
    size_t olen[WL_DEPS_MAX];
    for (size_t k = 0; rc == 0 && k < nout; k++) {
        rc = pyr_encode(f, lv->depth, lv->side[outl[k]], c->px[k].p,
                        &c->enc[k], err, sizeof err);
        out[k] = c->enc[k].p, olen[k] = c->enc[k].len;
        pyr_file_name(f, outl[k], outj[k], names[k], sizeof names[k]);
        r->digest += pyr_image_hash(outl[k], outj[k], c->px[k].p,
                                    pyr_image_bytes(lv, outl[k]));
        r->write_bytes += olen[k];
    }
    if (rc == 0)
        rc = pyr_io_write(c->io, run->dirfd, names, nout, out, olen,
                          cpar(w)->fsync, err, sizeof err);
    double t3 = pb_now(), c3 = thread_cpu();
    r->write_s = t3 - t2;
    r->io_blocked_s += (t3 - t2) - (c3 - c2);
    if (r->io_blocked_s < 0)
        r->io_blocked_s = 0;
    pyr_dev_sample(&d1);
    r->dev_read_bytes = d1.read_bytes - d0.read_bytes;
    r->dev_write_bytes = d1.write_bytes - d0.write_bytes;
    r->blkio_s = d1.blkio_s - d0.blkio_s;
    r->bytes = r->write_bytes;
    r->level = (int32_t)lin + 1;
    if (rc) {
        r->status = -1;
        snprintf(r->error, sizeof r->error, "%s", err);
        return -1;
    }
    return 0;
}

int pyr_run_task(const struct workload *w, void *ctx, size_t t,
                    const void *in, void *out, struct task_result *r)
{
    (void)in, (void)out;
    const struct pyr_run *run = crun(w);
    if (cpar(w)->strategy == ST_BATCH) {
        unsigned s;
        size_t m;
        pyr_task_batch(run, t, &s, &m);
        unsigned base = s * run->k;
        size_t n = run->lv.count[base] - m * run->K;
        if (n > run->K)
            n = run->K;
        unsigned depth = run->lv.levels - base < run->k
                             ? run->lv.levels - base : run->k;
        return make_levels(w, ctx, base, m * run->K, n, depth, r);
    }
    unsigned l;
    size_t j;
    pyr_task_image(run, t, &l, &j);
    size_t n = 2 * j + 1 < run->lv.count[l - 1] ? 2 : 1;
    return make_levels(w, ctx, l - 1, 2 * j, n, 1, r);
}
