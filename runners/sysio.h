/* runners/sysio.h: descriptor and /proc helpers that runners and bench/
 * both need, written once: writing a whole buffer, reading an exact count,
 * reading a small file whole, and the "Key: N kB" fields of
 * /proc/self/status and /proc/meminfo.
 *
 * Why here: runners never include bench/ headers and kernels include
 * neither runners/ nor bench/, so what a runner needs can only live in
 * runners/ (bench/ may include runners' headers).  The rule for helpers:
 * bench/util/ holds what only bench/ uses (safe writes of paths the user
 * names, reading whole files of any size); this file holds what runners use
 * as well, and depends on nothing but libc.
 *
 * Every call retries after EINTR (a signal without SA_RESTART, e.g. the
 * driver's SIGINT handler, must not cut a message short) and waits in
 * poll() on EAGAIN, so a descriptor another process set O_NONBLOCK (a
 * shared stdout) is written whole too.  Errors are -errno.
 */
#ifndef PB_SYSIO_H
#define PB_SYSIO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Write all len bytes of buf to fd, however many write(2) calls it takes.
 * 0, or -errno (-EIO when write(2) wrote nothing and gave no error). */
int pb_write_all(int fd, const void *buf, size_t len);
/* The same for the n buffers of iov, in order. */
int pb_write_iov(int fd, const struct iovec *iov, int n);
/* Read up to n bytes from fd, stopping early only at end of file: the
 * count read (less than n only at end of file), or -errno. */
ssize_t pb_read_upto(int fd, void *buf, size_t n);
/* Read exactly len bytes from fd: 0, -ENODATA when the file ended first
 * (a pipe whose writer is gone), or -errno. */
int pb_read_full(int fd, void *buf, size_t len);
/* Read the file at path into buf (at most n - 1 bytes; the rest of a longer
 * file is left unread) and end it with a NUL.  Reads until end of file, so
 * /proc and /sys files, whose stat() size is 0, are read whole.  The count
 * read, or -errno (-EINVAL when n is 0). */
ssize_t pb_read_small(const char *path, char *buf, size_t n);
/* The value of the field key ("VmHWM", "MemAvailable", ...) in text laid
 * out as /proc/PID/status and /proc/meminfo are ("VmHWM:\t  1234 kB"
 * lines), in bytes.  0, -ENOENT when no line names key, -EINVAL when its
 * value is not "<digits> kB" (bytes untouched then). */
int pb_proc_kb(const char *text, const char *key, uint64_t *bytes);
/* /proc/self/status into buf (see pb_read_small). */
ssize_t pb_self_status(char *buf, size_t n);
#endif
