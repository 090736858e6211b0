/* kernels/pyramid_io.c: how the pyramid's file bytes move (pyramid.h).
 *
 * An image is encoded and decoded in memory (kernels/pyramid_file.c), and
 * the I/O mode only decides how file bytes reach memory and back:
 *   read   read()/write() of whole files into the worker's buffers
 *   mmap   inputs mapped (MAP_POPULATE: read in at the mapping, so the
 *          time is the read phase's) and decoded in place; outputs
 *          written through a shared mapping of the new file
 *   uring  every file of a task read (or written) at once through the
 *          worker's io_uring ring, in 1 MiB requests, and waited for
 *          together: asynchronous I/O overlapping a task's files
 * Outputs go to "<name>.part" and are renamed into place when whole; a
 * failure removes the .part files of the call, so no half-written image
 * is ever left under either name.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/pyramid.h"

#define PYR_MAX_FILES (WL_DEPS_MAX * 2)
#define URING_CHUNK (1u << 20)
#define URING_DEPTH 64

/* ---- moving bytes ----------------------------------------------------- */

struct pyr_io {
    enum pyr_iomode mode;
    struct io_uring ring;
    int ring_ok;
    struct pyr_buf in[PYR_MAX_FILES]; /* read / uring: file bytes */
    void *map[PYR_MAX_FILES];         /* mmap: the mappings */
    size_t maplen[PYR_MAX_FILES];
    size_t nmap;
};

int pyr_io_open(struct pyr_io **out, enum pyr_iomode mode, char *err,
                size_t errlen)
{
    struct pyr_io *io = calloc(1, sizeof *io);
    if (!io) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    io->mode = mode;
    if (mode == PYR_IO_URING) {
        int rc = io_uring_queue_init(URING_DEPTH, &io->ring, 0);
        if (rc < 0) {
            snprintf(err, errlen, "io_uring: %s", strerror(-rc));
            free(io);
            return rc;
        }
        io->ring_ok = 1;
    }
    *out = io;
    return 0;
}

int pyr_io_reserve(struct pyr_io *io, size_t n, size_t bytes)
{
    if (io->mode == PYR_IO_MMAP) /* inputs are mapped, not copied */
        return 0;
    for (size_t k = 0; k < n && k < PYR_MAX_FILES; k++) {
        if (pyr_buf_reserve(&io->in[k], bytes) != 0)
            return -ENOMEM;
        memset(io->in[k].p, 0, bytes);
    }
    return 0;
}

void pyr_io_close(struct pyr_io *io)
{
    if (!io)
        return;
    pyr_io_done(io);
    if (io->ring_ok)
        io_uring_queue_exit(&io->ring);
    for (size_t k = 0; k < PYR_MAX_FILES; k++)
        pyr_buf_free(&io->in[k]);
    free(io);
}

void pyr_io_done(struct pyr_io *io)
{
    for (size_t k = 0; k < io->nmap; k++)
        if (io->map[k])
            munmap(io->map[k], io->maplen[k]);
    io->nmap = 0;
}

static int fail_errno(int e, char *err, size_t errlen, const char *what,
                      const char *name)
{
    snprintf(err, errlen, "%s %s: %s", what, name, strerror(e));
    return -e;
}

static int read_whole(int fd, uint8_t *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, p + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -EIO; /* shorter than it was a moment ago */
        got += (size_t)r;
    }
    return 0;
}

static int write_whole(int fd, const uint8_t *p, size_t n)
{
    for (size_t put = 0; put < n;) {
        ssize_t r = pwrite(fd, p + put, n - put, (off_t)put);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        put += (size_t)r;
    }
    return 0;
}

/* Submit and reap requests of 1 MiB until every file's bytes moved.
 * write: from data to fds; else into the buffers.  0 or -errno; *bad is
 * the file that failed. */
