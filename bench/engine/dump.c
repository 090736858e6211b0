/* bench/engine/dump.c: writes the input and output images of the first few tasks
 * of an image run as binary PPM, so a person can see what the kernels do. */
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
            snprintf(name, sizeof name, "task%zu-%s.ppm", i, kind[k]);
            int hl = img_ppm_header(hdr, sizeof hdr, wd, ht);
            struct iovec v[2] = {{hdr, hl > 0 ? (size_t)hl : 0},
                                 {(void *)px[k], 3 * (size_t)wd * (size_t)ht}};
            rc = hl < 0 ? hl : pb_write_at(dfd, dir, name, v, 2, err, errlen);
        }
    }
    close(dfd);
    return rc;
}
