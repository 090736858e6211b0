/* runners/sysio.c: see sysio.h.  One loop moves bytes both ways and
 * everything else is built on it, so EINTR, short counts and EAGAIN are
 * handled in exactly one place. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "runners/sysio.h"

/* fd said EAGAIN: wait until it is ready for events (or has hung up, which
 * the next read or write then reports). */
static int wait_ready(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}

/* Move n bytes between fd and buf, writing or reading, however many calls
 * it takes.  The count moved (less than n only when reading met the end of
 * the file), or -errno; a write(2) that moves nothing is -EIO. */
static ssize_t move_all(int fd, char *buf, size_t n, int writing)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = writing ? write(fd, buf + done, n - done)
                            : read(fd, buf + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_ready(fd, writing ? POLLOUT : POLLIN);
            if (rc)
                return rc;
            continue;
        }
        if (k < 0)
            return -errno;
        if (k == 0) {
            if (writing)
                return -EIO;
            break;
        }
        done += (size_t)k;
    }
    return (ssize_t)done;
}

int pb_write_all(int fd, const void *buf, size_t len)
{
    ssize_t r = move_all(fd, (char *)buf, len, 1);
    return r < 0 ? (int)r : 0;
}

int pb_write_iov(int fd, const struct iovec *iov, int n)
{
    for (int k = 0; k < n; k++) {
        int rc = pb_write_all(fd, iov[k].iov_base, iov[k].iov_len);
        if (rc)
            return rc;
    }
    return 0;
}

ssize_t pb_read_upto(int fd, void *buf, size_t n)
{
    return move_all(fd, buf, n, 0);
}

int pb_read_full(int fd, void *buf, size_t len)
{
    ssize_t r = pb_read_upto(fd, buf, len);
    if (r < 0)
        return (int)r;
    return (size_t)r == len ? 0 : -ENODATA;
}

ssize_t pb_read_small(const char *path, char *buf, size_t n)
{
    if (!n)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        buf[0] = 0;
        return -errno;
    }
    ssize_t r = pb_read_upto(fd, buf, n - 1);
    close(fd);
    buf[r < 0 ? 0 : r] = 0;
    return r;
}

int pb_proc_kb(const char *text, const char *key, uint64_t *bytes)
{
    size_t kl = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *next = strchr(line, '\n');
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            const char *s = line + kl + 1;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s < '0' || *s > '9')
                return -EINVAL;
            uint64_t kb = 0;
            for (; *s >= '0' && *s <= '9'; s++) {
                if (kb > (UINT64_MAX / 1024 - 9) / 10)
                    return -EINVAL;
                kb = kb * 10 + (uint64_t)(*s - '0');
            }
            if (strncmp(s, " kB", 3) || (s[3] && s[3] != '\n'))
                return -EINVAL;
            *bytes = kb * 1024;
            return 0;
        }
        line = next ? next + 1 : NULL;
    }
    return -ENOENT;
}

ssize_t pb_self_status(char *buf, size_t n)
{
    return pb_read_small("/proc/self/status", buf, n);
}
