/* kernels/ppm.c: write an RGB image as a binary PPM (P6), the simplest
 * format any viewer opens; used by `parbench run --dump` and the tests.
 * img_write_ppm's file appears atomically: written to a new PATH.tmp
 * (created exclusively, never through an existing entry or symlink), then
 * renamed.  bench/ writes its dumps with img_ppm_header and its own safe
 * file writing (bench/util/safeio.c).
 */
#include "kernels/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int img_write_ppm(const char *path, const uint8_t *rgb, int width,
                  int height)
{
    if (!path || !rgb || width < 1 || height < 1)
        return -EINVAL;
    size_t len = strlen(path);
    char *tmp = malloc(len + 5);
    if (!tmp)
        return -ENOMEM;
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp", 5);

    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  0644);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!f) {
        rc = -errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return rc;
    }
    size_t n = 3 * (size_t)width * (size_t)height;
    errno = 0;
    if (fprintf(f, "P6\n%d %d\n255\n", width, height) < 0 ||
        fwrite(rgb, 1, n, f) != n || fflush(f) != 0)
        rc = errno ? -errno : -EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = errno ? -errno : -EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int img_ppm_header(char *buf, size_t n, int width, int height)
{
    if (width < 1 || height < 1)
        return -EINVAL;
    int k = snprintf(buf, n, "P6\n%d %d\n255\n", width, height);
    return k < 0 || (size_t)k >= n ? -ENOSPC : k;
}
