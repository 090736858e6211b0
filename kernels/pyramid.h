/* kernels/pyramid.h: the thumbnail-pyramid workload's pieces (reference
 * 003: CT slices averaged in pairs and downsampled 2x2 level by level).
 *
 *  pyramid_px.c    the level plan, the pixel arithmetic, the inputs
 *  pyramid_file.c  image files in memory: TIFF through libtiff, raw
 *  pyramid_io.c    the three ways to move their bytes (read/write, mmap,
 *                  io_uring), the kernel's per-thread I/O counters
 *  pyramid.c       the workload: options, strategies, tasks and their
 *                  dependencies, setup and teardown (pyramid_wl.h)
 *  pyramid_task.c  a worker and its tasks
 *
 * Arithmetic (README "The pyramid workload"): level l image j is made of
 * level l-1 images 2j and 2j+1: output pixel (x, y) is the mean of the
 * eight pixels (2x..2x+1, 2y..2y+1) of both, rounded half up once:
 * (sum + 4) >> 3.  The last image of an odd count is carried up alone:
 * (sum of its four + 2) >> 2.  A side halves rounding down (an odd
 * side's last row and column are dropped, as the reference's w /= 2);
 * levels go on while the side is above --min-side.  Everything is
 * integer arithmetic, so every strategy, I/O mode and runner gives the
 * same pixels.
 */
#ifndef PB_PYRAMID_H
#define PB_PYRAMID_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/workload.h"

#define PYR_MAX_LEVELS 30

/* What the levels are, from --images, --side, --min-side, --depth. */
struct pyr_plan {
    unsigned depth;   /* bits per pixel: 8 or 16 */
    unsigned levels;  /* output levels, >= 1 */
    size_t count[PYR_MAX_LEVELS + 1]; /* images of level l; [0]: inputs */
    uint32_t side[PYR_MAX_LEVELS + 1]; /* side of level l's images, px */
    size_t first[PYR_MAX_LEVELS + 1]; /* output number of level l's first
                                         image (levels 1.. in order) */
    size_t outputs;   /* output images of every level */
};

/* The plan, or -EINVAL with a one-line reason (a side not above
 * min_side, no images, a bad depth). */
int pyr_plan_make(struct pyr_plan *p, size_t images, uint64_t side,
                  uint64_t min_side, unsigned depth, char *err,
                  size_t errlen);
/* Bytes of one level-l image's pixels. */
size_t pyr_image_bytes(const struct pyr_plan *p, unsigned l);

/* One level step: a and b (b NULL: a is carried up alone) are side x side
 * images; out gets (side / 2) x (side / 2) pixels. */
void pyr_step8(const uint8_t *a, const uint8_t *b, uint32_t side,
               uint8_t *out);
void pyr_step16(const uint16_t *a, const uint16_t *b, uint32_t side,
                uint16_t *out);
/* The same for either depth. */
void pyr_step(unsigned depth, const void *a, const void *b, uint32_t side,
              void *out);

/* Input image `index` (side x side at depth), a pure function of (seed,
 * index): a smooth gradient plus noise, like a slice's texture. */
void pyr_make_image(unsigned depth, uint32_t side, uint64_t seed,
                    size_t index, void *px);
/* The hash of output image j of level l: its pixels, seeded with (l, j),
 * so the wrapping sum over every image counts each at its place. */
uint64_t pyr_image_hash(unsigned l, size_t j, const void *px, size_t bytes);

/* ---- files (pyramid_file.c) and their I/O (pyramid_io.c) ----------- */

enum pyr_format { PYR_TIFF = 0, PYR_RAW };
enum pyr_iomode { PYR_IO_READ = 0, PYR_IO_MMAP, PYR_IO_URING };

/* A growable buffer. */
struct pyr_buf {
    uint8_t *p;
    size_t len, cap;
};
int pyr_buf_reserve(struct pyr_buf *b, size_t n);
void pyr_buf_free(struct pyr_buf *b);

/* File name of image j of level l (0: the inputs) in buf. */
void pyr_file_name(enum pyr_format f, unsigned l, size_t j, char *buf,
                   size_t n);

/* An image as file bytes: the pixels, encoded (TIFF: uncompressed, one
 * sample per pixel, native byte order, through libtiff; raw: the pixels
 * as they are, little-endian).  0 or -errno with err. */
int pyr_encode(enum pyr_format f, unsigned depth, uint32_t side,
               const void *px, struct pyr_buf *out, char *err,
               size_t errlen);
/* File bytes back to pixels: *px points at them, in `scratch` or (raw)
 * in data itself.  Refuses a file of another size or depth. */
int pyr_decode(enum pyr_format f, unsigned depth, uint32_t side,
               const uint8_t *data, size_t len, struct pyr_buf *scratch,
               const void **px, char *err, size_t errlen);

/* One worker's I/O: its mode, its io_uring ring, its buffers. */
struct pyr_io;
/* 0, or -errno with err (io_uring refused by the kernel). */
int pyr_io_open(struct pyr_io **io, enum pyr_iomode mode, char *err,
                size_t errlen);
void pyr_io_close(struct pyr_io *io);
/* Buffers for n input files of up to bytes each, allocated and touched
 * now (a worker's start-up), so the timed region never faults them in. */
int pyr_io_reserve(struct pyr_io *io, size_t n, size_t bytes);
/* Read n files of dirfd into memory: data[k], len[k] (valid until the
 * next pyr_io_read or pyr_io_done).  0, or -errno with err. */
int pyr_io_read(struct pyr_io *io, int dirfd, char (*names)[64], size_t n,
                const uint8_t **data, size_t *len, char *err,
                size_t errlen);
/* Let go of what the last pyr_io_read mapped. */
void pyr_io_done(struct pyr_io *io);
/* Write n files into dirfd, each through a temporary name renamed into
 * place when whole (with fsync: made durable first, and the directory
 * after the renames).  On failure nothing of the failed call is left
 * under a temporary name, and no file of it is half written.  0, or
 * -errno with err. */
int pyr_io_write(struct pyr_io *io, int dirfd, char (*names)[64], size_t n,
                 const uint8_t *const *data, const size_t *len, int fsync,
                 char *err, size_t errlen);

/* Device-level counters of the calling thread: /proc/thread-self/io
 * read_bytes and write_bytes, and /proc/thread-self/stat field 42
 * (delayacct_blkio_ticks, s; 0 unless kernel.task_delayacct is on). */
struct pyr_dev {
    uint64_t read_bytes, write_bytes;
    double blkio_s;
};
void pyr_dev_sample(struct pyr_dev *d);
/* Evict file name of dirfd from the page cache: fsync, then
 * POSIX_FADV_DONTNEED.  0 or -errno. */
int pyr_evict(int dirfd, const char *name);

#endif
