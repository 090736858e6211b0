/* bench/util/safeio.c: see safeio.h.  Why each step: rename() over a path
 * replaces whatever directory entry is there -- a device node, a FIFO, a
 * symlink -- so it is only used on a regular file or a name that does not
 * exist yet, after following the user's symlinks; temporary names are
 * created with O_EXCL|O_NOFOLLOW, which never opens an existing entry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/util/safeio.h"
#include "runners/sysio.h"

int pb_resolve_links(const char *path, char *out, size_t n)
{
    char cur[PATH_MAX], target[PATH_MAX];
    if (snprintf(cur, sizeof cur, "%s", path) >= (int)sizeof cur)
        return -ENAMETOOLONG;
    for (int hops = 0; hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            if (snprintf(out, n, "%s", cur) >= (int)n)
                return -ENAMETOOLONG;
            return 0;
        }
        ssize_t r = readlink(cur, target, sizeof target - 1);
        if (r < 0)
            return -errno;
        target[r] = 0;
        if (target[0] == '/') {
            memcpy(cur, target, (size_t)r + 1);
        } else {
            /* Relative to the directory holding the link. */
            char *slash = strrchr(cur, '/');
            size_t dl = slash ? (size_t)(slash - cur) + 1 : 0;
            if (dl + (size_t)r + 1 > sizeof cur)
                return -ENAMETOOLONG;
            memmove(cur + dl, target, (size_t)r + 1);
        }
    }
    return -ELOOP;
}

/* Split path into its directory ("." when none) and last component. */
static int split(const char *path, char *dir, size_t dn, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dn, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dn, "/");
        *base = slash + 1;
    } else {
        if ((size_t)(slash - path) >= dn)
            return -ENAMETOOLONG;
        memcpy(dir, path, (size_t)(slash - path));
        dir[slash - path] = 0;
        *base = slash + 1;
    }
    return **base ? 0 : -EISDIR;
}

int pb_write_at(int dirfd, const char *dirname, const char *name,
                const struct iovec *iov, int n, char *err, size_t errlen)
{
    char tmp[NAME_MAX + 1];
    int fd = -1, rc = 0;
    size_t nl = strlen(name);
    if (nl > NAME_MAX - 12) {
        /* The temporary name must fit too; a name this long is refused
         * before anything is written. */
        snprintf(err, errlen, "%s/%s: %s", dirname, name,
                 strerror(ENAMETOOLONG));
        return -ENAMETOOLONG;
    }
    unsigned long seed = (unsigned long)getpid() * 2654435761u ^
                         (unsigned long)time(NULL);
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(tmp, sizeof tmp, ".%s.%08lx", name, (seed >> 24) & 0xffffffffu);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                                    O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) {
            rc = -errno;
            break;
        }
    }
    if (fd < 0) {
        if (!rc)
            rc = -EEXIST;
        snprintf(err, errlen, "%s/%s: %s", dirname, name, strerror(-rc));
        return rc;
    }
    fchmod(fd, 0644); /* whatever the umask: reports are for reading */
    rc = pb_write_iov(fd, iov, n);
    if (!rc && fsync(fd) != 0 && errno != EINVAL)
        rc = -errno;
    if (close(fd) != 0 && !rc)
        rc = -errno;
    if (!rc && renameat(dirfd, tmp, dirfd, name) != 0)
        rc = -errno;
    if (rc) {
        unlinkat(dirfd, tmp, 0);
        snprintf(err, errlen, "%s/%s: %s", dirname, name, strerror(-rc));
    }
    return rc;
}

