/* bench/util/safeio.h: reading and writing the files a user names, without
 * destroying what a path names.
 *
 * This is bench/'s helper home (bench/util/ holds what only bench/ uses);
 * the descriptor loops and /proc readers that runners need too are in
 * runners/sysio.h, which these functions are built on, because runners
 * never include bench/ headers.
 *
 * Every file parbench writes (reports, exports, compare output, chart data,
 * image dumps) goes through here, so that:
 *  - a reader never sees half a file: a regular file is written to a new
 *    temporary file beside it, flushed, and renamed into place;
 *  - a path the user named that is a device, a FIFO or any other
 *    non-regular file is written through, never replaced (`--output
 *    /dev/null` must leave /dev/null alone);
 *  - a symlink the user named is followed: the file it points to is
 *    replaced atomically, the link stays;
 *  - inside a directory (chart data, dumps), files are created relative to
 *    the directory with O_CREAT|O_EXCL|O_NOFOLLOW under unique temporary
 *    names and renamed over the final name, so a symlink planted there by
 *    someone else is replaced, never followed.
 * Every whole file parbench reads (reports, matrices) comes through
 * pb_read_file, which reads to the end of the file rather than trusting
 * its size: /proc files say 0, a FIFO or /dev/stdin has none.
 */
#ifndef PB_SAFEIO_H
#define PB_SAFEIO_H
#include <stddef.h>
#include <sys/uio.h>

/* Write the n buffers of iov to path ("-" or NULL: standard output) as
 * described above.  0, or -errno with "path: why" in err. */
int pb_write_path(const char *path, const struct iovec *iov, int n, char *err,
                  size_t errlen);
/* The same for one buffer. */
int pb_write_buf(const char *path, const void *buf, size_t len, char *err,
                 size_t errlen);
/* Write name inside the directory open as dirfd (dirname only for
 * messages): a new temporary file, then renamed over name. */
int pb_write_at(int dirfd, const char *dirname, const char *name,
                const struct iovec *iov, int n, char *err, size_t errlen);
/* Check, before any work, that path can be written as pb_write_path will
 * (what: the option's name for messages, e.g. "--output").  0 or -errno
 * with a one-line reason. */
int pb_check_path(const char *what, const char *path, char *err,
                  size_t errlen);
/* Follow path's symlinks to the name that will really be written (a link
 * to a file that does not exist yet gives that file's name).  0, or
 * -errno (-ELOOP after 40 links). */
int pb_resolve_links(const char *path, char *out, size_t n);
/* pb_read_file refuses (-EFBIG) a file of this many bytes or more. */
#define PB_READ_MAX ((size_t)1 << 31)
/* Read the file at path whole into a new buffer (*text, to free), with a
 * NUL after its *len bytes (it may hold other NULs).  0, or -errno with
 * "cannot read 'path': why" in err. */
int pb_read_file(const char *path, char **text, size_t *len, char *err,
                 size_t errlen);
#endif
