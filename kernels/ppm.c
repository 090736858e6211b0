/* kernels/ppm.c: write an RGB image as a binary PPM (P6), the simplest
 * format any viewer opens; used by `parbench run --dump` and the tests.
 * The file appears atomically: written to PATH.tmp, then renamed.
 */
#include "kernels/image.h"

#include <errno.h>
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
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = -errno;
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