int pb_write_path(const char *path, const struct iovec *iov, int n, char *err,
                  size_t errlen)
{
    if (!path || !strcmp(path, "-")) {
        int rc = pb_write_iov(STDOUT_FILENO, iov, n);
        if (rc)
            snprintf(err, errlen, "writing standard output: %s",
                     strerror(-rc));
        return rc;
    }
    char real[PATH_MAX], dir[PATH_MAX];
    const char *base;
    int rc = pb_resolve_links(path, real, sizeof real);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    struct stat st;
    if (stat(real, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: is a directory", path);
            return -EISDIR;
        }
        /* A device, FIFO or socket: write through it, never replace it. */
        int fd = open(real, O_WRONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            rc = -errno;
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
            return rc;
        }
        rc = pb_write_iov(fd, iov, n);
        if (close(fd) != 0 && !rc)
            rc = -errno;
        if (rc)
            snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    if ((rc = split(real, dir, sizeof dir, &base)) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: directory '%s': %s", path, dir,
                 strerror(-rc));
        return rc;
    }
    rc = pb_write_at(dfd, dir, base, iov, n, err, errlen);
    close(dfd);
    return rc;
}

int pb_write_buf(const char *path, const void *buf, size_t len, char *err,
                 size_t errlen)
{
    struct iovec v = {(void *)buf, len};
    return pb_write_path(path, &v, 1, err, errlen);
}

int pb_check_path(const char *what, const char *path, char *err,
                  size_t errlen)
{
    if (!path || !strcmp(path, "-"))
        return 0;
    char real[PATH_MAX], dir[PATH_MAX];
    const char *base;
    int rc = pb_resolve_links(path, real, sizeof real);
    if (rc) {
        snprintf(err, errlen, "%s '%s': %s", what, path, strerror(-rc));
        return rc;
    }
    struct stat st;
    if (stat(real, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s '%s': is a directory", what, path);
            return -EISDIR;
        }
        if (access(real, W_OK) != 0) {
            rc = -errno;
            snprintf(err, errlen, "%s '%s': not writable: %s", what, path,
                     strerror(-rc));
            return rc;
        }
        if (!S_ISREG(st.st_mode))
            return 0; /* written through: nothing is created beside it */
    }
    if ((rc = split(real, dir, sizeof dir, &base)) != 0) {
        snprintf(err, errlen, "%s '%s': %s", what, path, strerror(-rc));
        return rc;
    }
    if (strlen(base) > NAME_MAX - 12) {
        snprintf(err, errlen, "%s '%s': file name too long (at most %d "
                 "bytes here)", what, path, NAME_MAX - 12);
        return -ENAMETOOLONG;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s '%s': directory '%s' does not exist", what,
                 path, dir);
        return -ENOENT;
    }
    /* access() says yes to root everywhere, even on read-only or virtual
     * file systems: try the real thing, a temporary file, and remove it. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char probe[64];
    snprintf(probe, sizeof probe, ".parbench-probe.%ld", (long)getpid());
    int fd = dfd < 0 ? -1
                     : openat(dfd, probe, O_WRONLY | O_CREAT | O_EXCL |
                                              O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s '%s': cannot write in '%s': %s", what, path,
                 dir, strerror(-rc));
        if (dfd >= 0)
            close(dfd);
        return rc;
    }
    close(fd);
    unlinkat(dfd, probe, 0);
    close(dfd);
    return 0;
}

int pb_read_file(const char *path, char **text, size_t *len, char *err,
                 size_t errlen)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
        return rc;
    }
    /* The size, when there is one, only spares the buffer's growing: one
     * byte more, so the read that finds the end fits in the first buffer. */
    struct stat st;
    size_t cap = 1 << 16, n = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < PB_READ_MAX)
        cap = (size_t)st.st_size + 1;
    char *b = malloc(cap + 1);
    int rc = b ? 0 : -ENOMEM;
    while (!rc) {
        ssize_t r = pb_read_upto(fd, b + n, cap - n);
        if (r < 0) {
            rc = (int)r;
            break;
        }
        n += (size_t)r;
        if (n < cap)
            break; /* the end of the file */
        if (cap >= PB_READ_MAX) {
            rc = -EFBIG;
            break;
        }
        size_t ncap = cap > PB_READ_MAX / 2 ? PB_READ_MAX : 2 * cap;
        char *nb = realloc(b, ncap + 1);
        if (!nb)
            rc = -ENOMEM;
        else
            b = nb, cap = ncap;
    }
    close(fd);
    if (rc) {
        free(b);
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(-rc));
        return rc;
    }
    b[n] = 0;
    *text = b;
    *len = n;
    return 0;
}
