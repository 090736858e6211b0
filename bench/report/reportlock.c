/* bench/report/reportlock.c: the writer's lock of a report (see reportlock.h).
 *
 * Removing the lock file while holding it races with a process that opened
 * it just before: that one would then lock a file no longer in the
 * directory while a third creates a new one.  So after locking, the holder
 * checks that the name still leads to the file it locked, and starts over
 * when it does not (the usual pattern for lock files that are removed). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/report/reportlock.h"
#include "bench/util/safeio.h"

static int lock_name(const char *path, char *out, size_t n, int *none)
{
    char real[PATH_MAX];
    int rc = pb_resolve_links(path, real, sizeof real);
    if (rc)
        return rc;
    struct stat st;
    *none = stat(real, &st) == 0 && !S_ISREG(st.st_mode);
    char *slash = strrchr(real, '/');
    const char *base = slash ? slash + 1 : real;
    int dl = slash ? (int)(slash - real) + 1 : 0;
    if (snprintf(out, n, "%.*s.%s.lock", dl, real, base) >= (int)n)
        return -ENAMETOOLONG;
    return 0;
}

int report_lock(struct report_lock *l, const char *path, char *err,
                size_t errlen)
{
    l->fd = -1;
    int none = 0;
    int rc = lock_name(path, l->path, sizeof l->path, &none);
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, strerror(-rc));
        return rc;
    }
    if (none)
        return 0; /* written through a device or FIFO: nothing to replace */
    for (int tries = 0; tries < 20; tries++) {
        int fd = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                      0644);
        if (fd < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot create the lock %s: %s", l->path,
                     strerror(-rc));
            return rc;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
            char pid[32] = "";
            ssize_t r = pread(fd, pid, sizeof pid - 1, 0);
            pid[r > 0 ? r : 0] = 0;
            pid[strcspn(pid, "\n")] = 0;
            if (rc == -EBUSY)
                snprintf(err, errlen, "%s is being written by another "
                         "parbench%s%s%s (lock %s)", path, pid[0] ? " (pid " : "",
                         pid, pid[0] ? ")" : "", l->path);
            else
                snprintf(err, errlen, "cannot lock %s: %s", l->path,
                         strerror(-rc));
            close(fd);
            return rc;
        }
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(l->path, &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            char pid[32];
            int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
            /* The pid is only for the other's message: no error if not. */
            int wrote = ftruncate(fd, 0) == 0 &&
                        pwrite(fd, pid, (size_t)n, 0) == n;
            (void)wrote;
            l->fd = fd;
            return 0;
        }
        close(fd); /* removed by its last holder meanwhile: again */
    }
    snprintf(err, errlen, "cannot lock %s: it keeps being replaced", l->path);
    return -EAGAIN;
}

void report_unlock(struct report_lock *l)
{
    if (l->fd < 0)
        return;
    unlink(l->path);
    close(l->fd);
    l->fd = -1;
}
