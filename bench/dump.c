/* bench/dump.c: writes the input and output images of the first few tasks
 * of an image run as binary PPM, so a person can see what the kernels do. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/dump.h"
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

int dump_images(const struct workload *w, const struct task_data *d,
                const char *dir, char *err, size_t errlen)
{
    for (size_t i = 0; i < d->ntasks && i < DUMP_TASKS; i++) {
        int wd, ht;
        if (img_task_dims(w, i, &wd, &ht) != 0) {
            snprintf(err, errlen, "not an image workload");
            return -EINVAL;
        }
        const char *kind[2] = {"input", "output"};
        const uint8_t *px[2] = {d->in + d->in_off[i], d->out + d->out_off[i]};
        for (int k = 0; k < 2; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/task%zu-%s.ppm", dir, i, kind[k]);
            int rc = img_write_ppm(path, px[k], wd, ht);
            if (rc) {
                snprintf(err, errlen, "%s: %s", path, strerror(-rc));
                return rc;
            }
        }
    }
    return 0;
}