static int uring_move(struct io_uring *ring, const int *fds, uint8_t **bufs,
                      const size_t *len, size_t n, int write, size_t *bad)
{
    size_t next_file = 0, next_off = 0, inflight = 0;
    int rc = 0;
    for (;;) {
        while (rc == 0 && next_file < n && inflight < URING_DEPTH) {
            if (next_off >= len[next_file]) {
                next_file++, next_off = 0;
                continue;
            }
            struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
            if (!sqe)
                break;
            size_t k = len[next_file] - next_off;
            if (k > URING_CHUNK)
                k = URING_CHUNK;
            if (write)
                io_uring_prep_write(sqe, fds[next_file],
                                    bufs[next_file] + next_off, (unsigned)k,
                                    next_off);
            else
                io_uring_prep_read(sqe, fds[next_file],
                                   bufs[next_file] + next_off, (unsigned)k,
                                   next_off);
            /* user data: file index and offset */
            io_uring_sqe_set_data64(sqe, ((uint64_t)next_file << 40) |
                                             (next_off & ((1ull << 40) - 1)));
            next_off += k;
            inflight++;
        }
        if (!inflight)
            break;
        int s = io_uring_submit_and_wait(ring, 1);
        if (s < 0 && s != -EINTR) {
            *bad = next_file < n ? next_file : 0;
            return s;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(ring, head, cqe) {
            seen++;
            inflight--;
            uint64_t ud = io_uring_cqe_get_data64(cqe);
            size_t f = (size_t)(ud >> 40), off = (size_t)(ud & ((1ull << 40) - 1));
            size_t want = len[f] - off < URING_CHUNK ? len[f] - off : URING_CHUNK;
            if (cqe->res < 0 && rc == 0) {
                rc = cqe->res, *bad = f;
            } else if (cqe->res >= 0 && (size_t)cqe->res < want && rc == 0) {
                /* A short transfer: finish it synchronously (rare). */
                off += (size_t)cqe->res, want -= (size_t)cqe->res;
                int e = 0;
                for (size_t got = 0; e == 0 && got < want;) {
                    ssize_t r = write ? pwrite(fds[f], bufs[f] + off + got,
                                               want - got, (off_t)(off + got))
                                      : pread(fds[f], bufs[f] + off + got,
                                              want - got, (off_t)(off + got));
                    if (r < 0 && errno == EINTR)
                        continue;
                    e = r < 0 ? -errno : r == 0 ? -EIO : 0;
                    got += r > 0 ? (size_t)r : 0;
                }
                if (e)
                    rc = e, *bad = f;
            }
        }
        io_uring_cq_advance(ring, seen);
    }
    return rc;
}

int pyr_io_read(struct pyr_io *io, int dirfd, char (*names)[64], size_t n,
                const uint8_t **data, size_t *len, char *err, size_t errlen)
{
    int fds[PYR_MAX_FILES] = {0};
    int rc = 0;
    size_t opened = 0;
    pyr_io_done(io);
    if (n > PYR_MAX_FILES) {
        snprintf(err, errlen, "%zu files in one task: at most %d", n,
                 PYR_MAX_FILES);
        return -EINVAL;
    }
    for (; opened < n; opened++) {
        fds[opened] = openat(dirfd, names[opened], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fds[opened] < 0 || fstat(fds[opened], &st) != 0) {
            rc = fail_errno(errno, err, errlen, "open", names[opened]);
            if (fds[opened] >= 0)
                close(fds[opened]);
            goto out;
        }
        len[opened] = (size_t)st.st_size;
    }
    if (io->mode == PYR_IO_MMAP) {
        for (size_t k = 0; k < n; k++) {
            void *p = len[k] ? mmap(NULL, len[k], PROT_READ,
                                    MAP_SHARED | MAP_POPULATE, fds[k], 0)
                             : NULL;
            if (p == MAP_FAILED) {
                rc = fail_errno(errno, err, errlen, "mmap", names[k]);
                goto out;
            }
            io->map[io->nmap] = p, io->maplen[io->nmap++] = len[k];
            data[k] = p;
        }
        goto out;
    }
    uint8_t *bufs[PYR_MAX_FILES];
    for (size_t k = 0; k < n; k++) {
        if (pyr_buf_reserve(&io->in[k], len[k] ? len[k] : 1) != 0) {
            snprintf(err, errlen, "out of memory reading %s", names[k]);
            rc = -ENOMEM;
            goto out;
        }
        bufs[k] = io->in[k].p;
        data[k] = bufs[k];
    }
    if (io->mode == PYR_IO_URING) {
        size_t bad = 0;
        rc = uring_move(&io->ring, fds, bufs, len, n, 0, &bad);
        if (rc)
            fail_errno(-rc, err, errlen, "read (io_uring)", names[bad]);
    } else {
        for (size_t k = 0; k < n && rc == 0; k++)
            if ((rc = read_whole(fds[k], bufs[k], len[k])) != 0)
                fail_errno(-rc, err, errlen, "read", names[k]);
    }
out:
    for (size_t k = 0; k < opened; k++)
        close(fds[k]);
    if (rc)
        pyr_io_done(io);
    return rc;
}

static void part_name(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s.part", name);
}

int pyr_io_write(struct pyr_io *io, int dirfd, char (*names)[64], size_t n,
                 const uint8_t *const *data, const size_t *len, int fsync_,
                 char *err, size_t errlen)
{
    int fds[PYR_MAX_FILES] = {0};
    char part[PYR_MAX_FILES][80];
    size_t opened = 0;
    int rc = 0;
    if (n > PYR_MAX_FILES) {
        snprintf(err, errlen, "%zu files in one task: at most %d", n,
                 PYR_MAX_FILES);
        return -EINVAL;
    }
    for (; opened < n; opened++) {
        part_name(names[opened], part[opened], sizeof part[opened]);
        /* a shared writable mapping needs the file open for reading too */
        fds[opened] = openat(dirfd, part[opened],
                             (io->mode == PYR_IO_MMAP ? O_RDWR : O_WRONLY) |
                                 O_CREAT | O_TRUNC | O_CLOEXEC |
                                 O_NOFOLLOW, 0644);
        if (fds[opened] < 0) {
            rc = fail_errno(errno, err, errlen, "create", part[opened]);
            goto out;
        }
    }
    if (io->mode == PYR_IO_URING) {
        size_t bad = 0;
        rc = uring_move(&io->ring, fds, (uint8_t **)data, len, n, 1, &bad);
        if (rc)
            fail_errno(-rc, err, errlen, "write (io_uring)", names[bad]);
    } else if (io->mode == PYR_IO_MMAP) {
        for (size_t k = 0; k < n && rc == 0 && len[k]; k++) {
            /* Reserve the blocks first, so a full disk is an error here,
             * not a SIGBUS when a page of the mapping is written. */
            int e = posix_fallocate(fds[k], 0, (off_t)len[k]);
            if (e) {
                rc = fail_errno(e, err, errlen, "write (mmap)", names[k]);
                break;
            }
            void *p = mmap(NULL, len[k], PROT_READ | PROT_WRITE, MAP_SHARED,
                           fds[k], 0);
            if (p == MAP_FAILED) {
                rc = fail_errno(errno, err, errlen, "mmap", names[k]);
                break;
            }
            memcpy(p, data[k], len[k]);
            if (fsync_ && msync(p, len[k], MS_SYNC) != 0)
                rc = fail_errno(errno, err, errlen, "msync", names[k]);
            munmap(p, len[k]);
        }
    } else {
        for (size_t k = 0; k < n && rc == 0; k++)
            if ((rc = write_whole(fds[k], data[k], len[k])) != 0)
                fail_errno(-rc, err, errlen, "write", names[k]);
    }
    for (size_t k = 0; k < n && rc == 0 && fsync_; k++)
        if (fsync(fds[k]) != 0)
            rc = fail_errno(errno, err, errlen, "fsync", names[k]);
out:
    for (size_t k = 0; k < opened; k++)
        if (close(fds[k]) != 0 && rc == 0)
            rc = fail_errno(errno, err, errlen, "close", names[k]);
    for (size_t k = 0; k < opened && rc == 0; k++)
        if (renameat(dirfd, part[k], dirfd, names[k]) != 0)
            rc = fail_errno(errno, err, errlen, "rename", part[k]);
    if (rc) {
        for (size_t k = 0; k < opened; k++) {
            unlinkat(dirfd, part[k], 0);
            /* an output renamed before the failure is whole, but the
             * task failed: it goes too, so a failed task leaves none */
            unlinkat(dirfd, names[k], 0);
        }
        return rc;
    }
    if (fsync_ && fsync(dirfd) != 0)
        return fail_errno(errno, err, errlen, "fsync", "the directory");
    return 0;
}

/* ---- what the kernel counted -------------------------------------------- */

void pyr_dev_sample(struct pyr_dev *d)
{
    memset(d, 0, sizeof *d);
    char buf[1024];
    int fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
            buf[n] = 0;
            const char *p = strstr(buf, "\nread_bytes:");
            if (p)
                d->read_bytes = strtoull(p + 12, NULL, 10);
            p = strstr(buf, "\nwrite_bytes:");
            if (p)
                d->write_bytes = strtoull(p + 13, NULL, 10);
        }
    }
    fd = open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        /* Fields after the command (which may hold spaces) start after
         * the last ')': field 3 onwards; 42 is delayacct_blkio_ticks. */
        char *p = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
        for (int field = 2; p && field < 42; field++)
            p = strchr(p + 1, ' ');
        long hz = sysconf(_SC_CLK_TCK);
        if (p && hz > 0)
            d->blkio_s = (double)strtoull(p + 1, NULL, 10) / (double)hz;
    }
}

int pyr_evict(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (fsync(fd) != 0)
        rc = -errno;
    int e = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (e && !rc)
        rc = -e;
    close(fd);
    return rc;
}
