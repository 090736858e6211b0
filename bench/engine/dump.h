/* bench/engine/dump.h: --dump DIR, the first tasks' inputs and outputs as
 * files to look at (for workloads with a dump op). */
#ifndef PB_DUMP_H
#define PB_DUMP_H
#include <stddef.h>
#include <stdint.h>

#include "kernels/workload.h"
#include "runners/runner.h"

#define DUMP_TASKS 3 /* how many tasks are written */

/* Create DIR if needed and check it is writable (before any run). */
int dump_prepare(const char *dir, char *err, size_t errlen);
/* Write task<i>-input.EXT and task<i>-output.EXT for the first tasks. */
int dump_images(const struct workload *w, const struct task_data *d,
                const char *dir, char *err, size_t errlen);
#endif
