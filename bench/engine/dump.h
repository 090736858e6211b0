/* bench/engine/dump.h: --dump DIR, the first tasks' images as files to look at. */
#ifndef PB_DUMP_H
#define PB_DUMP_H
#include <stddef.h>
#include <stdint.h>

#include "kernels/workload.h"
#include "runners/runner.h"

#define DUMP_TASKS 3 /* how many tasks are written */

/* Create DIR if needed and check it is writable (before any run). */
int dump_prepare(const char *dir, char *err, size_t errlen);
/* Write width x height RGB pixels (3 bytes each) to path as a binary PPM,
 * atomically (bench/util/safeio.h).  0, or -errno with the reason in err
 * (-EINVAL: not an image size). */
int dump_write_ppm(const char *path, const uint8_t *rgb, int width,
                   int height, char *err, size_t errlen);
/* Write task<i>-input.ppm and task<i>-output.ppm for the first tasks. */
int dump_images(const struct workload *w, const struct task_data *d,
                const char *dir, char *err, size_t errlen);
#endif
