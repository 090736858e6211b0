/* bench/engine/dump.c: writes the inputs and outputs of the first few tasks
 * as files (the image workload's as binary PPM), so a person can see what
 * the kernels do.  The workload says what a task's file is (its dump op);
 * this file only writes it safely. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/engine/dump.h"
#include "bench/util/safeio.h"

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
        const char *kind[2] = {"input", "output"};
        const uint8_t *px[2] = {d->in ? d->in + d->in_off[i] : NULL,
                                d->out + d->out_off[i]};
        const size_t len[2] = {d->in_len[i], d->out_len[i]};
        for (int k = 0; rc == 0 && k < 2; k++) {
            struct wl_dump f = {0};
            if (!w->ops->dump || (rc = w->ops->dump(w, i, k, &f)) != 0 ||
                f.header_len > sizeof f.header || f.bytes > len[k]) {
                snprintf(err, errlen, "the %s workload cannot describe task "
                         "%zu's %s as a file", w->ops->name, i, kind[k]);
                rc = rc ? rc : -EINVAL;
                break;
            }
            char name[96];
            snprintf(name, sizeof name, "task%zu-%s.%s", i, kind[k],
                     f.ext ? f.ext : "bin");
            struct iovec v[2] = {{f.header, f.header_len},
                                 {(void *)px[k], px[k] ? f.bytes : 0}};
            rc = pb_write_at(dfd, dir, name, v, 2, err, errlen);
        }
    }
    close(dfd);
    return rc;
}
