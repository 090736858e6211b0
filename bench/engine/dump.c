/* bench/engine/dump.c: writes the input and output images of the first few tasks
 * of an image run as binary PPM (P6: a short text header, then the RGB
 * bytes; the simplest format any viewer opens), so a person can see what
 * the kernels do.  Files are written by bench/util/safeio.c, atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/engine/dump.h"
#include "bench/util/safeio.h"
#include "kernels/image.h"

int dump_prepare(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "--dump '%s': %s", dir, strerror(errno));
        return -errno;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--dump '%s': not a directory", dir);
        return -ENOTDIR;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "--dump '%s': %s", dir, strerror(errno));
        return -errno;
    }
    return 0;
}

/* The P6 header of a width x height image into hdr, and the two pieces of
 * the file into v; 0 or -EINVAL. */
static int ppm_iov(char *hdr, size_t n, const uint8_t *rgb, int width,
                   int height, struct iovec v[2])
{
    if (width < 1 || height < 1)
        return -EINVAL;
    int k = snprintf(hdr, n, "P6\n%d %d\n255\n", width, height);
    v[0] = (struct iovec){hdr, (size_t)k};
    v[1] = (struct iovec){(void *)rgb, 3 * (size_t)width * (size_t)height};
    return 0;
}

int dump_write_ppm(const char *path, const uint8_t *rgb, int width,
                   int height, char *err, size_t errlen)
{
    char hdr[64];
    struct iovec v[2];
    if (ppm_iov(hdr, sizeof hdr, rgb, width, height, v)) {
        snprintf(err, errlen, "%s: not an image size: %d x %d", path, width,
                 height);
        return -EINVAL;
    }
    return pb_write_path(path, v, 2, err, errlen);
}

/* Each file is created inside DIR under a new temporary name and renamed
 * over taskN-*.ppm (bench/util/safeio.c): a symlink or file planted in DIR by
 * someone else is replaced, never followed. */
int dump_images(const struct workload *w, const struct task_data *d,
                const char *dir, char *err, size_t errlen)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int rc = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
        return rc;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < d->ntasks && i < DUMP_TASKS; i++) {
        int wd, ht;
        if (img_task_dims(w, i, &wd, &ht) != 0) {
            snprintf(err, errlen, "not an image workload");
            rc = -EINVAL;
            break;
        }
        const char *kind[2] = {"input", "output"};
        const uint8_t *px[2] = {d->in + d->in_off[i], d->out + d->out_off[i]};
        for (int k = 0; rc == 0 && k < 2; k++) {
            char name[64], hdr[64];
            struct iovec v[2];
            snprintf(name, sizeof name, "task%zu-%s.ppm", i, kind[k]);
            rc = ppm_iov(hdr, sizeof hdr, px[k], wd, ht, v);
            if (!rc)
                rc = pb_write_at(dfd, dir, name, v, 2, err, errlen);
            else
                snprintf(err, errlen, "not an image size: %d x %d", wd, ht);
        }
    }
    close(dfd);
    return rc;
}
